package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A bulk load fills an empty transactions table on PostgreSQL without its
// primary key and builds the key once, at the end, as PostgreSQL's manual
// advises for populating a table ("Populating a Database: Remove
// Indexes"). Keeping a B-tree up to date row by row, in the random key
// order of a point-of-sale export, costs PostgreSQL more than the rows
// themselves: one million rows take 4.2 s with the key in place, and
// 1.2 s without it plus 0.8 s to build it (docs/benchmarks.md). As the
// table is truncated in the load's transaction, the rows are copied frozen
// (COPY … FREEZE), which spares the first reader of every page setting
// hint bits, and VACUUM a pass.
//
// While it lasts the load holds the table for itself (an exclusive lock,
// to the commit): readers and writers of transactions wait. So it starts
// only when the table is empty, for a batch of at least bulkMin rows, and
// only if the lock comes within bulkLockTimeout; otherwise the rows go the
// usual way.

type bulkState uint8

const (
	bulkOff     bulkState = iota // rows go the usual way
	bulkWanted                   // BulkLoad was called; the next large batch may start a load
	bulkLoading                  // the primary key is dropped and rows are copied straight in
)

// bulkMin is the smallest batch that starts a bulk load; below it the
// key's upkeep costs little and the lock is not worth taking.
const bulkMin = 10_000

// bulkLockTimeout bounds the wait for the table's lock (a PostgreSQL
// interval); a variable for tests.
var bulkLockTimeout = "2s"

// BulkLoad tells w that the transactions written through it from now on
// are a large load, such as a file import, written in batches of
// thousands. On PostgreSQL, when the transactions table is empty, w then
// copies them in without the table's primary key and builds it in
// FinishBulkLoad; see the comment at the top of bulk.go for what that
// costs other sessions. On SQLite it does nothing.
//
// Batches with lines, and writes that ask which rows were created, end
// the load first and go the usual way.
func (w *Writer) BulkLoad() {
	if w.db.dialect == Postgres && w.bulk == bulkOff {
		w.bulk = bulkWanted
	}
}

// FinishBulkLoad ends a bulk load: it builds the primary key again and
// returns how many transactions reported as written by the load were in
// fact repeats of an earlier one with the same key, in another batch (the
// load finds those only now, and keeps the first). It does nothing, and
// returns 0, when no load is under way. Write calls it before committing,
// so the key is never committed missing.
//
// The rows a load copies in pass by the counters and the engine (the load
// does not see which are new): the counters are made again from history
// here, exactly, and nothing fires, as for a load of history it should not.
func (w *Writer) FinishBulkLoad(ctx context.Context) (int64, error) {
	if w.bulk != bulkLoading {
		w.bulk = bulkOff
		return 0, nil
	}
	w.bulk = bulkOff
	n, err := w.finishBulk(ctx)
	if err != nil {
		return 0, err
	}
	if _, err := w.RebuildCounters(ctx, nil); err != nil {
		return 0, fmt.Errorf("bulk load: %w", err)
	}
	return n, nil
}

func (w *Writer) finishBulk(ctx context.Context) (int64, error) {
	p := w.q.(*pgTx)
	add := "ALTER TABLE transactions ADD CONSTRAINT " + pgx.Identifier{w.pkName}.Sanitize() + " " + w.pkDef
	sp, err := p.tx.Begin(ctx) // a savepoint, to survive a unique violation
	if err != nil {
		return 0, fmt.Errorf("bulk load: %w", err)
	}
	_, err = sp.Exec(ctx, add)
	if err == nil {
		if err := sp.Commit(ctx); err != nil {
			return 0, fmt.Errorf("bulk load: %w", err)
		}
		return 0, nil
	}
	if rbErr := sp.Rollback(ctx); rbErr != nil {
		return 0, fmt.Errorf("bulk load: %w", rbErr)
	}
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" { // unique_violation
		return 0, fmt.Errorf("bulk load: build the primary key: %w", err)
	}
	// Repeats in different batches: keep each key's first row. After the
	// TRUNCATE in startBulk, COPY appends (it skips the free-space map of a
	// table truncated in the same transaction), so the first written has
	// the lowest ctid.
	tag, err := p.tx.Exec(ctx, `DELETE FROM transactions WHERE ctid IN (
		SELECT ctid FROM (
			SELECT ctid, row_number() OVER (PARTITION BY customer_id, id ORDER BY ctid) AS n FROM transactions
		) r WHERE n > 1)`)
	if err != nil {
		return 0, fmt.Errorf("bulk load: remove repeated transactions: %w", err)
	}
	if _, err := p.tx.Exec(ctx, add); err != nil {
		return 0, fmt.Errorf("bulk load: build the primary key: %w", err)
	}
	return tag.RowsAffected(), nil
}

