package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Accounts are upserted: a changed account is written again, an unchanged
// one is a duplicate; a card registers its number as an identity; the
// lifetimes leave out supplementary cards.
func TestAccounts(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		card := clientele.Account{ID: "4000 0000 0000 0001", CustomerID: "c1", Kind: clientele.AccountCard, Tier: "gold", OpenedOn: "2020-05-01", Currency: "USD"}
		supp := clientele.Account{ID: "4000 0000 0000 0002", CustomerID: "c1", Kind: clientele.AccountCard, ParentID: card.ID, OpenedOn: "2021-01-01",
			SpendingLimit: ptr(int64(50000)), Currency: "USD"}
		contract := clientele.Account{ID: "m-1", CustomerID: "c2", Kind: "contract", OpenedOn: "2019-03-01", ClosedOn: "2022-03-01", Currency: "USD"}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			res, err := w.Accounts(ctx, []clientele.Account{card, supp, contract})
			checkResult(t, "first write", res, err, store.Result{Written: 3})
			return nil
		})
		upgraded := card
		upgraded.Tier = "platinum"
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			res, err := w.Accounts(ctx, []clientele.Account{upgraded, supp})
			checkResult(t, "second write", res, err, store.Result{Written: 1, Duplicates: 1})
			return nil
		})
		got, err := db.Accounts(ctx, "c1")
		upgraded.ID, supp.ID = "4000 0000 0000 0001", "4000 0000 0000 0002"
		if diff := cmp.Diff([]clientele.Account{upgraded, supp}, got); err != nil || diff != "" {
			t.Errorf("Accounts(c1) (-want +got):\n%s (err %v)", diff, err)
		}
		if id, err := db.CustomerByIdentity(ctx, clientele.IdentityCard, "4000-0000-0000-0002"); err != nil || id != "c1" {
			t.Errorf("card identity = %q, %v; want c1", id, err)
		}
		var lifetimes [][2]string
		err = db.AccountLifetimes(ctx, func(opened, closed time.Time) error {
			c := ""
			if !closed.IsZero() {
				c = closed.Format(time.DateOnly)
			}
			lifetimes = append(lifetimes, [2]string{opened.Format(time.DateOnly), c})
			return nil
		})
		want := map[[2]string]bool{{"2020-05-01", ""}: true, {"2019-03-01", "2022-03-01"}: true}
		if err != nil || len(lifetimes) != 2 || !want[lifetimes[0]] || !want[lifetimes[1]] {
			t.Errorf("AccountLifetimes = %v, %v; want %v", lifetimes, err, want)
		}
	})
}
