package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"clientele"
)

// Identities registers ids. An identity already registered to its
// customer is a duplicate; one that belongs to another customer is an
// ECONFLICT error naming both (an e-mail address that differs only in case
// from another customer's was silently not attached), and nothing of the
// write is kept. The identities' customers must exist.
func (w *Writer) Identities(ctx context.Context, ids []clientele.Identity) (Result, error) {
	if len(ids) == 0 {
		return Result{}, nil
	}
	if err := w.checkSuppressed(ctx, nil, ids); err != nil {
		return Result{}, err
	}
	rows := make([][]any, len(ids))
	for i, id := range ids {
		rows[i] = []any{id.Kind, id.Value, id.CustomerID, w.db.ts(w.now)}
	}
	n, _, err := w.q.insert(ctx, "identities", []string{"kind", "value", "customer_id", "created_at"}, rows, "ON CONFLICT (kind, value) DO NOTHING", "")
	if err != nil {
		return Result{}, fmt.Errorf("write identities: %w", err)
	}
	if n < int64(len(ids)) {
		// Some were registered already (a re-import, most likely): to
		// whom? A first import of new customers never asks.
		if err := w.checkOwners(ctx, ids); err != nil {
			return Result{}, err
		}
	}
	return Result{Written: n, Duplicates: int64(len(ids)) - n}, nil
}

// checkOwners returns an ECONFLICT error listing the identities of ids that
// belong to another customer than the one they name.
func (w *Writer) checkOwners(ctx context.Context, ids []clientele.Identity) error {
	var conflicts []clientele.FieldError
	const chunk = 400
	for lo := 0; lo < len(ids); lo += chunk {
		part := ids[lo:min(lo+chunk, len(ids))]
		var q strings.Builder
		q.WriteString(`SELECT kind, value, customer_id FROM identities WHERE (kind, value) IN (VALUES `)
		args := make([]any, 0, 2*len(part))
		for i, id := range part {
			if i > 0 {
				q.WriteByte(',')
			}
			fmt.Fprintf(&q, "($%d, $%d)", 2*i+1, 2*i+2)
			args = append(args, id.Kind, id.Value)
		}
		q.WriteByte(')')
		rows, err := w.q.query(ctx, q.String(), args...)
		if err != nil {
			return fmt.Errorf("identities: %w", err)
		}
		owner := map[[2]string]string{}
		for rows.Next() {
			var kind, value, customer string
			if err := rows.Scan(&kind, &value, &customer); err != nil {
				rows.Close()
				return fmt.Errorf("identities: %w", err)
			}
			owner[[2]string{kind, value}] = customer
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("identities: %w", err)
		}
		for _, id := range part {
			if o := owner[[2]string{id.Kind, id.Value}]; o != "" && o != id.CustomerID {
				conflicts = append(conflicts, clientele.FieldError{Item: "customer " + id.CustomerID, Field: identityField[id.Kind],
					Reason: fmt.Sprintf("%s %q belongs to customer %s", id.Kind, clientele.Excerpt(id.Value), o)})
			}
		}
	}
	if len(conflicts) > 0 {
		return &clientele.Error{Code: clientele.ECONFLICT, Message: "identity held by another customer", Details: conflicts}
	}
	return nil
}

// identityField is the field of a customer or account an identity of each
// kind comes from.
var identityField = map[string]string{clientele.IdentityEmail: "email", clientele.IdentityPhone: "phone", clientele.IdentityCard: "id", clientele.IdentityExternal: "identity", clientele.IdentityAnonymous: "anonymousId"}

// CustomerByIdentity returns the id of the customer that an identity of the
// given kind and value (normalised as clientele.NormalizeIdentity does)
// belongs to.
//
// A phone number is looked up in E.164 (with the region of
// clientele.SetPhoneRegion) and then as the digits it was stored as before
// a region was set.
func (db *DB) CustomerByIdentity(ctx context.Context, kind, value string) (string, error) {
	forms := []string{clientele.NormalizeIdentity(kind, value)}
	if kind == clientele.IdentityPhone {
		forms = clientele.PhoneForms(value)
	}
	for _, v := range forms {
		var id string
		err := db.queryRow(ctx, `SELECT customer_id FROM identities WHERE kind = $1 AND value = $2`, kind, v).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("identity %s/%s: %w", kind, value, err)
		}
		return id, nil
	}
	return "", clientele.Errorf(clientele.ENOTFOUND, "no customer has %s identity %q", kind, value)
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
