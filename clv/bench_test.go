package clv_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"clientele/clv"
)

var (
	benchOnce sync.Once
	bench1M   []clv.RFM
)

// simulated returns 1,000,000 BG/NBD customers observed 26 to 78 weeks, with
// times in whole days (as summaries from a database are), one row each.
func simulated() []clv.RFM {
	benchOnce.Do(func() {
		m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
		rng := rand.New(rand.NewPCG(1, 1))
		bench1M = make([]clv.RFM, 1_000_000)
		for i := range bench1M {
			T := float64(182+rng.IntN(365)) / 7
			_, times := m.Simulate(rng, T)
			d := clv.RFM{X: float64(len(times)), T: T}
			if len(times) > 0 {
				d.TX = math.Min(math.Floor(times[len(times)-1]*7)/7, T)
			}
			bench1M[i] = d
		}
	})
	return bench1M
}

func benchFit(b *testing.B, n int, fit func([]clv.RFM) error) {
	data := simulated()[:n]
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if err := fit(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFitBGNBD1M fits BG/NBD to 1,000,000 customers, one row each;
// collapsing identical rows is part of the fit.
func BenchmarkFitBGNBD1M(b *testing.B) {
	benchFit(b, 1_000_000, func(d []clv.RFM) error { _, _, err := clv.FitBGNBD(d, nil); return err })
}

// BenchmarkFitParetoNBD100k fits Pareto/NBD to 100,000 customers.
func BenchmarkFitParetoNBD100k(b *testing.B) {
	benchFit(b, 100_000, func(d []clv.RFM) error { _, _, err := clv.FitParetoNBD(d, nil); return err })
}

// BenchmarkFitParetoNBD1M fits Pareto/NBD to 1,000,000 customers.
func BenchmarkFitParetoNBD1M(b *testing.B) {
	benchFit(b, 1_000_000, func(d []clv.RFM) error { _, _, err := clv.FitParetoNBD(d, nil); return err })
}

// BenchmarkScoreBGNBD1M computes P(alive), expected purchases over 52 weeks
// and DERT (15 % a year, 52 weeks) for 1,000,000 customers on all cores.
func BenchmarkScoreBGNBD1M(b *testing.B) {
	data := simulated()
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	delta := math.Log(1.15) / 52
	out := make([]float64, len(data))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		const workers = 2
		chunk := len(data) / workers
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w * chunk; i < (w+1)*chunk; i++ {
					d := data[i]
					out[i] = m.ProbAlive(d.X, d.TX, d.T) + m.ConditionalExpectedPurchases(52, d.X, d.TX, d.T) + m.DERT(d.X, d.TX, d.T, delta, 52)
				}
			}()
		}
		wg.Wait()
	}
}

// BenchmarkCollapse1M merges the identical rows of 1,000,000 customers
// (302,353 distinct), the first step of every fit.
func BenchmarkCollapse1M(b *testing.B) {
	data := simulated()
	b.ReportAllocs()
	for b.Loop() {
		clv.Collapse(data)
	}
}
