package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"clientele"
)

// PatchCustomer applies p to customer id's profile, creating the customer
// when there is none, and reports whether it was created. The patched
// profile must be valid; its new e-mail address and phone number are
// registered as identities (ECONFLICT when another customer holds them).
func (w *Writer) PatchCustomer(ctx context.Context, id string, p clientele.CustomerPatch) (created bool, err error) {
	c, err := scanCustomer(w.row(ctx, customerSelect+` WHERE id = $1`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		c, created = clientele.Customer{ID: id}, true
	case err != nil:
		return false, fmt.Errorf("customer %s: %w", id, err)
	}
	p.Apply(&c)
	if err := c.Validate(); err != nil {
		return false, err
	}
	_, err = w.Customers(ctx, []clientele.Customer{c})
	return created, err
}

// row runs a query of one row in w's transaction.
func (w *Writer) row(ctx context.Context, q string, args ...any) scanner {
	return rowScanner{ctx, w.q, q, args}
}

type rowScanner struct {
	ctx  context.Context
	q    txQuerier
	sql  string
	args []any
}

func (r rowScanner) Scan(dest ...any) error { return query1(r.ctx, r.q, r.sql, r.args, dest...) }

// IdentityOwner returns the customer holding identity (kind, value), or ""
// when nobody does, within w's transaction.
func (w *Writer) IdentityOwner(ctx context.Context, kind, value string) (string, error) {
	var id string
	err := query1(ctx, w.q, `SELECT customer_id FROM identities WHERE kind = $1 AND value = $2`, []any{kind, clientele.NormalizeIdentity(kind, value)}, &id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("identity %s/%s: %w", kind, value, err)
	}
	return id, nil
}

// MergedInto returns the customer that id was merged into ("" if it never
// was).
func (w *Writer) MergedInto(ctx context.Context, id string) (string, error) {
	var into string
	err := query1(ctx, w.q, `SELECT into_id FROM customer_merges WHERE from_id = $1`, []any{id}, &into)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return into, err
}

// FreshMessage records message id and reports whether it is new: false
// for a message already applied, which must then be skipped.
func (w *Writer) FreshMessage(ctx context.Context, id string) (bool, error) {
	n, _, err := w.q.insert(ctx, "message_ids", []string{"id", "received_at"}, [][]any{{id, w.db.ts(w.now)}}, "ON CONFLICT (id) DO NOTHING", "")
	if err != nil {
		return false, fmt.Errorf("message %s: %w", id, err)
	}
	return n == 1, nil
}

// Merge is one customer merged into another.
type Merge struct {
	From, Into, Reason string
	At                 time.Time
}

// MergeCustomers merges customer from into customer into (created from
// from's profile if it does not exist): its identities, accounts,
// transactions with their lines, events and segment history move to into
// (a transaction or event whose id into already has is a duplicate and
// is dropped), the blanks of into's profile are filled from from's, from's
// scores and segment memberships are dropped (they describe a history
// that no longer exists apart; the next scoring and refresh recompute
// into's), into's counters are made again from the merged history, and
// the merge is recorded with its reason. Merging a customer
// into itself, or one that does not exist, changes nothing.
func (w *Writer) MergeCustomers(ctx context.Context, from, into, reason string) error {
	if from == into {
		return nil
	}
	src, err := scanCustomer(w.row(ctx, customerSelect+` WHERE id = $1`, from))
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("merge customer %s: %w", from, err)
	}
	dst, err := scanCustomer(w.row(ctx, customerSelect+` WHERE id = $1`, into))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		// into must exist before from's identities and accounts move to
		// it; its profile, with from's e-mail and phone, is written after.
		dst = clientele.Customer{ID: into, CreatedAt: src.CreatedAt}
		if _, err := w.Customers(ctx, []clientele.Customer{dst}); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("merge into customer %s: %w", into, err)
	}
	fill := func(to *string, from string) {
		if *to == "" {
			*to = from
		}
	}
	fill(&dst.Name, src.Name)
	fill(&dst.Email, src.Email)
	fill(&dst.Phone, src.Phone)
	fill(&dst.BirthDate, src.BirthDate)
	fill(&dst.City, src.City)
	fill(&dst.HouseholdID, src.HouseholdID)
	for k, v := range src.Attributes {
		if _, ok := dst.Attributes[k]; !ok {
			if dst.Attributes == nil {
				dst.Attributes = map[string]any{}
			}
			dst.Attributes[k] = v
		}
	}
	if src.CreatedAt.Before(dst.CreatedAt) {
		dst.CreatedAt = src.CreatedAt
	}
	// The e-mail and phone identities are from's: move them before the
	// profile registers them for into.
	steps := []string{
		`UPDATE identities SET customer_id = $2 WHERE customer_id = $1`,
		`UPDATE accounts SET customer_id = $2 WHERE customer_id = $1`,
		`UPDATE transaction_lines SET customer_id = $2 WHERE customer_id = $1
			AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = $2 AND t.id = transaction_lines.transaction_id)`,
		`UPDATE transactions SET customer_id = $2 WHERE customer_id = $1
			AND NOT EXISTS (SELECT 1 FROM transactions t WHERE t.customer_id = $2 AND t.id = transactions.id)`,
		`DELETE FROM transaction_lines WHERE customer_id = $1`,
		`DELETE FROM transactions WHERE customer_id = $1`,
		`UPDATE events SET customer_id = $2 WHERE customer_id = $1
			AND NOT EXISTS (SELECT 1 FROM events e WHERE e.customer_id = $2 AND e.id = events.id)`,
		`DELETE FROM events WHERE customer_id = $1`,
		`UPDATE segment_history SET customer_id = $2 WHERE customer_id = $1`,
		`DELETE FROM segment_members WHERE customer_id = $1`,
		`DELETE FROM scores WHERE customer_id = $1`,
		`UPDATE customer_merges SET into_id = $2 WHERE into_id = $1`,
		// The engine's state: decisions, their messages and the responses
		// are into's history now; the counters are made again below.
		`UPDATE trigger_state SET customer_id = $2 WHERE customer_id = $1
			AND NOT EXISTS (SELECT 1 FROM trigger_state s WHERE s.customer_id = $2 AND s.trigger_id = trigger_state.trigger_id)`,
		`DELETE FROM trigger_state WHERE customer_id = $1`,
		`UPDATE decisions SET customer_id = $2 WHERE customer_id = $1`,
		`UPDATE outbox SET customer_id = $2 WHERE customer_id = $1`,
		`UPDATE offer_responses SET customer_id = $2 WHERE customer_id = $1`,
		`DELETE FROM counters WHERE customer_id = $1`,
		`DELETE FROM counter_days WHERE customer_id = $1`,
	}
	for _, q := range steps {
		args := []any{from, into}
		if !strings.Contains(q, "$2") {
			args = args[:1] // PostgreSQL wants exactly the parameters it names
		}
		if _, err := w.q.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("merge customer %s into %s: %w", from, into, err)
		}
	}
	if _, err := w.q.exec(ctx, `DELETE FROM customers WHERE id = $1`, from); err != nil {
		return fmt.Errorf("merge customer %s into %s: %w", from, into, err)
	}
	w.seen.remove(from)
	if _, err := w.Customers(ctx, []clientele.Customer{dst}); err != nil {
		return err
	}
	if _, err := w.RebuildCounters(ctx, []string{into}); err != nil {
		return fmt.Errorf("merge customer %s into %s: %w", from, into, err)
	}
	_, _, err = w.q.insert(ctx, "customer_merges", []string{"from_id", "into_id", "merged_at", "reason"},
		[][]any{{from, into, w.db.ts(w.now), reason}}, "ON CONFLICT (from_id) DO UPDATE SET into_id = excluded.into_id, merged_at = excluded.merged_at, reason = excluded.reason", "")
	if err != nil {
		return fmt.Errorf("record the merge of %s into %s: %w", from, into, err)
	}
	return nil
}

// Merges returns the customers merged into id, oldest first.
func (db *DB) Merges(ctx context.Context, id string) ([]Merge, error) {
	rows, err := db.query(ctx, `SELECT from_id, into_id, merged_at, reason FROM customer_merges WHERE into_id = $1 ORDER BY merged_at, from_id`, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (Merge, error) {
		var m Merge
		err := sc.Scan(&m.From, &m.Into, timeCol{&m.At}, &m.Reason)
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("merges into %s: %w", id, err)
	}
	return out, nil
}
