package store

import (
	"context"
	"database/sql"
	"fmt"
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

// CustomerFeatures returns the features of every customer, in id order:
// revenue in cur, spend by category and brand since windowStart.
func (db *DB) CustomerFeatures(ctx context.Context, cur clientele.Currency, windowStart time.Time) ([]*Features, error) {
	var out []*Features
	byID := map[string]*Features{}
	rows, err := db.r.QueryContext(ctx, customerSelect+` ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	for rows.Next() {
		c, err := scanCustomer(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("features: %w", err)
		}
		f := &Features{Customer: c}
		out = append(out, f)
		byID[c.ID] = f
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	each := func(q string, args []any, scan func(*sql.Rows) error) error {
		rows, err := db.r.QueryContext(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("features: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return fmt.Errorf("features: %w", err)
			}
		}
		return rows.Err()
	}
	err = each(`SELECT customer_id, tier, parent_id IS NULL FROM accounts WHERE closed_on IS NULL`, nil, func(r *sql.Rows) error {
		var id, tier string
		var primary bool
		if err := r.Scan(&id, &tier, &primary); err != nil {
			return err
		}
		f := byID[id]
		if f == nil {
			return nil
		}
		if !primary {
			f.Supplementary++
			return nil
		}
		f.Cards++
		if f.Tier == "" || tierRank[tier] > tierRank[f.Tier] {
			f.Tier = tier
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT customer_id, p_alive, expected_purchases, expected_spend, clv FROM scores
		WHERE run_id = (SELECT max(run_id) FROM scores)`, nil, func(r *sql.Rows) error {
		var id string
		var s Features
		if err := r.Scan(&id, &s.ProbAlive, &s.ExpectedPurchases, &s.ExpectedSpend, &s.CLV); err != nil {
			return err
		}
		if f := byID[id]; f != nil {
			f.Scored, f.ProbAlive, f.ExpectedPurchases, f.ExpectedSpend, f.CLV = true, s.ProbAlive, s.ExpectedPurchases, s.ExpectedSpend, s.CLV
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT customer_id, count(*), sum(CASE WHEN currency = $1 THEN amount ELSE 0 END), max(time)
		FROM transactions GROUP BY customer_id`, []any{string(cur)}, func(r *sql.Rows) error {
		var id string
		var n, rev int64
		var last time.Time
		if err := r.Scan(&id, &n, &rev, timeCol{&last}); err != nil {
			return err
		}
		if f := byID[id]; f != nil {
			f.Transactions, f.Revenue, f.Last = n, rev, last
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = each(`SELECT l.customer_id, p.category, p.brand, sum(l.quantity * l.unit_price)
		FROM transaction_lines l
		JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
		JOIN products p ON p.sku = l.sku
		WHERE t.time >= $1 AND t.currency = $2
		GROUP BY l.customer_id, p.category, p.brand`, []any{db.ts(windowStart), string(cur)}, func(r *sql.Rows) error {
		var id, cat, brand string
		var spend int64
		if err := r.Scan(&id, &cat, &brand, &spend); err != nil {
			return err
		}
		f := byID[id]
		if f == nil {
			return nil
		}
		if f.SpendByCategory == nil {
			f.SpendByCategory, f.SpendByBrand = map[string]int64{}, map[string]int64{}
		}
		if cat != "" {
			f.SpendByCategory[cat] += spend
		}
		if brand != "" {
			f.SpendByBrand[brand] += spend
		}
		return nil
	})
	return out, err
}
