package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// The counters a writer keeps fact by fact — in batches, with duplicates,
// out of time order, across a merge — are exactly those RebuildCounters
// makes from history.
func TestCountersIncrementalEqualsRebuild(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.Products(ctx, []clientele.Product{
				{SKU: "DIAPER", Category: "baby", Brand: "Softy", Currency: "USD"},
				{SKU: "WIPES", Category: "baby", Brand: "Softy", Currency: "USD"},
				{SKU: "SOFA", Category: "furniture", Brand: "Nordhem", Currency: "USD"},
			})
			return err
		})
		rng := rand.New(rand.NewPCG(1, 2))
		// Recent, so that the counts by day are kept (DayRetention), and
		// one purchase too old for them.
		start := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -100)
		skus := []string{"DIAPER", "WIPES", "SOFA", "UNKNOWN"}
		for batch := range 6 {
			var txs []clientele.Transaction
			var evs []clientele.Event
			for range 40 {
				c := fmt.Sprintf("c%d", rng.IntN(12))
				at := start.Add(time.Duration(rng.IntN(90*24)) * time.Hour) // out of time order
				id := fmt.Sprintf("t%d", rng.IntN(150))                     // repeats, within and across batches
				tx := clientele.Transaction{ID: id, CustomerID: c, Time: at, Currency: "USD"}
				for range rng.IntN(3) {
					l := clientele.Line{SKU: skus[rng.IntN(len(skus))], Quantity: 1 + int64(rng.IntN(3)), UnitPrice: 100 + int64(rng.IntN(900))}
					tx.Lines = append(tx.Lines, l)
					tx.Amount += l.Quantity * l.UnitPrice
				}
				if len(tx.Lines) == 0 {
					tx.Amount = 500
				}
				txs = append(txs, tx)
				props := fmt.Sprintf(`{"page":%q,"n":%d,"nested":{"x":1}}`, []string{"home", "baby"}[rng.IntN(2)], rng.IntN(2))
				evs = append(evs, clientele.Event{ID: fmt.Sprintf("e%d", rng.IntN(150)), CustomerID: c, Type: "web_visit", Time: at, Properties: json.RawMessage(props)})
			}
			write(t, db, func(ctx context.Context, w *store.Writer) error {
				if _, err := w.Transactions(ctx, txs, nil); err != nil {
					return err
				}
				_, err := w.Events(ctx, evs, nil)
				return err
			})
			if batch == 3 {
				write(t, db, func(ctx context.Context, w *store.Writer) error {
					return w.MergeCustomers(ctx, "c1", "c2", "same card")
				})
				if got := counterStates(t, db, []string{"c1"}); len(got["c1"].All) != 0 {
					t.Errorf("c1 was merged into c2 but has counters: %+v", got["c1"].All)
				}
			}
		}
		ids := make([]string, 12)
		for i := range ids {
			ids[i] = fmt.Sprintf("c%d", i)
		}
		before := counterStates(t, db, ids)
		if len(before["c2"].All) == 0 || before["c2"].All["category:baby"].Count == 0 || len(before["c2"].Days["purchase"]) == 0 {
			t.Fatalf("c2 has no baby counter or no purchases by day: %+v", before["c2"])
		}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.Transactions(ctx, []clientele.Transaction{{ID: "old", CustomerID: "c0", Time: start.AddDate(-2, 0, 0), Amount: 100, Currency: "USD"}}, nil)
			return err
		})
		old, err := db.CustomerCounters(t.Context(), "c0", 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := old.All["purchase"].First; !got.Equal(start.AddDate(-2, 0, 0)) {
			t.Errorf("the old purchase is not the first: %v", got)
		}
		for _, d := range old.Days["purchase"] {
			if d.Day < store.Day(time.Now())-store.DayRetention {
				t.Errorf("a day older than %d days was kept: %+v", store.DayRetention, d)
			}
		}
		before = counterStates(t, db, ids)
		if _, ok := before["c3"].All["event:web_visit:nested={\"x\":1}"]; ok {
			t.Error("an object property was counted")
		}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.RebuildCounters(ctx, nil)
			return err
		})
		after := counterStates(t, db, ids)
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("incremental counters differ from the rebuild (-incremental +rebuild):\n%s", diff)
		}
	})
}

func counterStates(t *testing.T, db *store.DB, ids []string) map[string]*store.CounterState {
	t.Helper()
	out := map[string]*store.CounterState{}
	for _, id := range ids {
		s, err := db.CustomerCounters(t.Context(), id, 0)
		if err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	return out
}

// What one fact touches, key by key.
func TestTouches(t *testing.T) {
	products := map[string]store.ProductKeys{"A": {Category: "baby", Brand: "Softy"}, "B": {Category: "baby"}}
	tx := &clientele.Transaction{ID: "t", CustomerID: "c", Amount: 900, Lines: []clientele.Line{
		{SKU: "A", Quantity: 2, UnitPrice: 100}, {SKU: "B", Quantity: 1, UnitPrice: 300}, {SKU: "A", Quantity: 1, UnitPrice: 100}, {SKU: "Z", Quantity: 1, UnitPrice: 200}}}
	want := []store.Touch{{"purchase", 900}, {"product:A", 300}, {"category:baby", 600}, {"brand:Softy", 300}, {"product:B", 300}, {"product:Z", 200}}
	if diff := cmp.Diff(want, store.TransactionTouches(tx, products)); diff != "" {
		t.Errorf("transaction touches (-want +got):\n%s", diff)
	}
	ev := &clientele.Event{Type: "moved", Properties: json.RawMessage(`{"z":1.0,"city":"Bath","ok":true,"list":[1],"long":"","a=b":"x"}`)}
	want = []store.Touch{{Key: "event:moved"}, {Key: "event:moved:city=Bath"}, {Key: "event:moved:long="}, {Key: "event:moved:ok=true"}, {Key: "event:moved:z=1"}}
	if diff := cmp.Diff(want, store.EventTouches(ev)); diff != "" {
		t.Errorf("event touches (-want +got):\n%s", diff)
	}
	// Days are UTC days, before 1970 included.
	for _, c := range []struct {
		at   time.Time
		want int64
	}{{time.Unix(0, 0), 0}, {time.Unix(86399, 0), 0}, {time.Unix(86400, 0), 1}, {time.Unix(-1, 0), -1}} {
		if got := store.Day(c.at); got != c.want {
			t.Errorf("Day(%v) = %d, want %d", c.at, got, c.want)
		}
	}
}
