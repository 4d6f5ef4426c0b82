package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"clientele"
)

// BrandSpend is a customer's spend and margin on one brand of a category in
// one period.
type BrandSpend struct {
	CustomerID string
	Period     int64 // 0 for the first period
	Brand      string
	Owner      string
	Spend      int64 // minor units
	Margin     int64 // minor units, at the products' unit costs
}

// CategoryBrandSpend returns, for the periods of length period starting at
// start until end, every customer's spend on each brand of category.
func (db *DB) CategoryBrandSpend(ctx context.Context, category string, cur clientele.Currency, start, end time.Time, period time.Duration,
	fn func(BrandSpend) error) error {
	if period <= 0 {
		return clientele.Errorf(clientele.EINVALID, "the period must be positive")
	}
	periodExpr := "(t.time - $2) / $4"
	plen := any(period.Microseconds())
	if db.dialect == Postgres {
		periodExpr = "CAST(floor(extract(epoch FROM (t.time - $2)) / $4) AS BIGINT)"
		plen = period.Seconds()
	}
	rows, err := db.r.QueryContext(ctx, `SELECT l.customer_id, `+periodExpr+`, p.brand, coalesce(b.owner, ''),
			`+db.sumMinor("l.quantity * l.unit_price", "")+`, `+db.sumMinor("l.quantity * (l.unit_price - p.unit_cost)", "")+`
		FROM transaction_lines l
		JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
		JOIN products p ON p.sku = l.sku
		LEFT JOIN brands b ON b.name = p.brand
		WHERE p.category = $1 AND t.time >= $2 AND t.time < $3 AND t.currency = $5 AND p.brand <> ''
		GROUP BY l.customer_id, `+periodExpr+`, p.brand, b.owner
		ORDER BY l.customer_id`, category, db.ts(start), db.ts(end), plen, string(cur))
	if err != nil {
		return fmt.Errorf("category brand spend: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var s BrandSpend
		if err := sc.Scan(&s.CustomerID, &s.Period, &s.Brand, &s.Owner, minorCol{&s.Spend}, minorCol{&s.Margin}); err != nil {
			return fmt.Errorf("category brand spend: %w", err)
		}
		if err := fn(s); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return err
	}
	return nil
}

// CustomerValue is what a migration needs of a customer's score and
// spending.
type CustomerValue struct {
	DERT          float64
	ExpectedSpend int64 // minor units per transaction
	TotalSpend    int64 // all categories, in the window
}

// CustomerValues returns the score (run runID) and the total spend since
// start of every scored customer.
func (db *DB) CustomerValues(ctx context.Context, runID int64, cur clientele.Currency, start time.Time) (map[string]CustomerValue, error) {
	out := map[string]CustomerValue{}
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id, dert, expected_spend FROM scores WHERE run_id = $1`, runID)
	if err != nil {
		return nil, fmt.Errorf("customer values: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var id string
		var v CustomerValue
		if err := sc.Scan(&id, &v.DERT, &v.ExpectedSpend); err != nil {
			return err
		}
		out[id] = v
		return nil
	}); err != nil {
		return nil, err
	}
	rows, err = db.r.QueryContext(ctx, `SELECT customer_id, `+db.sumMinor("amount", "")+` FROM transactions
		WHERE time >= $1 AND currency = $2 GROUP BY customer_id`, db.ts(start), string(cur))
	if err != nil {
		return nil, fmt.Errorf("customer values: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var id string
		var total int64
		if err := sc.Scan(&id, minorCol{&total}); err != nil {
			return err
		}
		if v, ok := out[id]; ok {
			v.TotalSpend = total
			out[id] = v
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// BrandMarginRates returns the margin rate (margin ÷ spend, at the
// products' unit costs, as CategoryBrandSpend reckons them) of each of
// brands over every line sold in cur; a brand without sales is left out.
func (db *DB) BrandMarginRates(ctx context.Context, cur clientele.Currency, brands []string) (map[string]float64, error) {
	out := map[string]float64{}
	if len(brands) == 0 {
		return out, nil
	}
	in, args := "", []any{string(cur)}
	for i, b := range brands {
		if i > 0 {
			in += ","
		}
		args = append(args, b)
		in += "$" + strconv.Itoa(len(args))
	}
	rows, err := db.r.QueryContext(ctx, `SELECT p.brand, `+db.sumMinor("l.quantity * l.unit_price", "")+`, `+db.sumMinor("l.quantity * (l.unit_price - p.unit_cost)", "")+`
		FROM products p
		JOIN transaction_lines l ON l.sku = p.sku
		JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
		WHERE p.brand IN (`+in+`) AND t.currency = $1
		GROUP BY p.brand`, args...)
	if err := each(rows, err, func(sc *sql.Rows) error {
		var brand string
		var spend, margin int64
		if err := sc.Scan(&brand, minorCol{&spend}, minorCol{&margin}); err != nil {
			return err
		}
		if spend > 0 {
			out[brand] = float64(margin) / float64(spend)
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("brand margin rates: %w", err)
	}
	return out, nil
}
