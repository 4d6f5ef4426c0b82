package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"clientele"
)

// What segments kept up to date fact by fact need from the store (package
// segment holds the rest): the features of a few customers read in the
// writer's transaction, their memberships, the changes with the fact that
// caused them, and the basis of the last full computation.

// Features returns the features of customers as CustomerFeatures does for
// every customer — the same columns and sums, as of end, spend in
// [windowStart, end) — read in w's transaction, so that they include what
// w has written. Customers not stored are left out.
func (w *Writer) Features(ctx context.Context, cur clientele.Currency, windowStart, end time.Time, customers []string) (map[string]*Features, error) {
	out := make(map[string]*Features, len(customers))
	err := w.inQuery(ctx, customers, func(in, _ string) string {
		return `SELECT id, name, birth_date, city, household_id, attributes, created_at FROM customers WHERE id IN (` + in + `)`
	}, nil, func(r rowIter) error {
		f := &Features{}
		c := &f.Customer
		var attrs []byte
		if err := r.Scan(&c.ID, &c.Name, dateCol{&c.BirthDate}, &c.City, &c.HouseholdID, &attrs, timeCol{&c.CreatedAt}); err != nil {
			return err
		}
		if len(attrs) > 0 && string(attrs) != "{}" {
			if err := json.Unmarshal(attrs, &c.Attributes); err != nil {
				return fmt.Errorf("customer %s: attributes: %w", c.ID, err)
			}
		}
		out[c.ID] = f
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("features: %w", err)
	}
	ids := make([]string, 0, len(out))
	for _, id := range customers {
		if out[id] != nil {
			ids = append(ids, id)
		}
	}
	type query struct {
		sql   func(in, next string) string
		extra []any
		scan  func(rowIter) error
	}
	queries := []query{
		{func(in, _ string) string {
			return `SELECT customer_id, tier, parent_id IS NULL FROM accounts WHERE closed_on IS NULL AND customer_id IN (` + in + `)`
		}, nil, func(r rowIter) error { return scanAccount(r, out) }},
		{func(in, _ string) string {
			return `SELECT customer_id, p_alive, expected_purchases, expected_spend, clv FROM scores
				WHERE run_id = (SELECT max(run_id) FROM scores) AND customer_id IN (` + in + `)`
		}, nil, func(r rowIter) error { return scanScore(r, out) }},
		{func(in, next string) string {
			n, _ := strconv.Atoi(next)
			return `SELECT customer_id, count(*), ` + w.db.sumMinor("CASE WHEN currency = $"+next+" THEN amount ELSE 0 END", "") +
				`, max(time) FROM transactions WHERE customer_id IN (` + in + `) AND time < $` + strconv.Itoa(n+1) + ` GROUP BY customer_id`
		}, []any{string(cur), w.db.ts(end)}, func(r rowIter) error { return scanActivity(r, out) }},
		// Spend by SKU, as CustomerFeatures adds it up, with the SKU's
		// category and brand as the catalogue has them now.
		{func(in, next string) string {
			n, _ := strconv.Atoi(next)
			return `SELECT l.customer_id, coalesce(p.category, ''), coalesce(p.brand, ''), ` + w.db.sumMinor("l.quantity * l.unit_price", "") + `
				FROM transactions t JOIN transaction_lines l ON l.customer_id = t.customer_id AND l.transaction_id = t.id
				LEFT JOIN products p ON p.sku = l.sku
				WHERE t.customer_id IN (` + in + `) AND t.time >= $` + next + ` AND t.time < $` + strconv.Itoa(n+1) + ` AND t.currency = $` + strconv.Itoa(n+2) + `
				GROUP BY l.customer_id, l.sku, p.category, p.brand`
		}, []any{w.db.ts(windowStart), w.db.ts(end), string(cur)}, func(r rowIter) error {
			var id, category, brand string
			var spend int64
			if err := r.Scan(&id, &category, &brand, minorCol{&spend}); err != nil {
				return err
			}
			f := out[id]
			if f == nil || (category == "" && brand == "") {
				return nil
			}
			if f.SpendByCategory == nil {
				f.SpendByCategory, f.SpendByBrand = map[string]int64{}, map[string]int64{}
			}
			if category != "" {
				f.SpendByCategory[category] = clientele.SatAdd(f.SpendByCategory[category], spend)
			}
			if brand != "" {
				f.SpendByBrand[brand] = clientele.SatAdd(f.SpendByBrand[brand], spend)
			}
			return nil
		}},
	}
	for _, q := range queries {
		if err := w.inQuery(ctx, ids, q.sql, q.extra, q.scan); err != nil {
			return nil, fmt.Errorf("features: %w", err)
		}
	}
	return out, nil
}

// Segments lists the segments, by id, in w's transaction (without their
// member counts or owners).
func (w *Writer) Segments(ctx context.Context) ([]clientele.Segment, error) {
	rows, err := w.q.query(ctx, `SELECT id, name, definition, updated_at, computed_at FROM segments ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("segments: %w", err)
	}
	defer rows.Close()
	var out []clientele.Segment
	for rows.Next() {
		var s clientele.Segment
		if err := rows.Scan(&s.ID, &s.Name, &s.Definition, timeCol{&s.UpdatedAt}, timeCol{&s.ComputedAt}); err != nil {
			return nil, fmt.Errorf("segments: %w", err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Memberships returns the ids of the segments each of customers is a
// member of.
func (w *Writer) Memberships(ctx context.Context, customers []string) (map[string]map[int64]bool, error) {
	out := map[string]map[int64]bool{}
	err := w.inQuery(ctx, customers, func(in, _ string) string {
		return `SELECT customer_id, segment_id FROM segment_members WHERE customer_id IN (` + in + `)`
	}, nil, func(r rowIter) error {
		var c string
		var id int64
		if err := r.Scan(&c, &id); err != nil {
			return err
		}
		if out[c] == nil {
			out[c] = map[int64]bool{}
		}
		out[c][id] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("segment members: %w", err)
	}
	return out, nil
}

// Change names what made a customer's segments worth evaluating again: a
// fact ("transaction:ID"), or a profile ("customer:ID") or an account
// ("account:ID") just stored, and when.
type Change struct {
	CustomerID string
	Fact       string
	At         time.Time
}

// ProfileWatcher is an Engine that also sees the customers whose profile
// or accounts a writer has just stored, in the same transaction.
type ProfileWatcher interface {
	Profiles(ctx context.Context, w *Writer, changes []Change) error
}

// profilesStored hands changes to the engine, when it watches profiles.
func (w *Writer) profilesStored(ctx context.Context, changes []Change) error {
	if len(changes) == 0 || w.quiet {
		return nil
	}
	if pw, ok := w.db.Engine().(ProfileWatcher); ok {
		return pw.Profiles(ctx, w, changes)
	}
	return nil
}

// LiveChange is a customer joining or leaving a segment because of a fact.
type LiveChange struct {
	SegmentID  int64
	CustomerID string
	Joined     bool
	Reason     string // the definition that decided it
	Fact       string // "transaction:ID", the fact that changed it
	At         time.Time
}

// ApplyLive records changes in w's transaction, with their history.
func (w *Writer) ApplyLive(ctx context.Context, changes []LiveChange) error {
	var joins, history [][]any
	for _, c := range changes {
		change := "left"
		if c.Joined {
			change = "joined"
			joins = append(joins, []any{c.SegmentID, c.CustomerID, w.db.ts(c.At)})
		} else if _, err := w.q.exec(ctx, `DELETE FROM segment_members WHERE segment_id = $1 AND customer_id = $2`, c.SegmentID, c.CustomerID); err != nil {
			return fmt.Errorf("segment members: %w", err)
		}
		history = append(history, []any{c.SegmentID, c.CustomerID, w.db.ts(c.At), change, c.Reason, c.Fact})
	}
	if len(joins) > 0 {
		if _, _, err := w.q.insert(ctx, "segment_members", []string{"segment_id", "customer_id", "joined_at"}, joins,
			"ON CONFLICT (segment_id, customer_id) DO NOTHING", ""); err != nil {
			return fmt.Errorf("segment members: %w", err)
		}
	}
	if len(history) > 0 {
		if _, _, err := w.q.insert(ctx, "segment_history", []string{"segment_id", "customer_id", "at", "change", "reason", "fact"}, history, "", ""); err != nil {
			return fmt.Errorf("segment history: %w", err)
		}
	}
	return nil
}

const segmentBasisKey = "segment_basis"

// SegmentBasis returns what the last full computation of the segments
// recorded for those kept up to date fact by fact (package segment's
// Basis, as JSON), or nil before the first.
func (w *Writer) SegmentBasis(ctx context.Context) ([]byte, error) {
	rows, err := w.q.query(ctx, `SELECT value FROM engine_settings WHERE key = $1`, segmentBasisKey)
	if err != nil {
		return nil, fmt.Errorf("segment basis: %w", err)
	}
	defer rows.Close()
	var v []byte
	if rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, fmt.Errorf("segment basis: %w", err)
		}
		v = []byte(s)
	}
	return v, rows.Err()
}

// SegmentBasis is Writer.SegmentBasis outside a transaction.
func (db *DB) SegmentBasis(ctx context.Context) ([]byte, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM engine_settings WHERE key = $1`, segmentBasisKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("segment basis: %w", err)
	}
	return []byte(v), nil
}

// SetSegmentBasis records the basis of a full computation.
func (db *DB) SetSegmentBasis(ctx context.Context, basis []byte) error {
	_, err := db.w.ExecContext(ctx, `INSERT INTO engine_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
		segmentBasisKey, string(basis))
	if err != nil {
		return fmt.Errorf("segment basis: %w", err)
	}
	return nil
}
