package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Same-day purchases merge; days are local days; spend excludes the first
// day; holdout purchases are counted apart; later customers are left out.
func TestSummaries(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, seoul)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	mk := func(c, id, when string, amount int64) clientele.Transaction {
		return clientele.Transaction{ID: id, CustomerID: c, Time: at(when), Amount: amount, Margin: &[]int64{amount / 10}[0], Currency: "KRW"}
	}
	txs := []clientele.Transaction{
		mk("a", "1", "2024-01-01 09:00", 1000),
		mk("a", "2", "2024-01-01 23:30", 500), // same Seoul day (14:30 UTC)
		mk("a", "3", "2024-01-02 00:30", 700), // next Seoul day, same UTC day as above
		mk("a", "4", "2024-01-11 10:00", 300),
		mk("a", "5", "2024-02-05 10:00", 900), // holdout
		mk("a", "6", "2024-02-06 10:00", 100), // holdout
		mk("b", "1", "2024-01-20 10:00", 50),
		mk("c", "1", "2024-02-03 10:00", 50), // first purchase after calibration: not in the cohort
	}
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Write(ctx, func(w *store.Writer) error { _, err := w.Transactions(ctx, txs, nil); return err }); err != nil {
			t.Fatal(err)
		}
		var got []store.CustomerSummary
		opt := store.SummaryOptions{CalibrationEnd: time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), HoldoutEnd: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
			Location: seoul, Currency: "KRW"}
		if err := db.Summaries(ctx, opt, func(s store.CustomerSummary) error { got = append(got, s); return nil }); err != nil {
			t.Fatal(err)
		}
		jan1 := store.DayNumber(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		want := []store.CustomerSummary{
			{CustomerID: "a", First: jan1, Repeat: 2, Recency: 10, Age: 30, RepeatSpend: 1000, AllSpend: 2500, AllMargin: 250, Transactions: 4, MarginKnown: 4, Holdout: 2},
			{CustomerID: "b", First: jan1 + 19, Repeat: 0, Recency: 0, Age: 11, RepeatSpend: 0, AllSpend: 50, AllMargin: 5, Transactions: 1, MarginKnown: 1, Holdout: 0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("summaries (-want +got):\n%s", diff)
		}
	})
}

// A transaction stored without a margin takes one from its lines: its
// amount less the lines' quantities times their products' unit costs, when
// every line's product has a unit cost in the transaction's currency. A
// stored margin wins; a line of a product without a cost (0), of an unknown
// product or of one priced in another currency leaves the margin unknown.
// The summaries and the customer profits read the same margins.
func TestMarginsFromProductCosts(t *testing.T) {
	day := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	tx := func(c string, amount int64, margin *int64, lines ...clientele.Line) clientele.Transaction {
		return clientele.Transaction{ID: "t", CustomerID: c, Time: day, Amount: amount, Margin: margin, Currency: "USD", Lines: lines}
	}
	ten := int64(10)
	txs := []clientele.Transaction{
		tx("costed", 1000, nil, clientele.Line{SKU: "shirt", Quantity: 2, UnitPrice: 300}, clientele.Line{SKU: "tie", Quantity: 1, UnitPrice: 400}),
		tx("stored", 1000, &ten, clientele.Line{SKU: "shirt", Quantity: 2, UnitPrice: 500}),
		tx("nocost", 1000, nil, clientele.Line{SKU: "shirt", Quantity: 1, UnitPrice: 600}, clientele.Line{SKU: "freebie", Quantity: 1, UnitPrice: 400}),
		tx("unknown", 1000, nil, clientele.Line{SKU: "ghost", Quantity: 1, UnitPrice: 1000}),
		tx("euro", 1000, nil, clientele.Line{SKU: "scarf", Quantity: 1, UnitPrice: 1000}),
		tx("nolines", 1000, nil),
	}
	products := []clientele.Product{
		{SKU: "shirt", Price: 300, UnitCost: 120, Currency: "USD"},
		{SKU: "tie", Price: 400, UnitCost: 150, Currency: "USD"},
		{SKU: "freebie", Price: 400, Currency: "USD"},
		{SKU: "scarf", Price: 1000, UnitCost: 100, Currency: "EUR"},
	}
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			if _, err := w.Products(ctx, products); err != nil {
				return err
			}
			_, err := w.Transactions(ctx, txs, nil)
			return err
		})
		type margin struct {
			Known bool
			Value int64
		}
		got := map[string]margin{}
		opt := store.SummaryOptions{CalibrationEnd: day, Location: time.UTC, Currency: "USD"}
		if err := db.Summaries(ctx, opt, func(s store.CustomerSummary) error {
			got[s.CustomerID] = margin{s.MarginKnown == 1, s.AllMargin}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := map[string]margin{
			"costed":  {true, 1000 - 2*120 - 150},
			"stored":  {true, 10},
			"nocost":  {false, 0},
			"unknown": {false, 0},
			"euro":    {false, 0},
			"nolines": {false, 0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("summary margins (-want +got):\n%s", diff)
		}
		profits, err := db.CustomerProfits(ctx, day.Add(-time.Hour), day.Add(time.Hour), "USD", 0, "call", nil, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		fromProfits := map[string]margin{}
		for _, p := range profits {
			fromProfits[p.CustomerID] = margin{p.Unknown == 0, p.Margin}
		}
		if diff := cmp.Diff(want, fromProfits); diff != "" {
			t.Errorf("customer profit margins (-want +got):\n%s", diff)
		}
	})
}
