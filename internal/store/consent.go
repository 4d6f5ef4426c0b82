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
	if err := c.Validate(); err != nil {
		return err
	}
	var n int
	if err := query1(ctx, w.q, `SELECT count(*) FROM customers WHERE id = $1`, []any{c.CustomerID}, &n); err != nil {
		return err
	}
	if n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "customer %q not found", clientele.Excerpt(c.CustomerID))
	}
	at := w.db.ts(c.At)
	if _, err := w.q.exec(ctx, `INSERT INTO consent_history (customer_id, purpose, status, source, at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)`,
		c.CustomerID, c.Purpose, c.Status, c.Source, at, c.RecordedBy); err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	_, err := w.q.exec(ctx, `INSERT INTO consents (customer_id, purpose, status, source, at, recorded_by) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (customer_id, purpose) DO UPDATE SET status = excluded.status, source = excluded.source, at = excluded.at, recorded_by = excluded.recorded_by
		WHERE excluded.at >= consents.at`, c.CustomerID, c.Purpose, c.Status, c.Source, at, c.RecordedBy)
	if err != nil {
		return fmt.Errorf("consent: %w", err)
	}
	return nil
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
