package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
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
// 360 view's latency lives on those caches. That file's table has no
// index: an index by customer put a page chosen at random into every
// commit and every checkpoint, and the checkpoint, which holds commits
// back while it runs, lasted long enough each second to set the 360
// view's p99 (at 1,000 views/s on a 2-core VM: 6.2–8.1 ms with the indexes
// in the file, 3.2–3.8 ms with no index anywhere, 4.8–4.9 ms in a quiet
// hour with the indexes written beside every 50 ms, 4.9–6.1 ms every 250
// ms). The indexes by customer and by user are kept in a third file
// (PATH.audit-index) by a goroutine that indexes the new entries a batch
// at a time, sorted; a query by customer or user reads the index up to
// where it has got and the few entries after that directly.
//
// On PostgreSQL both kinds of entry go to audit_log. The tables refuse
// UPDATE and DELETE (triggers in the migrations, and in auditSchema and
// auditIndexSchema for the files).

// auditLog writes the entries of reads in groups.
type auditLog struct {
	db      *sql.DB // the audit file on SQLite; the database on PostgreSQL
	dialect Dialect
	reqs    chan auditReq
	stop    chan struct{}
	wg      sync.WaitGroup

	// On SQLite: the index file; connections that read the reads' file,
	// apart from the writer's; and one of them with the index attached, for
	// queries (one at a time).
	index     *sql.DB
	indexPath string
	imu       sync.Mutex // one indexOnce at a time
	read      *sql.DB
	qmu       sync.Mutex
	qconn     *sql.Conn
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
	// Files made before the indexes moved to PATH.audit-index.
	`DROP INDEX IF EXISTS audit_log_customer`,
	`DROP INDEX IF EXISTS audit_log_user`,
	`CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END`,
	`CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END`,
}

// auditIndexSchema is the schema of the reads' index file: the entries'
// ids by customer and by user, and, a row a batch, the id up to which the
// entries are indexed. Its rows cannot be changed or deleted either.
var auditIndexSchema = func() []string {
	q := []string{
		`CREATE TABLE IF NOT EXISTS audit_by_customer (customer_id TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (customer_id, id)) WITHOUT ROWID`,
		`CREATE TABLE IF NOT EXISTS audit_by_user (user_name TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY (user_name, id)) WITHOUT ROWID`,
		`CREATE TABLE IF NOT EXISTS audit_indexed (upto INTEGER PRIMARY KEY)`,
	}
	for _, t := range []string{"audit_by_customer", "audit_by_user", "audit_indexed"} {
		for _, op := range []string{"UPDATE", "DELETE"} {
			q = append(q, `CREATE TRIGGER IF NOT EXISTS `+t+`_no_`+strings.ToLower(op)+` BEFORE `+op+` ON `+t+`
BEGIN SELECT RAISE(ABORT, 'the audit log cannot be changed'); END`)
		}
	}
	return q
}()

// auditIndexEvery is how often the index file takes in the new entries
// (Options.AuditIndexEvery), and auditIndexBatch how many at most in one
// transaction.
const (
	auditIndexEvery = 50 * time.Millisecond
	auditIndexBatch = 20_000
)

// AuditPath returns where the SQLite database at path keeps the audit
// entries of reads; AuditPath(path)+"-index" holds their indexes.
func AuditPath(path string) string { return path + ".audit" }

// openAudit opens the audit log of db and starts its group writer.
func (db *DB) openAudit(ctx context.Context, indexEvery time.Duration) error {
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
		a.indexPath = path + "-index"
		ix, err := openAuditIndex(ctx, f, a.indexPath)
		if err != nil {
			f.Close()
			return err
		}
		a.index = ix
		if a.read, err = sql.Open("sqlite", sqliteURI(path)+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)"); err != nil {
			f.Close()
			ix.Close()
			return fmt.Errorf("open the audit log %s: %w", path, err)
		}
		a.read.SetMaxOpenConns(2)
	}
	a.wg.Add(1)
	go a.run()
	if db.dialect == SQLite {
		a.wg.Add(1)
		go a.checkpoints()
		if indexEvery > 0 {
			a.wg.Add(1)
			go a.indexer(indexEvery)
		}
	}
	db.audit = a
	return nil
}

