package store

import (
	"context"
	"fmt"
	"time"

	"clientele"
)

// Writer writes customers, their facts and the catalogue within one
// database transaction: either everything written through it is committed,
// or nothing is. Get one from DB.Write.
//
// Facts (transactions, lines, events) are insert-only: writing one that is
// already stored changes nothing and is reported as a duplicate. Entities
// (customers, accounts, products, brands) are upserted: a changed row is
// updated, an identical one is a duplicate.
type Writer struct {
	db   *DB
	q    txQuerier
	now  time.Time
	seen customerSet // customers known to exist in this transaction

	sup       *suppressed // the suppression list, once read (privacy.go)
	supLoaded bool

	quiet bool     // facts go to the counters but not to the engine
	after []func() // run once the transaction has committed

	bulk          bulkState // see bulk.go
	pkName, pkDef string    // the primary key of transactions, dropped during a bulk load
}

// txQuerier is the part of a database transaction the writer needs; one
// implementation wraps database/sql (SQLite), the other pgx (PostgreSQL,
// for COPY).
type txQuerier interface {
	exec(ctx context.Context, query string, args ...any) (int64, error)
	query(ctx context.Context, query string, args ...any) (rowIter, error)
	// insert writes rows into table's columns with the given ON CONFLICT
	// clause and returns how many rows were written, and, when returning is
	// not empty, the values of those columns for every written row.
	insert(ctx context.Context, table string, cols []string, rows [][]any, conflict, returning string) (int64, [][]string, error)
}

type rowIter interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Write runs fn inside one database transaction and commits if fn returns
// nil; otherwise it rolls back and nothing fn wrote is kept.
func (db *DB) Write(ctx context.Context, fn func(w *Writer) error) error {
	w := &Writer{db: db, now: time.Now().UTC(), seen: newCustomerSet()}
	if e := clientele.AuditFromContext(ctx); e != nil {
		// The write's audit entry commits with it.
		do := fn
		fn = func(w *Writer) error {
			if err := do(w); err != nil {
				return err
			}
			return w.recordWrite(ctx, *e)
		}
	}
	var err error
	if db.dialect == Postgres {
		err = db.writePostgres(ctx, w, fn)
	} else {
		err = db.writeSQLite(ctx, w, fn)
	}
	if err == nil {
		for _, f := range w.after {
			f()
		}
	}
	return err
}

// AfterCommit has f run once w's transaction has committed (never when it
// rolls back): to wake a worker for what the transaction queued.
func (w *Writer) AfterCommit(f func()) { w.after = append(w.after, f) }

// DB returns the database w writes to.
func (w *Writer) DB() *DB { return w.db }

// Result counts what one write did.
type Result struct {
	Written    int64 // rows created (or, for entities, created or changed)
	Duplicates int64 // rows already stored as given
}

// ensureCustomers creates, with no profile, the customers that ids name and
// that do not exist yet; first gives each one's creation time. With check
// set it skips the customers w has already made sure of; without, the
// caller has (a batch prepared with a CustomerMemo).
func (w *Writer) ensureCustomers(ctx context.Context, ids []string, first []time.Time, check bool) error {
	var rows [][]any
	for i, id := range ids {
		if check && !w.seen.add(id) {
			continue
		}
		rows = append(rows, []any{id, w.db.ts(first[i]), w.db.ts(w.now)})
	}
	if len(rows) == 0 {
		return nil
	}
	if !w.supLoaded || w.sup != nil { // usually no one was ever erased: nothing to check
		fresh := make([]string, len(rows))
		for i, r := range rows {
			fresh[i] = r[0].(string)
		}
		if err := w.checkSuppressed(ctx, fresh, nil); err != nil {
			return err
		}
	}
	_, _, err := w.q.insert(ctx, "customers", []string{"id", "created_at", "updated_at"}, rows, "ON CONFLICT (id) DO NOTHING", "")
	if err != nil {
		return fmt.Errorf("create customers: %w", err)
	}
	return nil
}

// lastByKey drops every item whose key appears again later in xs, keeping
// the order of the rest. An upsert may touch a row only once per statement.
func lastByKey[T any](xs []T, key func(*T) string) []T {
	last := make(map[string]int, len(xs))
	for i := range xs {
		last[key(&xs[i])] = i
	}
	if len(last) == len(xs) {
		return xs
	}
	out := make([]T, 0, len(last))
	for i := range xs {
		if last[key(&xs[i])] == i {
			out = append(out, xs[i])
		}
	}
	return out
}

// Now is the time of w's transaction, as it records it.
func (w *Writer) Now() time.Time { return w.now.Truncate(time.Microsecond) }
