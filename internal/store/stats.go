package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"clientele"
)

// Stats summarise the whole database.
type Stats struct {
	Customers    int64
	Transactions int64
	Events       int64
	Revenue      map[clientele.Currency]int64 // minor units per currency
	First, Last  time.Time                    // zero when there are no transactions
}

// LastTransaction returns the time of the latest transaction, zero when
// there is none.
func (db *DB) LastTransaction(ctx context.Context) (time.Time, error) {
	var t time.Time
	if err := db.r.QueryRowContext(ctx, `SELECT max(time) FROM transactions`).Scan(timeCol{&t}); err != nil {
		return t, fmt.Errorf("last transaction: %w", err)
	}
	return t, nil
}

// Stats counts customers, transactions and events and sums revenue.
func (db *DB) Stats(ctx context.Context) (Stats, error) {
	s := Stats{Revenue: map[clientele.Currency]int64{}}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM customers`).Scan(&s.Customers); err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM events`).Scan(&s.Events); err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT currency, count(*), `+db.sumMinor("amount", "")+`, min(time), max(time) FROM transactions GROUP BY currency`)
	if err != nil {
		return s, fmt.Errorf("stats: %w", err)
	}
	err = each(rows, nil, func(sc *sql.Rows) error {
		var cur string
		var n, sum int64
		var first, last time.Time
		if err := sc.Scan(&cur, &n, minorCol{&sum}, timeCol{&first}, timeCol{&last}); err != nil {
			return fmt.Errorf("stats: %w", err)
		}
		s.Transactions += n
		s.Revenue[clientele.Currency(cur)] = sum
		if s.First.IsZero() || first.Before(s.First) {
			s.First = first
		}
		if last.After(s.Last) {
			s.Last = last
		}
		return nil
	})
	return s, err
}

// analyzeAfter is how many rows a load writes before Analyzed refreshes
// the planner's statistics.
const analyzeAfter = 10000

// loadedTables are the tables a file import writes into.
var loadedTables = []string{"customers", "identities", "accounts", "products", "brands", "transactions", "transaction_lines",
	"events", "consents", "counters", "counter_days"}

// Analyzed refreshes the PostgreSQL planner's statistics of tables (those
// an import writes when none are named) after a load of rows rows (or of
// the rows of that many customers), when it is large. Without them, a table just loaded looks empty or unknown
// to the planner: on a million customers, a look-up of one customer's
// counters then went through a parallel bitmap scan and JIT compilation,
// 50–65 ms instead of a fraction of one, until autovacuum — off on some
// servers — analysed it. SQLite's planner goes by the keys and needs
// nothing.
func (db *DB) Analyzed(ctx context.Context, rows int64, tables ...string) error {
	if db.dialect != Postgres || rows < analyzeAfter {
		return nil
	}
	if len(tables) == 0 {
		tables = loadedTables
	}
	// The names are this package's, never a caller's text.
	if _, err := db.w.ExecContext(ctx, "ANALYZE "+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("analyze %s: %w", strings.Join(tables, ", "), err)
	}
	return nil
}
