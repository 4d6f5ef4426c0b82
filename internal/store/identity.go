package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"clientele"
)

// Identities registers ids. An identity that already belongs to a customer
// keeps that customer (the first registration wins); the result counts it as
// a duplicate. The identities' customers must exist.
func (w *Writer) Identities(ctx context.Context, ids []clientele.Identity) (Result, error) {
	if len(ids) == 0 {
		return Result{}, nil
	}
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id.Kind, id.Value, id.CustomerID, w.db.ts(w.now)}
	}
	n, _, err := w.q.insert(ctx, "identities", []string{"kind", "value", "customer_id", "created_at"}, rows, "ON CONFLICT (kind, value) DO NOTHING", "")
	if err != nil {
		return Result{}, fmt.Errorf("write identities: %w", err)
	}
	return Result{Written: n, Duplicates: int64(len(ids)) - n}, nil
}

// CustomerByIdentity returns the id of the customer that an identity of the
// given kind and value (normalised as clientele.NormalizeIdentity does)
// belongs to.
func (db *DB) CustomerByIdentity(ctx context.Context, kind, value string) (string, error) {
	var id string
	err := db.queryRow(ctx, `SELECT customer_id FROM identities WHERE kind = $1 AND value = $2`,
		kind, clientele.NormalizeIdentity(kind, value)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", clientele.Errorf(clientele.ENOTFOUND, "no customer has %s identity %q", kind, value)
	}
	if err != nil {
		return "", fmt.Errorf("identity %s/%s: %w", kind, value, err)
	}
	return id, nil
}

func (db *DB) identities(ctx context.Context, id string) ([]clientele.Identity, error) {
	rows, err := db.query(ctx, `SELECT kind, value FROM identities WHERE customer_id = $1 ORDER BY kind, value`, id)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Identity, error) {
		i := clientele.Identity{CustomerID: id}
		err := sc.Scan(&i.Kind, &i.Value)
		return i, err
	})
	if err != nil {
		return nil, fmt.Errorf("identities of %s: %w", id, err)
	}
	return out, nil
}
