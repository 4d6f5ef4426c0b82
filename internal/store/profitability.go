package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"clientele"
)

// ProductProfit is one product's own profit in a period beside the value of
// the customers who bought it.
type ProductProfit struct {
	SKU, Name, Category, Brand string
	Buyers                     int64
	Units                      int64
	Revenue                    int64 // minor units
	Margin                     int64 // Σ quantity × (unit price − unit cost)
	BuyersScored               int64
	BuyersMeanCLV              float64 // minor units, latest scores
}

// ProductProfits returns every product sold in [from, to) in cur, with its
// buyers' mean CLV under run runID (0: no scores).
func (db *DB) ProductProfits(ctx context.Context, from, to time.Time, cur clientele.Currency, runID int64) ([]ProductProfit, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT p.sku, p.name, p.category, p.brand,
			count(DISTINCT l.customer_id), `+db.sumMinor("l.quantity", "")+`, `+db.sumMinor("l.quantity * l.unit_price", "")+`,
			`+db.sumMinor("l.quantity * (l.unit_price - p.unit_cost)", "")+`
		FROM transaction_lines l
		JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
		JOIN products p ON p.sku = l.sku
		WHERE t.time >= $1 AND t.time < $2 AND t.currency = $3
		GROUP BY p.sku, p.name, p.category, p.brand`, db.ts(from), db.ts(to), string(cur))
	if err != nil {
		return nil, fmt.Errorf("product profits: %w", err)
	}
	var out []ProductProfit
	idx := map[string]int{}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var p ProductProfit
		if err := sc.Scan(&p.SKU, &p.Name, &p.Category, &p.Brand, &p.Buyers, minorCol{&p.Units}, minorCol{&p.Revenue}, minorCol{&p.Margin}); err != nil {
			return err
		}
		idx[p.SKU] = len(out)
		out = append(out, p)
		return nil
	}); err != nil {
		return nil, err
	}
	if runID == 0 {
		return out, nil
	}
	rows, err = db.r.QueryContext(ctx, `WITH buyers AS (
			SELECT DISTINCT l.sku, l.customer_id FROM transaction_lines l
			JOIN transactions t ON t.customer_id = l.customer_id AND t.id = l.transaction_id
			WHERE t.time >= $1 AND t.time < $2 AND t.currency = $3
		)
		SELECT b.sku, count(s.customer_id), CAST(coalesce(avg(s.clv), 0) AS DOUBLE PRECISION)
		FROM buyers b LEFT JOIN scores s ON s.customer_id = b.customer_id AND s.run_id = $4
		GROUP BY b.sku`, db.ts(from), db.ts(to), string(cur), runID)
	if err != nil {
		return nil, fmt.Errorf("buyers' CLV: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var sku string
		var n int64
		var mean float64
		if err := sc.Scan(&sku, &n, &mean); err != nil {
			return err
		}
		if i, ok := idx[sku]; ok {
			out[i].BuyersScored, out[i].BuyersMeanCLV = n, mean
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// CustomerProfit is one customer's profit in a period: the margin of the
// purchases minus the cost to serve.
type CustomerProfit struct {
	CustomerID  string
	Margin      int64 // Σ transaction margins (from the lines' product costs where not stored), minor units (returns included, negative)
	Unknown     int64 // transactions without a margin
	Returns     int64 // transactions with a negative amount
	Calls       int64
	Contacts    int64
	CostToServe int64 // minor units
	Profit      int64 // Margin − CostToServe
	CLV         int64 // latest score, minor units; 0 if not scored
	Scored      bool
}

// CustomerProfits returns the profit of every customer with a transaction
// or a contact in [from, to): calls are events of type callType, contacts
// events of the contactTypes; each costs callCost or contactCost (minor
// units).
func (db *DB) CustomerProfits(ctx context.Context, from, to time.Time, cur clientele.Currency, runID int64,
	callType string, contactTypes []string, callCost, contactCost int64) ([]CustomerProfit, error) {
	byID := map[string]*CustomerProfit{}
	get := func(id string) *CustomerProfit {
		p := byID[id]
		if p == nil {
			p = &CustomerProfit{CustomerID: id}
			byID[id] = p
		}
		return p
	}
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id, `+db.sumMinor("margin", "")+`, count(*) - count(margin),
			sum(CASE WHEN amount < 0 THEN 1 ELSE 0 END)
		FROM (SELECT t.customer_id, t.amount, `+db.marginExpr("t", "$3")+` AS margin
			FROM `+db.withLineCosts("t", "$3")+` WHERE t.time >= $1 AND t.time < $2 AND t.currency = $3) t
		GROUP BY customer_id`, db.ts(from), db.ts(to), string(cur))
	if err != nil {
		return nil, fmt.Errorf("customer profits: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var id string
		var m, unknown, returns int64
		if err := sc.Scan(&id, minorCol{&m}, &unknown, &returns); err != nil {
			return err
		}
		p := get(id)
		p.Margin, p.Unknown, p.Returns = m, unknown, returns
		return nil
	}); err != nil {
		return nil, err
	}
	args := []any{db.ts(from), db.ts(to), callType}
	ph := make([]string, len(contactTypes))
	for i, c := range contactTypes {
		args = append(args, c)
		ph[i] = fmt.Sprintf("$%d", i+4)
	}
	contactCond := "FALSE"
	if len(ph) > 0 {
		contactCond = "type IN (" + strings.Join(ph, ",") + ")"
	}
	rows, err = db.r.QueryContext(ctx, `SELECT customer_id, sum(CASE WHEN type = $3 THEN 1 ELSE 0 END),
			sum(CASE WHEN `+contactCond+` THEN 1 ELSE 0 END)
		FROM events WHERE time >= $1 AND time < $2 GROUP BY customer_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("cost to serve: %w", err)
	}
	if err := each(rows, nil, func(sc *sql.Rows) error {
		var id string
		var calls, contacts int64
		if err := sc.Scan(&id, &calls, &contacts); err != nil {
			return err
		}
		if calls+contacts > 0 {
			p := get(id)
			p.Calls, p.Contacts = calls, contacts
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if runID != 0 {
		rows, err = db.r.QueryContext(ctx, `SELECT customer_id, clv FROM scores WHERE run_id = $1`, runID)
		if err != nil {
			return nil, fmt.Errorf("customer profits: %w", err)
		}
		if err := each(rows, nil, func(sc *sql.Rows) error {
			var id string
			var clv int64
			if err := sc.Scan(&id, &clv); err != nil {
				return err
			}
			if p := byID[id]; p != nil {
				p.CLV, p.Scored = clv, true
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	out := make([]CustomerProfit, 0, len(byID))
	for _, p := range byID {
		p.CostToServe = clientele.SatAdd(clientele.SatMul(p.Calls, callCost), clientele.SatMul(p.Contacts, contactCost))
		p.Profit = clientele.SatAdd(p.Margin, -p.CostToServe) // costs are ≥ 0: the negation cannot overflow
		out = append(out, *p)
	}
	return out, nil
}
