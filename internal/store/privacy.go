package store

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"clientele"
)

// customerTable is a table that holds a customer's rows, by the column
// that names the customer. Erasing and exporting a customer go through
// this one list, and a test checks that every table with a customer
// column is on it.
type customerTable struct {
	table, column string
	// keep: the rows are financial records, kept under a random id that
	// no longer leads to the person (see EraseCustomer).
	keep bool
}

var customerTables = []customerTable{
	{table: "customers", column: "id"},
	{table: "identities", column: "customer_id"},
	{table: "accounts", column: "customer_id"},
	{table: "transactions", column: "customer_id", keep: true},
	{table: "transaction_lines", column: "customer_id", keep: true},
	{table: "events", column: "customer_id"},
	{table: "scores", column: "customer_id"},
	{table: "segment_members", column: "customer_id"},
	{table: "segment_history", column: "customer_id"},
	{table: "customer_merges", column: "from_id"},
	{table: "customer_merges", column: "into_id"},
	{table: "consents", column: "customer_id"},
	{table: "consent_history", column: "customer_id"},
	{table: "info_items", column: "customer_id"},
	{table: "counters", column: "customer_id"},
	{table: "counter_days", column: "customer_id"},
	{table: "trigger_state", column: "customer_id"},
	{table: "decisions", column: "customer_id"},
	{table: "outbox", column: "customer_id"},
	{table: "offer_responses", column: "customer_id"},
}

// CustomerTables lists "table.column" for every table that holds a
// customer's rows, for the test that no table is left out.
func CustomerTables() []string {
	var out []string
	for _, t := range customerTables {
		out = append(out, t.table+"."+t.column)
	}
	return out
}

// Erasure is what erasing a customer did.
type Erasure struct {
	CustomerID string
	Deleted    map[string]int64 // rows deleted, by table
	Kept       int64            // transactions kept under KeptAs
	KeptAs     string           // the random id the transactions now have
	Suppressed int              // ids and identities on the suppression list
	// Overwritten: nothing of the person is left in the database's files
	// (SQLite, once the write-ahead log is truncated); false on PostgreSQL,
	// where VACUUM reclaims the dead rows, and on SQLite when readers kept
	// the log from being truncated (it is at the next checkpoint).
	Overwritten bool
}

