package report_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"clientele"

	"clientele/internal/report"
	"clientele/internal/store"
)

// BenchmarkEquity1M builds the equity report — CE over the runs,
// concentration, quantiles — and its charts over 1,000,000 scored customers
// on SQLite.
func BenchmarkEquity1M(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	run, err := db.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", TimeZone: "UTC", Currency: "USD",
		Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 1_000_000, Converged: true})
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	scores := make([]clientele.Score, 1_000_000)
	for i := range scores {
		scores[i] = clientele.Score{CustomerID: fmt.Sprintf("C%08d", i), ProbAlive: rng.Float64(), ExpectedPurchases: rng.Float64() * 5,
			ExpectedSpend: int64(rng.IntN(10000)), DERT: rng.Float64() * 5, CLV: int64(rng.ExpFloat64() * 30000)}
	}
	if err := db.Write(ctx, func(w *store.Writer) error { return w.Scores(ctx, run, scores) }); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		r, err := report.Equity(ctx, db, map[string]float64{"rival": 1e9}, time.UTC)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Document(); err != nil {
			b.Fatal(err)
		}
		if r.Customers != 1_000_000 {
			b.Fatalf("%d customers", r.Customers)
		}
	}
}
