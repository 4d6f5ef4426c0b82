package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"clientele"
)

// Totals summarise a customer's transactions.
type Totals struct {
	Transactions int64
	Revenue      map[clientele.Currency]int64 // minor units per currency
	First, Last  time.Time
}

// View360 is everything the firm knows about one customer, on one screen.
type View360 struct {
	Customer     clientele.Customer
	Identities   []clientele.Identity
	Accounts     []clientele.Account
	Totals       Totals
	Transactions []clientele.Transaction // most recent first, with lines
	Events       []clientele.Event       // most recent first
	Score        *clientele.Score        // the latest score; nil if never scored
	ScoreRun     int64                   // the model run of Score
	Segments     []string                // the segments the customer is in, by name
}

// Customer360 returns the customer's profile, identities, accounts, totals,
// the n most recent transactions and events, latest score and segments.
func (db *DB) Customer360(ctx context.Context, id string, n int) (*View360, error) {
	c, err := db.Customer(ctx, id)
	if err != nil {
		return nil, err
	}
	v := &View360{Customer: *c}
	if v.Identities, err = db.identities(ctx, id); err != nil {
		return nil, err
	}
	if v.Accounts, err = db.Accounts(ctx, id); err != nil {
		return nil, err
	}
	if v.Transactions, v.Totals, err = db.recentWithTotals(ctx, id, n); err != nil {
		return nil, err
	}
	if v.Events, err = db.events(ctx, id, n); err != nil {
		return nil, err
	}
	sc, run, err := db.CustomerScore(ctx, id, 0)
	switch {
	case err == nil:
		v.Score, v.ScoreRun = sc, run
	case clientele.ErrorCode(err) != clientele.ENOTFOUND: // never scored: no score
		return nil, err
	}
	if v.Segments, err = db.CustomerSegments(ctx, id); err != nil {
		return nil, err
	}
	return v, nil
}

// recentWithTotals reads all of a customer's transactions once: it sums
// them and returns the n most recent, with their lines.
func (db *DB) recentWithTotals(ctx context.Context, id string, n int) ([]clientele.Transaction, Totals, error) {
	t := Totals{Revenue: map[clientele.Currency]int64{}}
	rows, err := db.query(ctx, txSelect+` WHERE customer_id = $1`, id)
	all, err := collect(rows, err, func(sc *sql.Rows) (clientele.Transaction, error) { return scanTransaction(sc, id) })
	if err != nil {
		return nil, t, fmt.Errorf("transactions of %s: %w", id, err)
	}
	for i := range all {
		tx := &all[i]
		t.Transactions++
		t.Revenue[tx.Currency] = clientele.SatAdd(t.Revenue[tx.Currency], tx.Amount)
		if t.First.IsZero() || tx.Time.Before(t.First) {
			t.First = tx.Time
		}
		if tx.Time.After(t.Last) {
			t.Last = tx.Time
		}
	}
	slices.SortFunc(all, newer)
	recent := all[:min(n, len(all))]
	if len(all) <= 2*len(recent) {
		// Most of the customer's transactions are on the page: one range
		// scan of the customer's lines beats a seek per transaction.
		return recent, t, db.attachAllLines(ctx, id, recent)
	}
	return recent, t, db.attachLines(ctx, id, recent)
}
