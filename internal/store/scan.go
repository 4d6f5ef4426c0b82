package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// scanner is what scanning one row needs: *sql.Row and *sql.Rows have it.
type scanner interface{ Scan(dest ...any) error }

// each calls fn with every row of rows, stops at the first error, and
// closes rows: the one loop over a result set. The error of the query that
// made rows is passed in with it, so that a caller writes
//
//	rows, err := db.r.QueryContext(ctx, q)
//	return each(rows, err, func(sc *sql.Rows) error { … })
func each(rows *sql.Rows, err error, fn func(sc *sql.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// collect returns what scan makes of every row of rows, closing rows; see
// each.
func collect[T any](rows *sql.Rows, err error, scan func(sc *sql.Rows) (T, error)) ([]T, error) {
	var out []T
	err = each(rows, err, func(sc *sql.Rows) error {
		v, err := scan(sc)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanString scans a row of one text column.
func scanString(sc *sql.Rows) (string, error) {
	var s string
	err := sc.Scan(&s)
	return s, err
}

// ts converts a time to the dialect's storage form.
func (db *DB) ts(t time.Time) any {
	if db.dialect == SQLite {
		return t.UnixMicro()
	}
	return t.UTC()
}

// date converts a YYYY-MM-DD date ("" = NULL) to the dialect's form.
func (db *DB) date(s string) any {
	if s == "" {
		return nil
	}
	if db.dialect == Postgres {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t
		}
	}
	return s
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeCol scans a time stored in either dialect's form.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(x).UTC()
	case time.Time:
		*c.t = x.UTC()
	default:
		return fmt.Errorf("cannot scan %T as a time", v)
	}
	return nil
}

// dateCol scans a date (DATE on PostgreSQL, YYYY-MM-DD text on SQLite)
// into a YYYY-MM-DD string; NULL becomes "".
type dateCol struct{ s *string }

func (c dateCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = x
	case []byte:
		*c.s = string(x)
	case time.Time:
		*c.s = x.Format(time.DateOnly)
	default:
		return fmt.Errorf("cannot scan %T as a date", v)
	}
	return nil
}

// query1 scans the single row of a query into dest.
func query1(ctx context.Context, q txQuerier, query string, args []any, dest ...any) error {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return err
		}
		return sql.ErrNoRows
	}
	return rows.Scan(dest...)
}
