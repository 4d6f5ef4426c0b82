package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"clientele"
)

// SetConsent records a customer's consent for a purpose: the current
// state, and a line of its history. A statement older than the one
// recorded goes into the history only (an import of old forms does not
// undo a later withdrawal). The customer must exist.
func (w *Writer) SetConsent(ctx context.Context, c clientele.Consent) error {
	_, err := w.Consents(ctx, []clientele.Consent{c})
	return err
}

// Consents records cs as SetConsent records each in turn, a few
// statements for the whole batch: every statement goes into the history,
// and of several for one customer and purpose the latest (the last of
// those at one time) is the state, unless the one recorded is later. Every
// customer must exist; otherwise nothing is written and the error names
// the first missing.
func (w *Writer) Consents(ctx context.Context, cs []clientele.Consent) (Result, error) {
	if len(cs) == 0 {
		return Result{}, nil
	}
	ids := make([]string, 0, len(cs))
	seen := map[string]bool{}
	for i := range cs {
		if err := cs[i].Validate(); err != nil {
			return Result{}, err
		}
		if id := cs[i].CustomerID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	found := make(map[string]bool, len(ids))
	err := w.inQuery(ctx, ids, func(in, _ string) string { return `SELECT id FROM customers WHERE id IN (` + in + `)` }, nil, func(r rowIter) error {
		var id string
		if err := r.Scan(&id); err != nil {
			return err
		}
		found[id] = true
		return nil
	})
	if err != nil {
		return Result{}, fmt.Errorf("consent: %w", err)
	}
	for _, id := range ids {
		if !found[id] {
			return Result{}, clientele.Errorf(clientele.ENOTFOUND, "customer %q not found", clientele.Excerpt(id))
		}
	}
	type key struct{ customer, purpose string }
	latest := map[key]int{}
	var order []key
	history := make([][]any, len(cs))
	for i := range cs {
		c := &cs[i]
		history[i] = []any{c.CustomerID, c.Purpose, c.Status, c.Source, w.db.ts(c.At), c.RecordedBy}
		k := key{c.CustomerID, c.Purpose}
		j, ok := latest[k]
		if !ok {
			order = append(order, k)
		}
		if !ok || !c.At.Before(cs[j].At) {
			latest[k] = i
		}
	}
	if _, _, err := w.q.insert(ctx, "consent_history", []string{"customer_id", "purpose", "status", "source", "at", "recorded_by"}, history, "", ""); err != nil {
		return Result{}, fmt.Errorf("consent: %w", err)
	}
	// One row a key: an upsert may not change a row twice.
	state := make([][]any, len(order))
	for i, k := range order {
		state[i] = history[latest[k]]
	}
	if _, _, err := w.q.insert(ctx, "consents", []string{"customer_id", "purpose", "status", "source", "at", "recorded_by"}, state,
		`ON CONFLICT (customer_id, purpose) DO UPDATE SET status = excluded.status, source = excluded.source, at = excluded.at, recorded_by = excluded.recorded_by
		WHERE excluded.at >= consents.at`, ""); err != nil {
		return Result{}, fmt.Errorf("consent: %w", err)
	}
	return Result{Written: int64(len(cs))}, nil
}

const consentCols = `customer_id, purpose, status, source, at, recorded_by`

func scanConsent(sc scanner) (clientele.Consent, error) {
	var c clientele.Consent
	err := sc.Scan(&c.CustomerID, &c.Purpose, &c.Status, &c.Source, timeCol{&c.At}, &c.RecordedBy)
	return c, err
}

// Consents returns customer id's current consent, by purpose; a purpose
// never stated is absent.
func (db *DB) Consents(ctx context.Context, id string) ([]clientele.Consent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+consentCols+` FROM consents WHERE customer_id = $1 ORDER BY purpose`, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Consent, error) { return scanConsent(sc) })
	if err != nil {
		return nil, fmt.Errorf("consents of %s: %w", id, err)
	}
	return out, nil
}

// ConsentHistory returns every consent statement of customer id, oldest
// first.
func (db *DB) ConsentHistory(ctx context.Context, id string) ([]clientele.Consent, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+consentCols+` FROM consent_history WHERE customer_id = $1 ORDER BY at, purpose`, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Consent, error) { return scanConsent(sc) })
	if err != nil {
		return nil, fmt.Errorf("consent history of %s: %w", id, err)
	}
	return out, nil
}

// MayContact is the question every sender asks before it contacts a
// customer or uses its data for a purpose: true only when the customer's
// current consent for the purpose is granted. A purpose never stated is
// not granted (opt-in). The consent it returns says why (zero when none
// was stated).
func (db *DB) MayContact(ctx context.Context, id, purpose string) (bool, clientele.Consent, error) {
	c, err := scanConsent(db.queryRow(ctx, `SELECT `+consentCols+` FROM consents WHERE customer_id = $1 AND purpose = $2`, id, purpose))
	if errors.Is(err, sql.ErrNoRows) {
		return false, clientele.Consent{CustomerID: id, Purpose: purpose}, nil
	}
	if err != nil {
		return false, c, fmt.Errorf("consent of %s for %s: %w", id, purpose, err)
	}
	return c.Status == clientele.ConsentGranted, c, nil
}
