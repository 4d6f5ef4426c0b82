package segment_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/ingest"
	"clientele/internal/rules"
	"clientele/internal/segment"
	"clientele/internal/simulate"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// splitTransactions writes the simulated transactions of src before mid to
// a/transactions.csv and the rest to b/transactions.csv (the lines of one
// transaction share its time, so none is cut in two), and copies the
// other files but the events to a.
func splitTransactions(t *testing.T, src, a, b string, mid time.Time) (before, after int) {
	t.Helper()
	for _, name := range []string{"brands.csv", "customers.csv", "products.csv", "accounts.csv"} {
		data, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(a, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	f, err := os.Open(filepath.Join(src, "transactions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	write := func(dir string, rows [][]string) {
		out, err := os.Create(filepath.Join(dir, "transactions.csv"))
		if err != nil {
			t.Fatal(err)
		}
		w := csv.NewWriter(out)
		w.WriteAll(rows)
		if err := out.Close(); err != nil {
			t.Fatal(err)
		}
	}
	first, second := [][]string{rows[0]}, [][]string{rows[0]}
	for _, r := range rows[1:] {
		at, err := time.Parse(time.RFC3339, r[2])
		if err != nil {
			t.Fatal(err)
		}
		if at.Before(mid) {
			first = append(first, r)
		} else {
			second = append(second, r)
		}
	}
	write(a, first)
	write(b, second)
	return len(first) - 1, len(second) - 1
}

// TestLiveMatchesRefresh stores half of the simulated history, computes
// the segments in full, then stores the rest with the live segments on,
// and checks that they agree with a full computation: Check finds no
// difference, and a Refresh of the segments that do not use the RFM
// quintiles (whose cut points it moves) changes nobody. Every live change
// names its fact.
func TestLiveMatchesRefresh(t *testing.T) {
	ctx := context.Background()
	src, first, second := t.TempDir(), t.TempDir(), t.TempDir()
	truth, err := simulate.Run(ctx, simulate.Config{Customers: 1500, Seed: 8}, src, nil)
	if err != nil {
		t.Fatal(err)
	}
	mid := truth.End.AddDate(-1, 0, 0)
	if n1, n2 := splitTransactions(t, src, first, second, mid); n1 == 0 || n2 == 0 {
		t.Fatalf("split: %d and %d lines", n1, n2)
	}
	// A window that holds the whole history: the spend by category is then
	// the same whatever day it is computed as of.
	const window = 100 * 365 * 24 * time.Hour
	defs := []clientele.Segment{
		{Name: "frequent", Definition: "activity.transactions >= 8"},
		{Name: "big-spenders", Definition: "activity.revenue >= 400.0"},
		{Name: "baby", Definition: `"baby" in activity.spend_by_category`},
		{Name: "gold-or-better", Definition: `account.tier in ["gold", "platinum"] && activity.transactions > 3`},
		{Name: "rfm-fm", Definition: "rfm.f >= 4 && rfm.m >= 3"},
		{Name: "rfm-low", Definition: "rfm.m <= 2 && activity.transactions > 0"},
	}
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			if _, err := ingest.Dir(ctx, db, first, ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			for _, s := range defs {
				if _, err := db.CreateSegment(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			ins, err := segment.Inputs(ctx, db, "USD", window, mid)
			if err != nil {
				t.Fatal(err)
			}
			before, err := segment.Refresh(ctx, db, ins, nil, mid)
			if err != nil {
				t.Fatal(err)
			}
			e, err := rules.New(ctx, db, "USD")
			if err != nil {
				t.Fatal(err)
			}
			db.SetEngine(e)
			err = db.Write(ctx, func(w *store.Writer) error {
				_, err := ingest.FileTx(ctx, w, ingest.Transactions, filepath.Join(second, "transactions.csv"), ingest.Options{})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			end := truth.End
			ins, err = segment.Inputs(ctx, db, "USD", window, end)
			if err != nil {
				t.Fatal(err)
			}
			check, err := segment.Check(ctx, db, ins, nil)
			if err != nil {
				t.Fatal(err)
			}
			grew := 0
			for i, r := range check {
				if r.Joined != 0 || r.Left != 0 || r.Errors != 0 {
					t.Errorf("check %s: %+v: the live membership differs from a full computation", r.Segment, r)
				}
				grew += r.Members - before[i].Members
			}
			if grew == 0 {
				t.Fatalf("no segment changed between %v and %v: %+v, %+v", mid, end, before, check)
			}
			// Every change since the full computation names the
			// transaction that made it, and the definition.
			changed := 0
			for _, in := range ins {
				hist, err := db.MembershipHistory(ctx, in.ID)
				if err != nil {
					t.Fatal(err)
				}
				for _, h := range hist {
					if !h.At.After(mid) {
						continue
					}
					changed++
					if !strings.HasPrefix(h.Fact, "transaction:") || h.Reason == "" {
						t.Fatalf("history of %s: %+v", in.ID, h)
					}
				}
			}
			if changed == 0 {
				t.Fatal("no live change in the history")
			}
			// From scratch, the segments without RFM quintiles agree too.
			ins, err = segment.Inputs(ctx, db, "USD", window, end)
			if err != nil {
				t.Fatal(err)
			}
			res, err := segment.Refresh(ctx, db, ins, []string{"frequent", "big-spenders", "baby", "gold-or-better"}, end)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range res {
				if r.Joined != 0 || r.Left != 0 {
					t.Errorf("refresh %s after live updates: %+v", r.Segment, r)
				}
			}
		})
	}
}

// TestLiveTriggerSeesSegment: a trigger on membership fires on the
// transaction that makes the customer a member, in the same request.
func TestLiveTriggerSeesSegment(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			if _, err := db.CreateSegment(ctx, clientele.Segment{Name: "vip", Definition: "activity.revenue >= 1000.0"}); err != nil {
				t.Fatal(err)
			}
			// Computed in full once (nobody yet): from then on kept up to date.
			if _, err := segment.Refresh(ctx, db, nil, nil, time.Now()); err != nil {
				t.Fatal(err)
			}
			e, err := rules.New(ctx, db, "USD")
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC().Truncate(time.Second)
			e.Now = func() time.Time { return now }
			db.SetEngine(e)
			offer := clientele.Offer{Code: "vip-welcome", Name: "Welcome to VIP", Class: clientele.OfferService, Channel: "agent", Lever: 1}
			if err := rules.CheckOffer(&offer); err != nil {
				t.Fatal(err)
			}
			if err := db.PutOffer(ctx, offer); err != nil {
				t.Fatal(err)
			}
			if err := e.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			tr := clientele.NewTrigger()
			tr.Name, tr.On, tr.When, tr.Once, tr.Then, tr.Holdout = "vip-welcome", []string{"transaction"}, `"vip" in segments`, true, []string{"vip-welcome"}, 0
			if err := e.CheckTrigger(ctx, &tr); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PutTrigger(ctx, tr, "test"); err != nil {
				t.Fatal(err)
			}
			if err := e.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			err = db.Write(ctx, func(w *store.Writer) error {
				_, err := w.Customers(ctx, []clientele.Customer{{ID: "c1", Name: "Kim"}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			buy := func(id string, amount int64) {
				t.Helper()
				err := db.Write(ctx, func(w *store.Writer) error {
					_, err := w.Transactions(ctx, []clientele.Transaction{{ID: id, CustomerID: "c1", Time: now.Add(-time.Minute), Amount: amount, Currency: "USD"}}, nil)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			buy("t1", 60000) // $600: not yet
			if segs, _ := db.CustomerSegments(ctx, "c1"); len(segs) != 0 {
				t.Fatalf("after $600: segments %v", segs)
			}
			buy("t2", 50000) // $1,100: joins, and the trigger fires
			segs, _ := db.CustomerSegments(ctx, "c1")
			if diff := cmp.Diff([]string{"vip"}, segs); diff != "" {
				t.Fatalf("after $1,100: segments (-want +got)\n%s", diff)
			}
			hist, _ := db.MembershipHistory(ctx, "c1")
			if len(hist) != 1 || hist[0].Fact != "transaction:t2" || hist[0].Change != "joined" || hist[0].Reason != "activity.revenue >= 1000.0" {
				t.Errorf("history: %+v", hist)
			}
			ds, err := db.Decisions(ctx, "c1", 10)
			if err != nil {
				t.Fatal(err)
			}
			if len(ds) != 1 || ds[0].Fact != "transaction:t2" {
				t.Errorf("decisions: %+v", ds)
			}
		})
	}
}

// A customer's profile and accounts, stored, keep its segments up to date
// too: a platinum card makes it a platinum member, a birth date a retiree,
// a merge of two profiles a big spender, each with the change named in the
// history; storing the same again changes nothing.
func TestLiveProfiles(t *testing.T) {
	ctx := context.Background()
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			write := func(fn func(w *store.Writer) error) {
				t.Helper()
				if err := db.Write(ctx, fn); err != nil {
					t.Fatal(err)
				}
			}
			write(func(w *store.Writer) error {
				if _, err := w.Customers(ctx, []clientele.Customer{{ID: "c1", Name: "Kim", BirthDate: "1990-04-01"}, {ID: "c2", Name: "Lee"}}); err != nil {
					return err
				}
				// Two profiles of one person, $600 and $500.
				at := time.Date(2025, 11, 1, 12, 0, 0, 0, time.UTC)
				_, err := w.Transactions(ctx, []clientele.Transaction{{ID: "t3", CustomerID: "c3", Time: at, Amount: 60000, Currency: "USD"},
					{ID: "t4", CustomerID: "c4", Time: at, Amount: 50000, Currency: "USD"}}, nil)
				return err
			})
			for _, s := range []clientele.Segment{
				{Name: "platinum", Definition: `account.tier == "platinum"`},
				{Name: "retirees", Definition: "customer.age >= 65"},
				{Name: "big", Definition: "activity.revenue >= 1000.0"},
			} {
				if _, err := db.CreateSegment(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			asOf := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
			ins, err := segment.Inputs(ctx, db, "USD", 365*24*time.Hour, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := segment.Refresh(ctx, db, ins, nil, asOf); err != nil {
				t.Fatal(err)
			}
			e, err := rules.New(ctx, db, "USD")
			if err != nil {
				t.Fatal(err)
			}
			db.SetEngine(e)
			card := clientele.Account{ID: "4000123412341234", CustomerID: "c1", Kind: clientele.AccountCard, Product: "rewards card", Tier: "platinum", OpenedOn: "2025-12-01", Currency: "USD"}
			write(func(w *store.Writer) error { _, err := w.Accounts(ctx, []clientele.Account{card}); return err })
			write(func(w *store.Writer) error {
				_, err := w.PatchCustomer(ctx, "c2", clientele.CustomerPatch{BirthDate: ptr("1950-06-01")})
				return err
			})
			// Again, unchanged: nothing joins or leaves.
			write(func(w *store.Writer) error { _, err := w.Accounts(ctx, []clientele.Account{card}); return err })
			// Merged, the two profiles hold $1,100: the survivor is big.
			write(func(w *store.Writer) error { return w.MergeCustomers(ctx, "c4", "c3", "same person") })
			for id, want := range map[string][]clientele.MembershipEntry{
				"c1": {{Segment: "platinum", Change: "joined", Reason: `account.tier == "platinum"`, Fact: "account:4000123412341234"}},
				"c2": {{Segment: "retirees", Change: "joined", Reason: "customer.age >= 65", Fact: "customer:c2"}},
				"c3": {{Segment: "big", Change: "joined", Reason: "activity.revenue >= 1000.0", Fact: "customer:c3"}},
			} {
				hist, err := db.MembershipHistory(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				for i := range hist {
					hist[i].At = time.Time{}
				}
				if diff := cmp.Diff(want, hist); diff != "" {
					t.Errorf("history of %s (-want +got)\n%s", id, diff)
				}
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
