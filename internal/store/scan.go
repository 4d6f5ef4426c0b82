package store

import (
	"context"
	"database/sql"
	"fmt"
	"math"
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
	return loop(rows, func() { rows.Close() }, fn)
}

// eachRow is each for the rows of a transaction's querier (rowIter, which
// may be pgx's as well as database/sql's).
func eachRow(rows rowIter, err error, fn func(r rowIter) error) error {
	if err != nil {
		return err
	}
	return loop(rows, rows.Close, fn)
}

// loop is the loop of each and eachRow.
func loop[R interface {
	Next() bool
	Err() error
}](rows R, close func(), fn func(R) error) error {
	defer close()
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

// sumMinor is the SQL of a sum of minor units that cannot overflow: in
// floating point (SQLite's total, PostgreSQL's numeric sum as double
// precision, 0 over no rows), so exact up to 2^53 minor units (90 trillion in a currency
// with cents) and rounded beyond; scan it with minorCol, which saturates at
// the int64 bounds. filter, when not empty, is a PostgreSQL FILTER clause
// (SQLite queries filter with CASE instead).
func (db *DB) sumMinor(x, filter string) string {
	if db.dialect == SQLite {
		return "total(" + x + ")"
	}
	if filter != "" {
		filter = " " + filter
	}
	// coalesce: like total, 0 over no rows, so that the sum orders as a number.
	return "CAST(coalesce(sum(" + x + ")" + filter + ", 0) AS DOUBLE PRECISION)"
}

// minorCol scans a sumMinor into an int64 of minor units, saturating at
// the int64 bounds; NULL (no rows) is 0.
type minorCol struct{ v *int64 }

func (c minorCol) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*c.v = 0
	case int64:
		*c.v = x
	case float64:
		switch {
		case x >= math.MaxInt64: // the float nearest MaxInt64 is 2^63
			*c.v = math.MaxInt64
		case x <= math.MinInt64:
			*c.v = math.MinInt64
		case x != x:
			return fmt.Errorf("a sum of amounts is NaN")
		default:
			*c.v = int64(math.Round(x))
		}
	default:
		return fmt.Errorf("cannot scan %T as a sum of minor units", src)
	}
	return nil
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
