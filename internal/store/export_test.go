package store

import (
	"context"
	"database/sql"
	"strings"

	"clientele"
)

// ExplainCustomerSearch returns the plan of a customer search (Customers
// with a Query), one step per line. PostgreSQL is told to avoid sequential
// scans, so that on a test's few rows the plan shows which indexes the
// query can use rather than what is cheapest.
func (db *DB) ExplainCustomerSearch(ctx context.Context) (string, error) {
	args := []any{"", 51, "ann", "ann", "ann\U0010FFFF"}
	q := db.customerListSQL(true, "")
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

// Product returns the stored product sku and its brand's owner, for tests:
// nothing else reads one product.
func (db *DB) Product(ctx context.Context, sku string) (clientele.Product, string, error) {
	var p clientele.Product
	var cur, owner string
	err := db.r.QueryRowContext(ctx, `SELECT p.sku, p.name, p.category, p.brand, p.price, p.unit_cost, p.currency, coalesce(b.owner, '')
		FROM products p LEFT JOIN brands b ON b.name = p.brand WHERE p.sku = $1`, sku).
		Scan(&p.SKU, &p.Name, &p.Category, &p.Brand, &p.Price, &p.UnitCost, &cur, &owner)
	p.Currency = clientele.Currency(cur)
	return p, owner, err
}

// Imports returns the rows_read, imported, duplicates and rejected counts
// of every recorded import, oldest first.
func (db *DB) Imports(ctx context.Context) ([][4]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT rows_read, imported, duplicates, rejected FROM imports ORDER BY finished_at`)
	return collect(rows, err, func(sc *sql.Rows) ([4]int64, error) {
		var r [4]int64
		err := sc.Scan(&r[0], &r[1], &r[2], &r[3])
		return r, err
	})
}

// Analysed returns the tables of db's schema the PostgreSQL planner has
// statistics of (every table for SQLite, which needs none).
func (db *DB) Analysed(ctx context.Context) (map[string]bool, error) {
	out := map[string]bool{}
	if db.dialect != Postgres {
		return nil, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT relname FROM pg_stat_user_tables WHERE schemaname = current_schema() AND last_analyze IS NOT NULL`)
	err = each(rows, err, func(sc *sql.Rows) error {
		var name string
		if err := sc.Scan(&name); err != nil {
			return err
		}
		out[name] = true
		return nil
	})
	return out, err
}

// IndexAuditReads brings the index of the reads' audit file up to date at
// once, as its goroutine does every auditIndexEvery (nothing on
// PostgreSQL), and returns how many entries it indexed.
func (db *DB) IndexAuditReads(ctx context.Context) (int, error) {
	if db.audit.index == nil {
		return 0, nil
	}
	total := 0
	for {
		n, err := db.audit.indexOnce(ctx)
		if total += n; err != nil || n == 0 {
			return total, err
		}
	}
}
