package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Stats count every customer, transaction and event and sum revenue per
// currency; an import's record commits with its rows.
func TestStatsAndImports(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		s, err := db.Stats(ctx)
		if err != nil || s.Customers != 0 || s.Transactions != 0 || !s.First.IsZero() {
			t.Errorf("empty Stats = %+v, %v", s, err)
		}
		krw := tx("c2", "t3", 3, 126000)
		krw.Currency = "KRW"
		started := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			if _, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 1000), tx("c1", "t2", 5, 550), krw}, nil); err != nil {
				return err
			}
			if _, err := w.Events(ctx, []clientele.Event{{ID: "e1", CustomerID: "c3", Type: "visit", Time: started}}, nil); err != nil {
				return err
			}
			return w.RecordImport(ctx, store.ImportRecord{Source: "t.csv", Kind: "transactions", Format: "csv", Started: started,
				Finished: started.Add(time.Second), RowsRead: 4, Imported: 3, Duplicates: 0, Rejected: 1})
		})
		s, err = db.Stats(ctx)
		want := map[clientele.Currency]int64{"USD": 1550, "KRW": 126000}
		if err != nil || s.Customers != 3 || s.Transactions != 3 || s.Events != 1 || !cmp.Equal(s.Revenue, want) ||
			!s.First.Equal(tx("c1", "t1", 1, 0).Time) || !s.Last.Equal(tx("c1", "t2", 5, 0).Time) {
			t.Errorf("Stats = %+v, %v; want 3 customers, 3 transactions, 1 event, revenue %v", s, err, want)
		}
		imports, err := db.Imports(ctx)
		if err != nil || !cmp.Equal(imports, [][4]int64{{4, 3, 0, 1}}) {
			t.Errorf("imports = %v, %v", imports, err)
		}
	})
}

// A large load leaves the planner statistics of what it wrote on
// PostgreSQL (a small one leaves it to autovacuum); SQLite needs none.
func TestAnalyzedAfterALoad(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Analyzed(ctx, 10); err != nil {
			t.Fatal(err)
		}
		if db.Dialect() != store.Postgres {
			if err := db.Analyzed(ctx, 1_000_000); err != nil {
				t.Fatal(err)
			}
			return
		}
		got, err := db.Analysed(ctx)
		if err != nil || got["counters"] {
			t.Fatalf("after a small load: analysed %v, %v", got, err)
		}
		if err := db.Analyzed(ctx, 1_000_000); err != nil {
			t.Fatal(err)
		}
		if err := db.Analyzed(ctx, 1_000_000, "scores"); err != nil {
			t.Fatal(err)
		}
		got, err = db.Analysed(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, table := range []string{"customers", "transactions", "transaction_lines", "events", "counters", "counter_days", "consents", "scores"} {
			if !got[table] {
				t.Errorf("%s not analysed after a large load (analysed: %v)", table, got)
			}
		}
	})
}
