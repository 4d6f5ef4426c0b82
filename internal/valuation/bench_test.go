package valuation

import (
	"math"
	"math/rand/v2"
	"testing"

	"clientele/clv"
)

// BenchmarkPredict1M computes P(alive), expected purchases over 52 weeks and
// DERT (15 % a year) for 1,000,000 simulated BG/NBD customers whose
// histories are in days, as `clientele score` does (without the database).
func BenchmarkPredict1M(b *testing.B) {
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	rng := rand.New(rand.NewPCG(1, 1))
	rows := make([]scoreRow, 1_000_000)
	for i := range rows {
		age := int32(182 + rng.IntN(365))
		_, times := m.Simulate(rng, float64(age)/7)
		r := scoreRow{x: int32(len(times)), T: age}
		if len(times) > 0 {
			r.tx = min(int32(times[len(times)-1]*7), age)
		}
		rows[i] = r
	}
	delta := math.Log(1.15) / 52
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		predict(bgnbd{m}, rows, 7, predictOptions{horizon: 52, delta: delta})
	}
}
