package store_test

import (
	"context"
	"testing"

	"clientele"
	"clientele/internal/store"
)

// An identity belongs to the customer who registered it first; a second
// claim is a duplicate, and values are compared in normal form.
func TestIdentities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			if _, err := w.Customers(ctx, []clientele.Customer{{ID: "c1"}, {ID: "c2"}}); err != nil {
				return err
			}
			res, err := w.Identities(ctx, []clientele.Identity{
				{Kind: clientele.IdentityEmail, Value: clientele.NormalizeIdentity(clientele.IdentityEmail, "Kim@Example.com"), CustomerID: "c1"},
				{Kind: clientele.IdentityEmail, Value: clientele.NormalizeIdentity(clientele.IdentityEmail, "kim@example.com "), CustomerID: "c2"},
				{Kind: clientele.IdentityExternal, Value: "crm-7", CustomerID: "c2"},
			})
			checkResult(t, "Identities", res, err, store.Result{Written: 2, Duplicates: 1})
			return nil
		})
		for _, q := range []struct{ kind, value, want string }{
			{clientele.IdentityEmail, " KIM@example.com", "c1"},
			{clientele.IdentityExternal, "crm-7", "c2"},
		} {
			if id, err := db.CustomerByIdentity(ctx, q.kind, q.value); err != nil || id != q.want {
				t.Errorf("CustomerByIdentity(%s, %q) = %q, %v; want %q", q.kind, q.value, id, err, q.want)
			}
		}
	})
}
