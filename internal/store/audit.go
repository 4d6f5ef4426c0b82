package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"clientele"
)

// The audit log (clientele.AuditEntry) has two writers:
//
//   - A write's entry goes in with the write: DB.Write inserts the entry
//     its context carries (clientele.WithAudit) into audit_log in the same
//     transaction, so the change and its entry commit together.
//   - A read's entry is recorded with RecordReads, which returns once the
//     entry is durable. Reads come a thousand a second, so one goroutine
//     writes them in groups: every entry that arrives while a group is
//     being written goes in the next group, one commit for all.
//
// On SQLite the reads go to a file of their own beside the database
// (PATH.audit, synchronous=FULL): a write to the customer database makes
// every reader connection drop its page cache at its next read, and the
// 360 view's latency lives on those caches. On PostgreSQL both go to
// audit_log. The tables refuse UPDATE and DELETE (triggers in the
// migrations, and in auditSchema for the file).

// auditLog writes the entries of reads in groups.
type auditLog struct {
	db      *sql.DB // the audit file on SQLite; the database on PostgreSQL
	dialect Dialect
	reqs    chan auditReq
	stop    chan struct{}
	wg      sync.WaitGroup
}

type auditReq struct {
	entries []clientele.AuditEntry
	done    chan error
}

// auditPageSize is the page size of the reads' log: each commit writes a
// page of the table and one of each index per entry (the entries' customers
// are scattered), and 4 KiB pages write a quarter of the bytes that the
// database's 16 KiB pages would.
const auditPageSize = 4096

// auditCheckpointEvery is how often the reads' log is checkpointed. Every
// 100 ms was worse at 1,000 reads/s (p99 27–49 ms against 21–23 ms): ten
// times the fsyncs of the file for the same pages.
const auditCheckpointEvery = time.Second

// auditGroup bounds the entries written in one commit.
const auditGroup = 512

// auditSchema is the read log's schema in its SQLite file: audit_log as in
// the migrations.
var auditSchema = []string{
	`CREATE TABLE IF NOT EXISTS audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    user_id     INTEGER NOT NULL DEFAULT 0,
    user_name   TEXT NOT NULL,
    token_id    INTEGER NOT NULL DEFAULT 0,
    role        TEXT NOT NULL,
    department  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    customer_id TEXT NOT NULL DEFAULT '',
    subject     TEXT NOT NULL DEFAULT '',
    route       TEXT NOT NULL,
    reason      TEXT NOT NULL DEFAULT '')`,
	`CREATE INDEX IF NOT EXISTS audit_log_customer ON audit_log (customer_id, id)`,
	`CREATE INDEX IF NOT EXISTS audit_log_user ON audit_log (user_name, id)`,
	`CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END`,
	`CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END`,
}

// AuditPath returns where the SQLite database at path keeps the audit
// entries of reads.
func AuditPath(path string) string { return path + ".audit" }

// openAudit opens the audit log of db and starts its group writer.
func (db *DB) openAudit(ctx context.Context) error {
	a := &auditLog{db: db.w, dialect: db.dialect, reqs: make(chan auditReq, auditGroup), stop: make(chan struct{})}
	if db.dialect == SQLite {
		path := AuditPath(db.where)
		if err := createSQLite(ctx, path, auditPageSize); err != nil {
			return err
		}
		f, err := sql.Open("sqlite", sqliteURI(path)+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)&_txlock=immediate")
		if err != nil {
			return fmt.Errorf("open the audit log %s: %w", path, err)
		}
		f.SetMaxOpenConns(2)
		f.SetConnMaxLifetime(0)
		for _, q := range auditSchema {
			if _, err := f.ExecContext(ctx, q); err != nil {
				f.Close()
				return fmt.Errorf("open the audit log %s: %w", path, err)
			}
		}
		a.db = f
	}
	a.wg.Add(1)
	go a.run()
	if db.dialect == SQLite {
		a.wg.Add(1)
		go a.checkpoints()
	}
	db.audit = a
	return nil
}

// close stops the group writer after the entries already handed to it.
func (a *auditLog) close(own bool) error {
	close(a.stop)
	a.wg.Wait()
	if own {
		return a.db.Close()
	}
	return nil
}

