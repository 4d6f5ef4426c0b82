package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Identities are registered in normal form: the same identity given twice
// for its customer is a duplicate (another customer's is a conflict:
// TestIdentityConflicts).
func TestIdentities(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			if _, err := w.Customers(ctx, []clientele.Customer{{ID: "c1"}, {ID: "c2"}}); err != nil {
				return err
			}
			res, err := w.Identities(ctx, []clientele.Identity{
				{Kind: clientele.IdentityEmail, Value: clientele.NormalizeIdentity(clientele.IdentityEmail, "Kim@Example.com"), CustomerID: "c1"},
				{Kind: clientele.IdentityEmail, Value: clientele.NormalizeIdentity(clientele.IdentityEmail, "kim@example.com "), CustomerID: "c1"},
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

// An identity that belongs to another customer is a conflict naming both,
// and nothing of the write is kept; registering a customer's own
// identities again is a duplicate.
func TestIdentityConflicts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.Customers(ctx, []clientele.Customer{{ID: "c1", Email: "Kim@Example.com", Phone: "+82 10 1234 5678"}})
			return err
		})
		write(t, db, func(ctx context.Context, w *store.Writer) error { // again: its own
			res, err := w.Customers(ctx, []clientele.Customer{{ID: "c1", Email: "kim@example.com", Phone: "+821012345678"}})
			checkResult(t, "again", res, err, store.Result{Written: 1})
			return nil
		})
		err := db.Write(ctx, func(w *store.Writer) error {
			_, err := w.Customers(ctx, []clientele.Customer{{ID: "c2", Name: "Lee", Email: "KIM@example.com"}, {ID: "c3", Phone: "+82-10-1234-5678"}})
			return err
		})
		if clientele.ErrorCode(err) != clientele.ECONFLICT {
			t.Fatalf("another customer's e-mail and phone: err = %v, want a conflict", err)
		}
		want := []clientele.FieldError{
			{Item: "customer c2", Field: "email", Reason: `email "kim@example.com" belongs to customer c1`},
			{Item: "customer c3", Field: "phone", Reason: `phone "+821012345678" belongs to customer c1`},
		}
		if diff := cmp.Diff(want, clientele.ErrorDetails(err)); diff != "" {
			t.Errorf("conflicts (-want +got):\n%s", diff)
		}
		if _, err := db.Customer(ctx, "c2"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("a conflicting write kept customer c2: %v", err)
		}
	})
}

// With a region, a phone imported in the national form is found by its
// international one and the other way round; one stored before the region
// was set (as digits) is still found.
func TestPhoneIdentityRegion(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.Customers(ctx, []clientele.Customer{{ID: "old", Phone: "010-9999-0000"}})
			return err
		})
		old := clientele.PhoneRegion()
		if err := clientele.SetPhoneRegion("KR"); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { clientele.SetPhoneRegion(old) })
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.Customers(ctx, []clientele.Customer{{ID: "kim", Phone: "010-1234-5678"}})
			return err
		})
		for value, want := range map[string]string{"+821012345678": "kim", "+82 10 1234 5678": "kim", "01012345678": "kim", "010-9999-0000": "old"} {
			if got, err := db.CustomerByIdentity(ctx, clientele.IdentityPhone, value); err != nil || got != want {
				t.Errorf("phone %q: %q %v, want %q", value, got, err, want)
			}
		}
	})
}
