package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"clientele"
)

// Features are what segment definitions can say about a customer.
type Features struct {
	Customer clientele.Customer
	// Tier is the highest tier of the customer's open primary accounts
	// (platinum > gold > silver > classic > any other), "" without one.
	Tier          string
	Cards         int64 // open primary card accounts
	Supplementary int64 // open supplementary cards
	// From the latest model run that scored the customer.
	Scored            bool
	ProbAlive         float64
	ExpectedPurchases float64
	ExpectedSpend     int64 // minor units
	CLV               int64 // minor units
	Transactions      int64
	Revenue           int64     // minor units of the currency asked for
	Last              time.Time // last transaction; zero without one
	// Spend in the window, minor units, by product category and brand.
	SpendByCategory map[string]int64
	SpendByBrand    map[string]int64
}

var tierRank = map[string]int{"platinum": 4, "gold": 3, "silver": 2, "classic": 1}

// addAccount counts an open account of the customer: a supplementary
// card, or a primary one whose tier may be the highest.
func (f *Features) addAccount(tier string, primary bool) {
	if !primary {
		f.Supplementary++
		return
	}
	f.Cards++
	if f.Tier == "" || tierRank[tier] > tierRank[f.Tier] {
		f.Tier = tier
	}
}

// The scans of the features' queries, shared by CustomerFeatures and
// Writer.Features: each sets its fields of the customer the row names in
// byID (a customer not there is passed by).

// scanAccount reads customer_id, tier and whether the account is primary.
func scanAccount(r scanner, byID map[string]*Features) error {
	var id, tier string
	var primary bool
	if err := r.Scan(&id, &tier, &primary); err != nil {
		return err
	}
	if f := byID[id]; f != nil {
		f.addAccount(tier, primary)
	}
	return nil
}

// scanScore reads customer_id, p_alive, expected_purchases, expected_spend
// and clv of the latest run.
func scanScore(r scanner, byID map[string]*Features) error {
	var id string
	var s Features
	if err := r.Scan(&id, &s.ProbAlive, &s.ExpectedPurchases, &s.ExpectedSpend, &s.CLV); err != nil {
		return err
	}
	if f := byID[id]; f != nil {
		f.Scored, f.ProbAlive, f.ExpectedPurchases, f.ExpectedSpend, f.CLV = true, s.ProbAlive, s.ExpectedPurchases, s.ExpectedSpend, s.CLV
	}
	return nil
}

// scanActivity reads customer_id, the count of transactions, the revenue
// and the last time.
func scanActivity(r scanner, byID map[string]*Features) error {
	var id string
	var n, rev int64
	var last time.Time
	if err := r.Scan(&id, &n, minorCol{&rev}, timeCol{&last}); err != nil {
		return err
	}
	if f := byID[id]; f != nil {
		f.Transactions, f.Revenue, f.Last = n, rev, last
	}
	return nil
}