func (a *auditLog) run() {
	defer a.wg.Done()
	for {
		var req auditReq
		select {
		case req = <-a.reqs:
		case <-a.stop:
			return
		}
		group := []auditReq{req}
		n := len(req.entries)
	more:
		for n < auditGroup {
			select {
			case r := <-a.reqs:
				group = append(group, r)
				n += len(r.entries)
			default:
				break more
			}
		}
		var all []clientele.AuditEntry
		for _, r := range group {
			all = append(all, r.entries...)
		}
		err := a.insert(all)
		for _, r := range group {
			r.done <- err
		}
	}
}

// checkpoints copies the reads' log from its write-ahead log into the file
// once a second, on a connection of its own, instead of SQLite's automatic
// checkpoint, which runs in the commit that crosses a thousand pages. It
// is a RESTART checkpoint: it waits for the group being written and holds
// the next one back while it copies, so that the log starts over from its
// beginning. A PASSIVE one never finds the log without newer frames while
// entries keep coming, and the log grew without end (1.4 GB in 20 minutes
// at 1,000 reads/s, and every commit slower).
func (a *auditLog) checkpoints() {
	defer a.wg.Done()
	t := time.NewTicker(auditCheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			a.db.ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`)
			cancel()
		}
	}
}

// insert writes entries in one transaction.
func (a *auditLog) insert(entries []clientele.AuditEntry) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := a.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	defer tx.Rollback()
	for chunk := range slices.Chunk(entries, 200) {
		q, args := auditInsert(a.dialect, chunk)
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return fmt.Errorf("audit log: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

var auditCols = []string{"at", "user_id", "user_name", "token_id", "role", "department", "action", "customer_id", "subject", "route", "reason"}

// auditInsert is the INSERT of entries, in dialect's placeholders.
func auditInsert(d Dialect, entries []clientele.AuditEntry) (string, []any) {
	var b strings.Builder
	b.WriteString("INSERT INTO audit_log (" + strings.Join(auditCols, ", ") + ") VALUES ")
	args := make([]any, 0, len(entries)*len(auditCols))
	for i, e := range entries {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for j := range auditCols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(len(args)+j+1))
		}
		b.WriteByte(')')
		at := e.At
		if at.IsZero() {
			at = time.Now()
		}
		var ts any = at.UTC()
		if d == SQLite {
			ts = at.UnixMicro()
		}
		args = append(args, ts, e.UserID, e.UserName, e.TokenID, e.Role, e.Department, e.Action, e.CustomerID, e.Subject, e.Route, e.Reason)
	}
	return b.String(), args
}

// RecordReads records the entries of reads and returns once they are
// durable, or with the error that kept them from being written: a read
// whose entry cannot be written must not be served.
func (db *DB) RecordReads(ctx context.Context, entries ...clientele.AuditEntry) error {
	return db.StartRecordReads(ctx, entries...).Wait(ctx)
}

// PendingReads is the recording of read entries under way.
type PendingReads struct {
	done chan error
	err  error // an error before the entries were handed over
}

// StartRecordReads hands entries to the group writer and returns at once:
// a server starts the recording when a read begins, does the read
// meanwhile, and waits before it answers, so that the read and its
// entry's commit overlap.
func (db *DB) StartRecordReads(ctx context.Context, entries ...clientele.AuditEntry) *PendingReads {
	if len(entries) == 0 {
		return &PendingReads{}
	}
	req := auditReq{entries: entries, done: make(chan error, 1)}
	select {
	case db.audit.reqs <- req:
		return &PendingReads{done: req.done}
	case <-db.audit.stop:
		return &PendingReads{err: errors.New("audit log: the database is closed")}
	case <-ctx.Done():
		return &PendingReads{err: ctx.Err()}
	}
}

// Wait returns once the entries are durable, or with the error that kept
// them from being written.
func (p *PendingReads) Wait(ctx context.Context) error {
	if p.err != nil || p.done == nil {
		return p.err
	}
	select {
	case err := <-p.done:
		p.err, p.done = err, nil
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordWrite inserts e into audit_log within w's transaction.
func (w *Writer) recordWrite(ctx context.Context, e clientele.AuditEntry) error {
	e.At = w.now
	q, args := auditInsert(w.db.dialect, []clientele.AuditEntry{e})
	if _, err := w.q.exec(ctx, q, args...); err != nil {
		return fmt.Errorf("audit log: %w", err)
	}
	return nil
}

// Audit returns the entries that f selects, newest first, and a cursor for
// the next page ("" at the end). On SQLite it merges the log of writes in
// the database with the log of reads beside it.
func (db *DB) Audit(ctx context.Context, f clientele.AuditFilter, cursor string) ([]clientele.AuditEntry, string, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	cur, err := parseAuditCursor(cursor)
	if err != nil {
		return nil, "", err
	}
	sources := []*sql.DB{db.r}
	if db.dialect == SQLite {
		sources = append(sources, db.audit.db)
	}
	var all []auditRow
	for src, q := range sources {
		rows, err := db.auditQuery(ctx, q, src, f, cur)
		if err != nil {
			return nil, "", fmt.Errorf("read the audit log: %w", err)
		}
		all = append(all, rows...)
	}
	slices.SortFunc(all, func(a, b auditRow) int { return b.key.compare(a.key) })
	next := ""
	if len(all) > f.Limit {
		all = all[:f.Limit]
		next = all[len(all)-1].key.String()
	}
	out := make([]clientele.AuditEntry, len(all))
	for i := range all {
		out[i] = all[i].e
	}
	return out, next, nil
}

// auditKey orders entries across sources: by time, then source, then id.
type auditKey struct {
	at      int64 // microseconds
	src, id int64
}

func (k auditKey) compare(o auditKey) int {
	if c := cmpInt(k.at, o.at); c != 0 {
		return c
	}
	if c := cmpInt(k.src, o.src); c != 0 {
		return c
	}
	return cmpInt(k.id, o.id)
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (k auditKey) String() string { return fmt.Sprintf("%d.%d.%d", k.at, k.src, k.id) }

func parseAuditCursor(s string) (*auditKey, error) {
	if s == "" {
		return nil, nil
	}
	parts := strings.Split(s, ".")
	var k auditKey
	var err error
	if len(parts) == 3 {
		var errs [3]error
		k.at, errs[0] = strconv.ParseInt(parts[0], 10, 64)
		k.src, errs[1] = strconv.ParseInt(parts[1], 10, 64)
		k.id, errs[2] = strconv.ParseInt(parts[2], 10, 64)
		err = errors.Join(errs[:]...)
	}
	if len(parts) != 3 || err != nil {
		return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid cursor",
			Details: []clientele.FieldError{{Field: "cursor", Reason: "not a cursor this API returned"}}}
	}
	return &k, nil
}

type auditRow struct {
	e   clientele.AuditEntry
	key auditKey
}

// auditQuery reads the entries of one source (src: its place in the
// order) that f selects and that come after cur, at most f.Limit+1.
func (db *DB) auditQuery(ctx context.Context, q *sql.DB, src int, f clientele.AuditFilter, cur *auditKey) ([]auditRow, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	ts := func(micros int64) any {
		if db.dialect == SQLite {
			return micros
		}
		return time.UnixMicro(micros).UTC()
	}
	if f.CustomerID != "" {
		// An erasure's entry names the customer by a keyed hash.
		key, err := db.suppressionKey(ctx)
		if err != nil {
			return nil, err
		}
		where = append(where, "customer_id IN ("+arg(f.CustomerID)+", "+arg(erasedID(key, f.CustomerID))+")")
	}
	if f.UserName != "" {
		where = append(where, "user_name = "+arg(f.UserName))
	}
	if !f.Since.IsZero() {
		where = append(where, "at >= "+arg(ts(f.Since.UnixMicro())))
	}
	if cur != nil {
		switch {
		case int64(src) < cur.src:
			where = append(where, "at <= "+arg(ts(cur.at)))
		case int64(src) > cur.src:
			where = append(where, "at < "+arg(ts(cur.at)))
		default:
			a := arg(ts(cur.at))
			where = append(where, "(at < "+a+" OR (at = "+a+" AND id < "+arg(cur.id)+"))")
		}
	}
	query := `SELECT id, at, user_id, user_name, token_id, role, department, action, customer_id, subject, route, reason FROM audit_log`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY at DESC, id DESC LIMIT " + strconv.Itoa(f.Limit+1)
	rows, err := q.QueryContext(ctx, query, args...)
	return collect(rows, err, func(sc *sql.Rows) (auditRow, error) {
		var r auditRow
		e := &r.e
		err := sc.Scan(&e.ID, timeCol{&e.At}, &e.UserID, &e.UserName, &e.TokenID, &e.Role, &e.Department, &e.Action, &e.CustomerID, &e.Subject, &e.Route, &e.Reason)
		r.key = auditKey{at: e.At.UnixMicro(), src: int64(src), id: e.ID}
		return r, err
	})
}
