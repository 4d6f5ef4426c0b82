package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// A merge moves everything of one customer to another: identities,
// accounts, transactions with their lines (one both have is kept once),
// events and segment history; it fills the blanks of the profile, drops
// the merged customer's scores and memberships, and records itself.
func TestMergeCustomers(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		seg, err := db.CreateSegment(ctx, clientele.Segment{Name: "web", Definition: "true"})
		if err != nil {
			t.Fatal(err)
		}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			if _, err := w.Customers(ctx, []clientele.Customer{{ID: "anon", Email: "a@example.com", City: "Seoul", Attributes: map[string]any{"device": "ios"}},
				{ID: "kim", Name: "Kim", Attributes: map[string]any{"tier": "gold"}}}); err != nil {
				return err
			}
			if _, err := w.Accounts(ctx, []clientele.Account{{ID: "card-1", CustomerID: "anon", Kind: "card", OpenedOn: "2024-01-01", Currency: "USD"}}); err != nil {
				return err
			}
			line := []clientele.Line{{SKU: "s", Quantity: 1, UnitPrice: 500}}
			if _, err := w.Transactions(ctx, []clientele.Transaction{
				{ID: "t1", CustomerID: "anon", Time: at, Amount: 500, Currency: "USD", Lines: line},
				{ID: "shared", CustomerID: "anon", Time: at, Amount: 100, Currency: "USD", Lines: line},
				{ID: "shared", CustomerID: "kim", Time: at, Amount: 100, Currency: "USD"},
			}, nil); err != nil {
				return err
			}
			_, err := w.Events(ctx, []clientele.Event{{ID: "e1", CustomerID: "anon", Type: "page", Time: at}, {ID: "e2", CustomerID: "kim", Type: "call", Time: at}}, nil)
			return err
		})
		if err := db.ApplyMembership(ctx, seg.ID, []clientele.MembershipChange{{CustomerID: "anon", Joined: true}}, "test", at); err != nil {
			t.Fatal(err)
		}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			return w.MergeCustomers(ctx, "anon", "kim", "identified")
		})

		if _, err := db.Customer(ctx, "anon"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("the merged customer: %v", err)
		}
		v, err := db.Customer360(ctx, "kim", 10)
		if err != nil {
			t.Fatal(err)
		}
		want := clientele.Customer{ID: "kim", Name: "Kim", Email: "a@example.com", City: "Seoul", Attributes: map[string]any{"tier": "gold", "device": "ios"}}
		got := v.Customer
		got.CreatedAt, got.UpdatedAt = time.Time{}, time.Time{}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("profile (-want +got):\n%s", diff)
		}
		var txs []string
		lines := 0
		for _, tx := range v.Transactions {
			txs = append(txs, tx.ID)
			lines += len(tx.Lines)
		}
		if len(v.Transactions) != 2 || lines != 1 || len(v.Events) != 2 || len(v.Accounts) != 1 {
			t.Errorf("kim after the merge: transactions %v (%d lines), %d events, %d accounts", txs, lines, len(v.Events), len(v.Accounts))
		}
		if who, err := db.CustomerByIdentity(ctx, clientele.IdentityEmail, "a@example.com"); err != nil || who != "kim" {
			t.Errorf("the e-mail identity: %q %v", who, err)
		}
		if h, err := db.MembershipHistory(ctx, "kim"); err != nil || len(h) != 1 {
			t.Errorf("segment history: %+v %v", h, err)
		}
		if members, err := db.SegmentMembers(ctx, seg.ID, "", 10); err != nil || len(members) != 0 {
			t.Errorf("members: %v %v", members, err)
		}
		m, err := db.Merges(ctx, "kim")
		if err != nil || len(m) != 1 || m[0].From != "anon" || m[0].Reason != "identified" {
			t.Errorf("merges: %+v %v", m, err)
		}
		if err := db.CheckIntegrity(ctx); err != nil {
			t.Errorf("integrity after the merge: %v", err)
		}
	})
}