// CustomerFeatures returns the features of every customer, in id order, as
// of end: transactions, revenue in cur and the last purchase before end;
// spend by category and brand in [windowStart, end). The queries after the
// customers' run side by side.
func (db *DB) CustomerFeatures(ctx context.Context, cur clientele.Currency, windowStart, end time.Time) ([]*Features, error) {
	// The spend by category and brand is the longest query: it starts
	// first, beside the customers'.
	var spend map[string]spendMaps
	var spendErr error
	var spendDone sync.WaitGroup
	defer spendDone.Wait()
	ctx, cancel := context.WithCancel(ctx) // on an early return, stops the query (before the wait above)
	defer cancel()
	spendDone.Go(func() { spend, spendErr = db.spendByCategoryAndBrand(ctx, cur, windowStart, end) })

	// The profile columns segments use (not e-mail or phone), into features
	// allocated a block at a time: a million small allocations cost more
	// than the scan.
	var out []*Features
	var block []Features
	rows, err := db.r.QueryContext(ctx, `SELECT id, name, birth_date, city, household_id, attributes, created_at FROM customers ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		if len(block) == cap(block) {
			block = make([]Features, 0, 4096)
		}
		block = block[:len(block)+1]
		f := &block[len(block)-1]
		c := &f.Customer
		var attrs []byte
		if err := sc.Scan(&c.ID, &c.Name, dateCol{&c.BirthDate}, &c.City, &c.HouseholdID, &attrs, timeCol{&c.CreatedAt}); err != nil {
			return fmt.Errorf("features: %w", err)
		}
		if len(attrs) > 0 && string(attrs) != "{}" {
			if err := json.Unmarshal(attrs, &c.Attributes); err != nil {
				return fmt.Errorf("features: customer %s: attributes: %w", c.ID, err)
			}
		}
		out = append(out, f)
		return nil
	}); err != nil {
		return nil, err
	}
	byID := make(map[string]*Features, len(out))
	for _, f := range out {
		byID[f.Customer.ID] = f
	}
	query := func(q string, args []any, scan func(*sql.Rows) error) error {
		rows, err := db.r.QueryContext(ctx, q, args...)
		if err := each(rows, err, scan); err != nil {
			return fmt.Errorf("features: %w", err)
		}
		return nil
	}
	// Each query sets its own fields of the customers' features; byID is
	// only read.
	queries := []func() error{
		func() error {
			return query(`SELECT customer_id, tier, parent_id IS NULL FROM accounts WHERE closed_on IS NULL`, nil, func(r *sql.Rows) error { return scanAccount(r, byID) })
		},
		func() error {
			return query(`SELECT customer_id, p_alive, expected_purchases, expected_spend, clv FROM scores
				WHERE run_id = (SELECT max(run_id) FROM scores)`, nil, func(r *sql.Rows) error { return scanScore(r, byID) })
		},
		func() error {
			return query(`SELECT customer_id, count(*), `+db.sumMinor("CASE WHEN currency = $1 THEN amount ELSE 0 END", "")+`, max(time)
				FROM transactions WHERE time < $2 GROUP BY customer_id`, []any{string(cur), db.ts(end)}, func(r *sql.Rows) error { return scanActivity(r, byID) })
		},
	}
	errs := make([]error, len(queries))
	var wg sync.WaitGroup
	for i, q := range queries {
		wg.Go(func() { errs[i] = q() })
	}
	wg.Wait()
	spendDone.Wait()
	if err := errors.Join(append(errs, spendErr)...); err != nil {
		return nil, err
	}
	for id, m := range spend {
		if f := byID[id]; f != nil {
			f.SpendByCategory, f.SpendByBrand = m.category, m.brand
		}
	}
	return out, nil
}

// spendMaps are one customer's spend by category and by brand.
type spendMaps struct{ category, brand map[string]int64 }

// spendByCategoryAndBrand adds up each customer's spend in [start, end) by
// the category and brand of the products bought.
func (db *DB) spendByCategoryAndBrand(ctx context.Context, cur clientele.Currency, start, end time.Time) (map[string]spendMaps, error) {
	byID := map[string]spendMaps{}
	type catBrand struct{ category, brand string }
	products := map[string]catBrand{}
	rows, err := db.r.QueryContext(ctx, `SELECT sku, category, brand FROM products`)
	if err != nil {
		return nil, fmt.Errorf("features: products: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var sku string
		var p catBrand
		if err := sc.Scan(&sku, &p.category, &p.brand); err != nil {
			return fmt.Errorf("features: products: %w", err)
		}
		products[sku] = p
		return nil
	}); err != nil {
		return nil, err
	}
	add := func(id string, p catBrand, spend int64) {
		if p.category == "" && p.brand == "" {
			return
		}
		m, ok := byID[id]
		if !ok {
			m = spendMaps{map[string]int64{}, map[string]int64{}}
			byID[id] = m
		}
		if p.category != "" {
			m.category[p.category] = clientele.SatAdd(m.category[p.category], spend)
		}
		if p.brand != "" {
			m.brand[p.brand] = clientele.SatAdd(m.brand[p.brand], spend)
		}
	}
	args := []any{db.ts(start), db.ts(end), string(cur)}
	if db.dialect == Postgres {
		rows, err := db.r.QueryContext(ctx, `SELECT l.customer_id, l.sku, `+db.sumMinor("l.quantity * l.unit_price", "")+`
			FROM transaction_lines l
			JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
			WHERE t.time >= $1 AND t.time < $2 AND t.currency = $3
			GROUP BY l.customer_id, l.sku`, args...)
		if err != nil {
			return nil, fmt.Errorf("features: spend: %w", err)
		}
		if err := each(rows, nil, func(sc *sql.Rows) error {
			var id, sku string
			var spend int64
			if err := sc.Scan(&id, &sku, minorCol{&spend}); err != nil {
				return fmt.Errorf("features: spend: %w", err)
			}
			add(id, products[sku], spend)
			return nil
		}); err != nil {
			return nil, err
		}
		return byID, nil
	}
	// SQLite sorts a GROUP BY that is not a prefix of the scan order, which
	// costs three times the scan itself over millions of lines. Grouped by
	// customer alone, in the transactions' key order, nothing is sorted:
	// each customer's lines come as one string, "sku␞amount␟sku␞amount…"
	// (SKUs hold no control characters), added up here.
	rows, err = db.r.QueryContext(ctx, `SELECT t.customer_id, group_concat(l.sku || char(30) || (l.quantity * l.unit_price), char(31))
		FROM transactions t CROSS JOIN transaction_lines l ON l.customer_id = t.customer_id AND l.transaction_id = t.id
		WHERE t.time >= $1 AND t.time < $2 AND t.currency = $3
		GROUP BY t.customer_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("features: spend: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var id string
		var lines sql.RawBytes
		if err := sc.Scan(&id, &lines); err != nil {
			return fmt.Errorf("features: spend: %w", err)
		}
		for item := range bytes.SplitSeq(lines, []byte{31}) {
			sku, amount, ok := bytes.Cut(item, []byte{30})
			v, err := strconv.ParseInt(string(amount), 10, 64)
			if !ok || err != nil {
				return fmt.Errorf("features: spend of customer %s: bad item %q", id, item)
			}
			add(id, products[string(sku)], v)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return byID, nil
}