// openAuditIndex opens the index file of the reads' file f. An index that
// has got further than f's last entry is not f's (f was restored from an
// older copy, say): it is made again from f.
func openAuditIndex(ctx context.Context, f *sql.DB, path string) (*sql.DB, error) {
	for attempt := 0; ; attempt++ {
		if err := createSQLite(ctx, path, auditPageSize); err != nil {
			return nil, err
		}
		ix, err := sql.Open("sqlite", sqliteURI(path)+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("open the audit log's index %s: %w", path, err)
		}
		ix.SetMaxOpenConns(1)
		for _, q := range auditIndexSchema {
			if _, err = ix.ExecContext(ctx, q); err != nil {
				break
			}
		}
		var mark, last int64
		if err == nil {
			err = ix.QueryRowContext(ctx, `SELECT COALESCE(MAX(upto), 0) FROM audit_indexed`).Scan(&mark)
		}
		if err == nil {
			err = f.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM audit_log`).Scan(&last)
		}
		if err != nil {
			ix.Close()
			return nil, fmt.Errorf("open the audit log's index %s: %w", path, err)
		}
		if mark <= last || attempt > 0 {
			return ix, nil
		}
		ix.Close()
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(path + suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("make the audit log's index %s again: %w", path, err)
			}
		}
	}
}

// indexer takes the new entries of reads into the index file every
// period, until the log closes.
func (a *auditLog) indexer(every time.Duration) {
	a.each(every, func() {
		for {
			n, err := a.indexOnce(context.Background())
			if err != nil || n < auditIndexBatch {
				// An error is tried again at the next tick: until then,
				// queries read the entries not indexed directly.
				return
			}
			select {
			case <-a.stop: // a long way behind: the rest after a restart
				return
			default:
			}
		}
	})
}

// each calls fn every period until the log closes.
func (a *auditLog) each(period time.Duration, fn func()) {
	defer a.wg.Done()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-t.C:
			fn()
		}
	}
}

// indexOnce indexes up to auditIndexBatch entries after those already
// indexed, in one transaction of the index file with the new high mark, in
// key order (so that a batch touches each page of the index once), and
// returns how many it indexed.
func (a *auditLog) indexOnce(ctx context.Context) (int, error) {
	a.imu.Lock()
	defer a.imu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var upto int64
	if err := a.index.QueryRowContext(ctx, `SELECT COALESCE(MAX(upto), 0) FROM audit_indexed`).Scan(&upto); err != nil {
		return 0, fmt.Errorf("audit log index: %w", err)
	}
	type key struct {
		name string
		id   int64
	}
	var byCustomer, byUser []key
	rows, err := a.read.QueryContext(ctx, `SELECT id, customer_id, user_name FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2`, upto, auditIndexBatch)
	n := 0
	err = each(rows, err, func(sc *sql.Rows) error {
		var id int64
		var customer, user string
		if err := sc.Scan(&id, &customer, &user); err != nil {
			return err
		}
		if customer != "" {
			byCustomer = append(byCustomer, key{customer, id})
		}
		byUser = append(byUser, key{user, id})
		upto, n = id, n+1
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("audit log index: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	tx, err := a.index.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("audit log index: %w", err)
	}
	defer tx.Rollback()
	for _, t := range []struct {
		table, col string
		keys       []key
	}{{"audit_by_customer", "customer_id", byCustomer}, {"audit_by_user", "user_name", byUser}} {
		slices.SortFunc(t.keys, func(x, y key) int { return cmp.Or(strings.Compare(x.name, y.name), cmpInt(x.id, y.id)) })
		for chunk := range slices.Chunk(t.keys, 400) {
			var b strings.Builder
			args := make([]any, 0, 2*len(chunk))
			b.WriteString("INSERT OR IGNORE INTO " + t.table + " (" + t.col + ", id) VALUES ")
			for i, k := range chunk {
				if i > 0 {
					b.WriteByte(',')
				}
				b.WriteString("(?, ?)")
				args = append(args, k.name, k.id)
			}
			if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
				return 0, fmt.Errorf("audit log index: %w", err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO audit_indexed (upto) VALUES (?)`, upto); err != nil {
		return 0, fmt.Errorf("audit log index: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("audit log index: %w", err)
	}
	return n, nil
}

// queryConn returns the connection to the reads' file with the index file
// attached (as idx), made on first use and again after an error.
func (a *auditLog) queryConn(ctx context.Context) (*sql.Conn, error) {
	if a.qconn != nil {
		return a.qconn, nil
	}
	c, err := a.read.Conn(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := c.ExecContext(ctx, `ATTACH DATABASE ? AS idx`, sqliteURI(a.indexPath)); err != nil {
		c.Close()
		return nil, fmt.Errorf("attach the audit log's index: %w", err)
	}
	a.qconn = c
	return c, nil
}

// close stops the group writer after the entries already handed to it.
func (a *auditLog) close(own bool) error {
	close(a.stop)
	a.wg.Wait()
	var errs []error
	if a.qconn != nil {
		errs = append(errs, a.qconn.Close())
	}
	if a.index != nil {
		errs = append(errs, a.index.Close(), a.read.Close())
	}
	if own {
		errs = append(errs, a.db.Close())
	}
	return errors.Join(errs...)
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
	a.each(auditCheckpointEvery, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		a.db.ExecContext(ctx, `PRAGMA wal_checkpoint(RESTART)`)
	})
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
	all, err := db.auditQuery(ctx, db.r, 0, f, cur, false)
	if err != nil {
		return nil, "", fmt.Errorf("read the audit log: %w", err)
	}
	if db.dialect == SQLite {
		a := db.audit
		a.qmu.Lock()
		c, err := a.queryConn(ctx)
		var rows []auditRow
		if err == nil {
			if rows, err = db.auditQuery(ctx, c, 1, f, cur, true); err != nil && ctx.Err() == nil {
				// A connection that failed is not used again.
				a.qconn.Close()
				a.qconn = nil
			}
		}
		a.qmu.Unlock()
		if err != nil {
			return nil, "", fmt.Errorf("read the audit log of reads: %w", err)
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

// auditHighMark is the id up to which the index file has indexed the
// entries of reads.
const auditHighMark = "(SELECT COALESCE(MAX(upto), 0) FROM idx.audit_indexed)"

type auditRow struct {
	e   clientele.AuditEntry
	key auditKey
}

// auditQuery reads the entries of one source (src: its place in the
// order) that f selects and that come after cur, at most f.Limit+1. On the
// reads' file (indexed), the entries of a customer or a user are found
// through the index file, attached as idx, and after its high mark
// directly.
func (db *DB) auditQuery(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, src int, f clientele.AuditFilter, cur *auditKey, indexed bool) ([]auditRow, error) {
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
		ids := "customer_id IN (" + arg(f.CustomerID) + ", " + arg(erasedID(key, f.CustomerID)) + ")"
		if indexed {
			ids = "(id IN (SELECT id FROM idx.audit_by_customer WHERE " + ids + ") OR (id > " + auditHighMark + " AND " + ids + "))"
		}
		where = append(where, ids)
	}
	if f.UserName != "" {
		user := "user_name = " + arg(f.UserName)
		if indexed {
			user = "(id IN (SELECT id FROM idx.audit_by_user WHERE " + user + ") OR (id > " + auditHighMark + " AND " + user + "))"
		}
		where = append(where, user)
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
