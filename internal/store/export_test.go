package store

import (
	"context"
	"strings"
)

// ExplainCustomerSearch returns the plan of a customer search (Customers
// with a Query), one step per line. PostgreSQL is told to avoid sequential
// scans, so that on a test's few rows the plan shows which indexes the
// query can use rather than what is cheapest.
func (db *DB) ExplainCustomerSearch(ctx context.Context) (string, error) {
	args := []any{"", 51, "ann", "ann", "ann\U0010FFFF"}
	q := db.customerListSQL(true)
	var b strings.Builder
	if db.dialect == Postgres {
		tx, err := db.r.BeginTx(ctx, nil)
		if err != nil {
			return "", err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return "", err
		}
		rows, err := tx.QueryContext(ctx, "EXPLAIN "+q, args...)
		if err != nil {
			return "", err
		}
		defer rows.Close()
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return "", err
			}
			b.WriteString(line + "\n")
		}
		return b.String(), rows.Err()
	}
	rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			return "", err
		}
		b.WriteString(detail + "\n")
	}
	return b.String(), rows.Err()
}

// BulkLoading reports whether w is loading transactions without the
// table's primary key.
func (w *Writer) BulkLoading() bool { return w.bulk == bulkLoading }

// SetBulkLockTimeout sets how long a bulk load waits for its lock, until
// the returned function restores it.
func SetBulkLockTimeout(d string) (restore func()) {
	old := bulkLockTimeout
	bulkLockTimeout = d
	return func() { bulkLockTimeout = old }
}

// Setting returns the value of a PostgreSQL setting within w's
// transaction.
func (w *Writer) Setting(ctx context.Context, name string) (string, error) {
	var v string
	err := query1(ctx, w.q, "SELECT current_setting($1)", []any{name}, &v)
	return v, err
}
