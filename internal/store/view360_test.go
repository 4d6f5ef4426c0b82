package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

func TestCustomer360(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		c := clientele.Customer{ID: "c1", Name: "Ada Lovelace", Email: "Ada@Example.com", Phone: "+44 20 7946 0000",
			BirthDate: "1985-12-10", City: "London", HouseholdID: "h1", CreatedAt: time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC),
			Attributes: map[string]any{"student": false}}
		primary := clientele.Account{ID: "4000-0000-0000-0001", CustomerID: "c1", Kind: "card", Product: "rewards", Tier: "gold", OpenedOn: "2020-05-01", Currency: "USD"}
		supp := clientele.Account{ID: "4000-0000-0000-0002", CustomerID: "c1", Kind: "card", Product: "rewards", Tier: "gold", Holder: "Byron", OpenedOn: "2021-01-01",
			ParentID: primary.ID, SpendingLimit: ptr(int64(50000)), Currency: "USD"}
		// Opened before the first, stored after both: primary accounts
		// come first, each in order of opening.
		older := clientele.Account{ID: "4000-0000-0000-0003", CustomerID: "c1", Kind: "contract", Product: "mobile", OpenedOn: "2019-03-01", Currency: "USD"}
		ev := clientele.Event{ID: "e1", CustomerID: "c1", Type: "moved_home", Time: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Properties: json.RawMessage(`{"city":"Bath"}`)}
		// Events stored out of time order; e0 is the oldest and falls
		// outside a page of two.
		evs := []clientele.Event{
			{ID: "e0", CustomerID: "c1", Type: "graduated", Time: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)},
			ev,
			{ID: "e2", CustomerID: "c1", Type: "married", Time: time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC)},
		}
		err := db.Write(ctx, func(w *store.Writer) error {
			if _, err := w.Customers(ctx, []clientele.Customer{c}); err != nil {
				return err
			}
			if _, err := w.Accounts(ctx, []clientele.Account{supp, primary, older}); err != nil {
				return err
			}
			if _, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 1000), tx("c1", "t2", 5, 500)}, nil); err != nil {
				return err
			}
			_, err := w.Events(ctx, evs, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.Customer360(ctx, "c1", 2)
		if err != nil {
			t.Fatal(err)
		}
		if v.Customer.Name != c.Name || v.Customer.BirthDate != c.BirthDate || !v.Customer.CreatedAt.Equal(c.CreatedAt) ||
			v.Customer.Attributes["student"] != false {
			t.Errorf("customer = %+v", v.Customer)
		}
		wantIDs := []clientele.Identity{
			{Kind: "card", Value: "4000000000000001", CustomerID: "c1"},
			{Kind: "card", Value: "4000000000000002", CustomerID: "c1"},
			{Kind: "email", Value: "ada@example.com", CustomerID: "c1"},
			{Kind: "phone", Value: "+442079460000", CustomerID: "c1"},
		}
		if diff := cmp.Diff(wantIDs, v.Identities); diff != "" {
			t.Errorf("identities (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]clientele.Account{older, primary, supp}, v.Accounts); diff != "" {
			t.Errorf("accounts (-want +got):\n%s", diff)
		}
		if v.Totals.Transactions != 2 || v.Totals.Revenue["USD"] != 1500 {
			t.Errorf("totals = %+v", v.Totals)
		}
		if len(v.Transactions) != 2 || v.Transactions[0].ID != "t2" {
			t.Errorf("transactions = %+v, want t2 first", v.Transactions)
		}
		if len(v.Events) != 2 || v.Events[0].ID != "e1" || v.Events[1].ID != "e2" {
			t.Errorf("events = %+v, want e1 then e2", v.Events)
		}
		if v.Score != nil || len(v.Segments) != 0 {
			t.Errorf("never scored nor segmented: score %+v, segments %v", v.Score, v.Segments)
		}
		var props map[string]string
		if err := json.Unmarshal(v.Events[0].Properties, &props); err != nil || props["city"] != "Bath" {
			t.Errorf("event properties = %s (%v)", v.Events[0].Properties, err)
		}
		for _, q := range []struct{ kind, value string }{{"email", "ADA@example.com "}, {"phone", "+44-20-7946-0000"}, {"card", "4000 0000 0000 0002"}} {
			id, err := db.CustomerByIdentity(ctx, q.kind, q.value)
			if err != nil || id != "c1" {
				t.Errorf("identity %s %q = %q, %v; want c1", q.kind, q.value, id, err)
			}
		}
		if _, err := db.CustomerByIdentity(ctx, "email", "nobody@example.com"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("unknown identity: err = %v, want not found", err)
		}
		if _, err := db.Customer360(ctx, "nobody", 10); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("unknown customer: err = %v, want not found", err)
		}

		// Scored twice and in two segments: the latest score, and the
		// segments by name.
		for _, clv := range []int64{100, 200} {
			run, err := db.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", TimeZone: "UTC", Currency: "USD",
				Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 1, Converged: true})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Write(ctx, func(w *store.Writer) error {
				return w.Scores(ctx, run, []clientele.Score{{CustomerID: "c1", ProbAlive: 0.5, CLV: clv}})
			}); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range []string{"zeta", "alpha"} {
			seg, err := db.CreateSegment(ctx, clientele.Segment{Name: name, Definition: "true"})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.ApplyMembership(ctx, seg.ID, []clientele.MembershipChange{{CustomerID: "c1", Joined: true}}, "true", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if v, err = db.Customer360(ctx, "c1", 2); err != nil {
			t.Fatal(err)
		}
		if v.Score == nil || v.Score.CLV != 200 || v.ScoreRun != 2 {
			t.Errorf("score = %+v of run %d, want CLV 200 of run 2", v.Score, v.ScoreRun)
		}
		if diff := cmp.Diff([]string{"alpha", "zeta"}, v.Segments); diff != "" {
			t.Errorf("segments (-want +got):\n%s", diff)
		}
	})
}
