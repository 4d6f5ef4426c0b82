package store_test

import (
	"cmp"
	"slices"
	"testing"
	"time"

	gocmp "github.com/google/go-cmp/cmp"

	"clientele"

	"clientele/internal/store"
)

func TestEquityAndSegmentValues(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		run, err := db.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", CalibrationEnd: "2024-01-31",
			TimeZone: "UTC", Currency: "USD", Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{"r": 0.1}, Customers: 3, Converged: true})
		if err != nil {
			t.Fatal(err)
		}
		scores := []clientele.Score{{CustomerID: "a", ProbAlive: 0.5, CLV: 1000}, {CustomerID: "b", ProbAlive: 0.7, CLV: 3000}, {CustomerID: "c", ProbAlive: 0.9, CLV: -500}}
		if err := db.Write(ctx, func(w *store.Writer) error { return w.Scores(ctx, run, scores) }); err != nil {
			t.Fatal(err)
		}
		if runs, err := db.RunList(ctx); err != nil || len(runs) != 1 || runs[0].ID != run || runs[0].Model != "bgnbd" || runs[0].Params["r"] != 1 {
			t.Errorf("run list: %+v, %v", runs, err)
		}
		eq, err := db.EquityByRun(ctx)
		if err != nil || len(eq) != 1 || eq[0].Equity != 3500 || eq[0].Customers != 3 {
			t.Fatalf("equity by run: %+v, %v", eq, err)
		}
		if d := eq[0].MeanAlive - 0.7; d > 1e-12 || d < -1e-12 {
			t.Errorf("mean P(alive) %v", eq[0].MeanAlive)
		}
		if _, err := db.CreateUser(ctx, clientele.User{Name: "kim", Role: "customer_manager"}, ""); err != nil {
			t.Fatal(err)
		}
		s, err := db.CreateSegment(ctx, clientele.Segment{Name: "ab", Definition: "true", Owner: "kim"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateSegment(ctx, clientele.Segment{Name: "empty", Definition: "false"}); err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyMembership(ctx, s.ID, []clientele.MembershipChange{{CustomerID: "a", Joined: true}, {CustomerID: "b", Joined: true}}, "true", time.Now()); err != nil {
			t.Fatal(err)
		}
		vals, err := db.SegmentValues(ctx, run)
		if err != nil || len(vals) != 2 {
			t.Fatalf("segment values: %+v, %v", vals, err)
		}
		if v := vals[0]; v.Segment != "ab" || v.Owner != "kim" || v.Members != 2 || v.Value != 4000 || v.MeanCLV != 2000 {
			t.Errorf("ab: %+v", v)
		}
		if v := vals[1]; v.Segment != "empty" || v.Members != 0 || v.Value != 0 {
			t.Errorf("empty: %+v", v)
		}
		// A segment's members with their scores, highest CLV first; a
		// member the run did not score is left out.
		if err := db.ApplyMembership(ctx, s.ID, []clientele.MembershipChange{{CustomerID: "unscored", Joined: true}}, "true", time.Now()); err != nil {
			t.Fatal(err)
		}
		ms, err := db.SegmentScores(ctx, s.ID, run)
		if diff := gocmp.Diff([]store.MemberScore{{CustomerID: "b", CLV: 3000, ProbAlive: 0.7}, {CustomerID: "a", CLV: 1000, ProbAlive: 0.5}}, ms); err != nil || diff != "" {
			t.Errorf("segment scores (-want +got): %s %v", diff, err)
		}
		clvs, err := db.RunCLVs(ctx, run)
		if err != nil || len(clvs) != 3 {
			t.Errorf("CLVs: %v, %v", clvs, err)
		}
		if _, err := db.CreateSegment(ctx, clientele.Segment{Name: "ab", Definition: "true"}); err == nil {
			t.Error("a second segment named ab was created")
		}
	})
}

// Periods of brand spend are counted the same way on both backends.
func TestCategoryBrandSpend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		err := db.Write(ctx, func(w *store.Writer) error {
			if _, err := w.Products(ctx, []clientele.Product{
				{SKU: "A1", Category: "coffee", Brand: "Acme", Price: 500, UnitCost: 300, Currency: "USD"},
				{SKU: "B1", Category: "coffee", Brand: "Best", Price: 500, UnitCost: 400, Currency: "USD"},
			}); err != nil {
				return err
			}
			tx := func(id string, day int, sku string, qty int64) clientele.Transaction {
				t := clientele.Transaction{ID: id, CustomerID: "c", Time: start.AddDate(0, 0, day), Currency: "USD",
					Lines: []clientele.Line{{SKU: sku, Quantity: qty, UnitPrice: 500}}}
				t.Complete()
				return t
			}
			_, err := w.Transactions(ctx, []clientele.Transaction{tx("1", 0, "A1", 2), tx("2", 9, "B1", 1), tx("3", 10, "B1", 3), tx("4", 25, "A1", 1)}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []store.BrandSpend
		err = db.CategoryBrandSpend(ctx, "coffee", "USD", start, start.AddDate(0, 0, 30), 10*24*time.Hour, func(s store.BrandSpend) error {
			got = append(got, s)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		slices.SortFunc(got, func(x, y store.BrandSpend) int {
			return cmp.Compare(x.Period*10+int64(len(x.Brand)), y.Period*10+int64(len(y.Brand)))
		})
		want := []store.BrandSpend{
			{CustomerID: "c", Period: 0, Brand: "Acme", Spend: 1000, Margin: 400},
			{CustomerID: "c", Period: 0, Brand: "Best", Spend: 500, Margin: 100},
			{CustomerID: "c", Period: 1, Brand: "Best", Spend: 1500, Margin: 300},
			{CustomerID: "c", Period: 2, Brand: "Acme", Spend: 500, Margin: 200},
		}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("brand spend (-want +got):\n%s", diff)
		}
	})
}
