package segment_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"clientele"

	"clientele/internal/segment"
	"clientele/internal/store"
)

// benchInputs makes n customers' variables, as Inputs would from the
// database, with RFM quintiles, tiers, ages and spend by category.
func benchInputs(n int, rng *rand.Rand) []*segment.Input {
	cats := []string{"grocery", "baby", "electronics", "apparel", "travel"}
	tiers := []string{"", "", "gold", "gold", "platinum"}
	ins := make([]*segment.Input, n)
	for i := range ins {
		spend := map[string]float64{}
		for _, c := range cats {
			if rng.IntN(3) == 0 {
				spend[c] = rng.Float64() * 500
			}
		}
		tx := int64(rng.IntN(40))
		r, f, m := int64(rng.IntN(5)+1), int64(rng.IntN(5)+1), int64(rng.IntN(5)+1)
		ins[i] = &segment.Input{ID: fmt.Sprintf("C%08d", i),
			Customer: &segment.Customer{ID: fmt.Sprintf("C%08d", i), Age: int64(18 + rng.IntN(70)), TenureDays: int64(rng.IntN(3000)), Attributes: map[string]any{}},
			Account:  &segment.Account{Tier: tiers[rng.IntN(len(tiers))], Cards: 1},
			CLV:      &segment.CLV{Scored: true, Value: rng.ExpFloat64() * 300, PAlive: rng.Float64()},
			RFM:      &segment.RFM{R: r, F: f, M: m, Score: 100*r + 10*f + m},
			Activity: &segment.Activity{Transactions: tx, Revenue: float64(tx) * 30, DaysSinceLast: int64(rng.IntN(700)), SpendByCategory: spend, SpendByBrand: map[string]float64{}},
		}
	}
	return ins
}

// BenchmarkRefresh1M recomputes the membership of the five RFM segments and
// three others for 1,000,000 customers after 5 % of them changed, on
// SQLite: evaluation on all cores, the diff against the stored members, and
// the joins, leaves and history written in one transaction per segment.
func BenchmarkRefresh1M(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	defs := []clientele.Segment{
		{Name: "retirees", Definition: "customer.age >= 65"},
		{Name: "affluent", Definition: `clv.value >= 2000.0 || account.tier == "platinum"`},
		{Name: "new-parents", Definition: `"baby" in activity.spend_by_category && activity.spend_by_category["baby"] > 100.0`},
	}
	for _, p := range segment.RFMPresets {
		defs = append(defs, clientele.Segment{Name: p.Name, Definition: p.Expr})
	}
	for _, s := range defs {
		if _, err := db.CreateSegment(ctx, s); err != nil {
			b.Fatal(err)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	ins := benchInputs(1_000_000, rng)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	if _, err := segment.Refresh(ctx, db, ins, nil, now); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for range len(ins) / 20 {
			in := ins[rng.IntN(len(ins))]
			in.CLV.Value = rng.ExpFloat64() * 300
			in.RFM.R = int64(rng.IntN(5) + 1)
			in.RFM.Score = 100*in.RFM.R + 10*in.RFM.F + in.RFM.M
			in.Customer.Age++
		}
		b.StartTimer()
		if _, err := segment.Refresh(ctx, db, ins, nil, now.Add(time.Duration(i+1)*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}