// EraseCustomer erases customer id on request, in one transaction: it
// deletes the profile, identities, accounts, events, scores, memberships
// and their history, merges and consent; keeps the transactions and their
// lines, for the financial records, under a new random id that leads to
// no one; and puts keyed hashes of the id and every identity on the
// suppression list, so that a later import of the person is refused
// instead of re-creating them. The context's audit entry (clientele
// .WithAudit), which holds no personal data, commits with the erasure.
//
// On SQLite deleted rows are overwritten with zeros (secure_delete on the
// writer), and the write-ahead log is checkpointed and truncated
// afterwards, so that nothing of the person stays readable in the file or
// its log. On PostgreSQL the rows become dead tuples that VACUUM reclaims
// (docs/operations.md).
func (db *DB) EraseCustomer(ctx context.Context, id string) (*Erasure, error) {
	key, err := db.suppressionKey(ctx)
	if err != nil {
		return nil, err
	}
	er := &Erasure{CustomerID: id, Deleted: map[string]int64{}}
	if e := clientele.AuditFromContext(ctx); e != nil {
		// The erasure's entry names the customer by its keyed hash only;
		// Audit finds it by the id.
		entry := *e
		entry.CustomerID, entry.Subject = erasedID(key, id), "erasure"
		ctx = clientele.WithAudit(ctx, &entry)
	}
	err = db.Write(ctx, func(w *Writer) error {
		var n int
		if err := query1(ctx, w.q, `SELECT count(*) FROM customers WHERE id = $1`, []any{id}, &n); err != nil {
			return err
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "customer %q not found", clientele.Excerpt(id))
		}
		hashes := []string{suppressionHash(key, "id", id)}
		rows, err := w.q.query(ctx, `SELECT kind, value FROM identities WHERE customer_id = $1`, id)
		if err != nil {
			return err
		}
		for rows.Next() {
			var kind, value string
			if err := rows.Scan(&kind, &value); err != nil {
				rows.Close()
				return err
			}
			hashes = append(hashes, suppressionHash(key, kind, value))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, h := range hashes {
			if _, err := w.q.exec(ctx, `INSERT INTO suppressions (hash, erased_at) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING`, h, w.db.ts(w.now)); err != nil {
				return err
			}
		}
		er.Suppressed = len(hashes)
		b := make([]byte, 8)
		rand.Read(b)
		er.KeptAs = "erased-" + hex.EncodeToString(b)
		// Children before parents: the foreign keys cascade, but the
		// counts should say what went.
		for i := len(customerTables) - 1; i >= 0; i-- {
			t := customerTables[i]
			var n int64
			var err error
			if t.keep {
				n, err = w.q.exec(ctx, `UPDATE `+t.table+` SET `+t.column+` = $1 WHERE `+t.column+` = $2`, er.KeptAs, id)
				if t.table == "transactions" {
					er.Kept = n
				}
			} else {
				n, err = w.q.exec(ctx, `DELETE FROM `+t.table+` WHERE `+t.column+` = $1`, id)
				if n > 0 {
					er.Deleted[t.table] += n
				}
			}
			if err != nil {
				return fmt.Errorf("erase %s: %w", t.table, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if db.dialect == SQLite {
		// Committed: the truncation is no longer the caller's to cancel.
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		er.Overwritten = db.truncateWAL(tctx) == nil
		cancel()
	}
	return er, nil
}

// truncateWAL copies the write-ahead log into the database file and
// empties it, so that the pages an erasure overwrote leave no older copy
// in the log. Readers in the middle of a read hold the log; it tries
// again until ctx is done.
func (db *DB) truncateWAL(ctx context.Context) error {
	for {
		var busy, logged, done int
		if err := db.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logged, &done); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// suppressionHash is the keyed hash that stands for an id or identity on
// the suppression list: without the server's secret, a list of hashes
// cannot be tested against a list of phone numbers.
func suppressionHash(key []byte, kind, value string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil))
}

// erasedID stands for customer id in the audit entry of its erasure.
func erasedID(key []byte, id string) string {
	return "erased:" + suppressionHash(key, "id", id)[:16]
}

// suppressionKey is the key of the suppression hashes, kept once read.
func (db *DB) suppressionKey(ctx context.Context) ([]byte, error) {
	db.supMu.Lock()
	defer db.supMu.Unlock()
	if db.supKey == nil {
		k, err := db.Secret(ctx, "suppression")
		if err != nil {
			return nil, err
		}
		db.supKey = k
	}
	return db.supKey, nil
}

// suppressed is a writer's view of the suppression list, read once per
// transaction; nil when the list is empty (the usual case: nothing to
// hash).
type suppressed struct {
	key    []byte
	hashes map[string]time.Time
}

// suppression returns the suppression list for w's transaction.
func (w *Writer) suppression(ctx context.Context) (*suppressed, error) {
	if w.supLoaded {
		return w.sup, nil
	}
	w.supLoaded = true
	rows, err := w.q.query(ctx, `SELECT hash, erased_at FROM suppressions`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	hashes := map[string]time.Time{}
	for rows.Next() {
		var h string
		var at time.Time
		if err := rows.Scan(&h, timeCol{&at}); err != nil {
			return nil, err
		}
		hashes[h] = at
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(hashes) == 0 {
		return nil, nil
	}
	// The key exists: an erasure made it. Read in this transaction (the
	// writer's one connection is this transaction's).
	w.db.supMu.Lock()
	key := w.db.supKey
	w.db.supMu.Unlock()
	if key == nil {
		var v string
		if err := query1(ctx, w.q, `SELECT value FROM settings WHERE key = $1`, []any{"secret:suppression"}, &v); err != nil {
			return nil, fmt.Errorf("the suppression list's key: %w", err)
		}
		if key, err = hex.DecodeString(v); err != nil {
			return nil, fmt.Errorf("the suppression list's key: %w", err)
		}
	}
	w.sup = &suppressed{key: key, hashes: hashes}
	return w.sup, nil
}

// checkSuppressed refuses to write customers or identities of people
// erased on request: an ESUPPRESSED error naming the first.
func (w *Writer) checkSuppressed(ctx context.Context, ids []string, idents []clientele.Identity) error {
	sup, err := w.suppression(ctx)
	if err != nil || sup == nil {
		return err
	}
	for _, id := range ids {
		if at, ok := sup.hashes[suppressionHash(sup.key, "id", id)]; ok {
			return suppressedError("customer "+clientele.Excerpt(id), at)
		}
	}
	for _, i := range idents {
		if at, ok := sup.hashes[suppressionHash(sup.key, i.Kind, i.Value)]; ok {
			return suppressedError("the "+i.Kind+" identity of customer "+clientele.Excerpt(i.CustomerID), at)
		}
	}
	return nil
}

func suppressedError(what string, at time.Time) error {
	return clientele.Errorf(clientele.ESUPPRESSED, "%s belongs to a person erased on request on %s: not stored again (see docs/operations.md, erasure)", what, at.UTC().Format(time.DateOnly))
}

// Suppressor tells whether a customer id or identity belongs to a person
// erased on request, for an import that reports such rows one by one.
type Suppressor struct {
	sup  *suppressed
	mu   sync.Mutex
	seen map[string]bool
}

// Suppressor returns the suppression list as of w's transaction.
func (w *Writer) Suppressor(ctx context.Context) (*Suppressor, error) {
	sup, err := w.suppression(ctx)
	if err != nil {
		return nil, err
	}
	return &Suppressor{sup: sup, seen: map[string]bool{}}, nil
}

// Check returns the ESUPPRESSED error of a customer id and its identities
// (kind, value pairs, normalised), or nil. It is safe for concurrent use.
func (s *Suppressor) Check(id string, idents ...clientele.Identity) error {
	if s == nil || s.sup == nil {
		return nil
	}
	s.mu.Lock()
	known, ok := s.seen[id]
	s.mu.Unlock()
	if ok && !known && len(idents) == 0 {
		return nil
	}
	if at, hit := s.sup.hashes[suppressionHash(s.sup.key, "id", id)]; hit {
		return suppressedError("customer "+clientele.Excerpt(id), at)
	}
	s.mu.Lock()
	if len(s.seen) < 1<<20 {
		s.seen[id] = false
	}
	s.mu.Unlock()
	for _, i := range idents {
		if at, hit := s.sup.hashes[suppressionHash(s.sup.key, i.Kind, i.Value)]; hit {
			return suppressedError("the "+i.Kind+" identity", at)
		}
	}
	return nil
}

// ExportCustomer returns every row held about customer id, by table, each
// row a map of column to value (times as time.Time), and the audit log's
// entries about the customer: the document a person is given on request.
func (db *DB) ExportCustomer(ctx context.Context, id string) (map[string][]map[string]any, error) {
	if _, err := db.Customer(ctx, id); err != nil {
		return nil, err
	}
	out := map[string][]map[string]any{}
	for _, t := range customerTables {
		rows, err := db.r.QueryContext(ctx, `SELECT * FROM `+t.table+` WHERE `+t.column+` = $1`, id)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.table, err)
		}
		got, err := db.rowMaps(rows)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", t.table, err)
		}
		if _, ok := out[t.table]; !ok {
			out[t.table] = []map[string]any{}
		}
		out[t.table] = append(out[t.table], got...)
	}
	es, _, err := db.Audit(ctx, clientele.AuditFilter{CustomerID: id, Limit: 100000}, "")
	if err != nil {
		return nil, err
	}
	audit := []map[string]any{}
	for _, e := range es {
		audit = append(audit, map[string]any{"at": e.At, "user": e.UserName, "role": e.Role, "department": e.Department,
			"action": e.Action, "route": e.Route, "reason": e.Reason})
	}
	out["audit_log"] = audit
	return out, nil
}

// rowMaps reads every row of rows as a map of column to value. Times,
// which SQLite keeps as microseconds in columns named at, time or *_at,
// come out as time.Time on both backends.
func (db *DB) rowMaps(rows *sql.Rows) ([]map[string]any, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	out := []map[string]any{}
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := map[string]any{}
		for i, c := range cols {
			v := vals[i]
			switch x := v.(type) {
			case []byte:
				v = string(x)
			case int64:
				if db.dialect == SQLite && (c == "at" || c == "time" || strings.HasSuffix(c, "_at")) {
					v = time.UnixMicro(x).UTC()
				}
			}
			m[c] = v
		}
		out = append(out, m)
	}
	return out, rows.Err()
}