// bulkEligible tells whether transactions may be bulk loaded: it is empty,
// and a plain heap table, which COPY … FREEZE needs (not partitioned, not
// distributed by Citus), and not published for logical replication, which
// would carry the TRUNCATE to subscribers whose tables may hold rows.
const bulkEligible = `SELECT NOT EXISTS (SELECT 1 FROM transactions)
	AND c.relkind = 'r' AND a.amname = 'heap'
	AND NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus')
	AND NOT EXISTS (SELECT 1 FROM pg_publication_tables t WHERE t.schemaname = n.nspname AND t.tablename = c.relname)
	FROM pg_class c JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE c.oid = 'transactions'::regclass`

// startBulk starts a bulk load if the transactions table is eligible
// (bulkEligible), its lock comes in time and the database user may take
// its key off;
// otherwise it leaves w writing the usual way. Either way it is tried once
// per BulkLoad.
func (w *Writer) startBulk(ctx context.Context) error {
	w.bulk = bulkOff
	p := w.q.(*pgTx)
	var eligible bool
	// Look before taking the lock: a table that holds rows is never locked.
	if err := query1(ctx, p, bulkEligible, nil, &eligible); err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	if !eligible {
		return nil
	}
	// All in a savepoint, whose rollback releases the lock and undoes the
	// rest.
	sp, err := p.tx.Begin(ctx)
	if err != nil {
		return fmt.Errorf("bulk load: %w", err)
	}
	defer sp.Rollback(context.WithoutCancel(ctx))
	ok, err := w.dropKey(ctx, sp)
	if err != nil {
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && (pgErr.Code == "55P03" || pgErr.Code == "42501" || pgErr.Code == "2BP01") {
			// lock_not_available: others are using the table;
			// insufficient_privilege: the user does not own it;
			// dependent_objects_still_exist: something refers to the key.
			return nil
		}
		return fmt.Errorf("bulk load: %w", err)
	}
	if !ok {
		return nil
	}
	if err := sp.Commit(ctx); err != nil { // the lock is now the transaction's
		return fmt.Errorf("bulk load: %w", err)
	}
	w.bulk = bulkLoading
	return nil
}

// dropKey takes the transactions table for the rest of the transaction,
// waiting for it no longer than bulkLockTimeout, and drops its primary key,
// remembering it in w. It reports false if the table is not empty.
func (w *Writer) dropKey(ctx context.Context, sp pgx.Tx) (bool, error) {
	var timeout string
	err := sp.QueryRow(ctx, "SELECT current_setting('lock_timeout'), set_config('lock_timeout', $1, true)", bulkLockTimeout).Scan(&timeout, new(string))
	if err != nil {
		return false, err
	}
	if _, err := sp.Exec(ctx, "LOCK TABLE transactions IN ACCESS EXCLUSIVE MODE"); err != nil {
		return false, fmt.Errorf("lock transactions: %w", err)
	}
	if _, err := sp.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", timeout); err != nil {
		return false, err
	}
	// Rows may have come between the look and the lock. Only a statement
	// snapshot taken now sees them, so under REPEATABLE READ or SERIALIZABLE,
	// whose snapshot may be older, the table is never taken for empty: the
	// TRUNCATE below would remove rows the transaction cannot see.
	var empty bool
	err = sp.QueryRow(ctx, `SELECT current_setting('transaction_isolation') = 'read committed'
		AND NOT EXISTS (SELECT 1 FROM transactions)`).Scan(&empty)
	if err != nil || !empty {
		return false, err
	}
	err = sp.QueryRow(ctx, `SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'transactions'::regclass AND contype = 'p'`).Scan(&w.pkName, &w.pkDef)
	if err != nil {
		return false, fmt.Errorf("the primary key of transactions: %w", err)
	}
	// TRUNCATE (of an empty table) gives it a new file, which lets COPY
	// append without consulting the free-space map for the rest of the
	// transaction; FinishBulkLoad relies on that order.
	if _, err := sp.Exec(ctx, "TRUNCATE transactions"); err != nil {
		return false, err
	}
	if _, err := sp.Exec(ctx, "ALTER TABLE transactions DROP CONSTRAINT "+pgx.Identifier{w.pkName}.Sanitize()); err != nil {
		return false, fmt.Errorf("drop the primary key: %w", err)
	}
	return true, nil
}

// copyBulk writes a batch during a bulk load. The batch's rows are in key
// order, so repeats within it are neighbours and are left out here; a
// repeat of a row of another batch is found by FinishBulkLoad.
func (w *Writer) copyBulk(ctx context.Context, b *TxBatch) (Result, error) {
	if err := w.ensureCustomers(ctx, b.ids, b.first, !b.checked); err != nil {
		return Result{}, err
	}
	n, err := copyTransactions(ctx, w.q.(*pgTx).tx, b.copy, true)
	if err != nil {
		return Result{}, fmt.Errorf("insert transactions: copy: %w", err)
	}
	return Result{Written: n, Duplicates: int64(len(b.txs)) - n}, nil
}
