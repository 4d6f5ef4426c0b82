package clv_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"clientele/clv"
)

// MBG/NBD on simulated customers: the expected purchases match what the
// simulation produced, and a fit recovers the parameters.
func TestMBGNBDSimulation(t *testing.T) {
	truth := clv.MBGNBD{R: 0.5, Alpha: 6, A: 0.7, B: 3}
	rng := rand.New(rand.NewPCG(11, 2))
	const n = 100000
	const T = 52.0
	data := make([]clv.RFM, n)
	sum := 0.0
	for i := range data {
		_, times := truth.Simulate(rng, T)
		d := clv.RFM{X: float64(len(times)), T: T}
		if len(times) > 0 {
			d.TX = math.Round(times[len(times)-1]*7) / 7
		}
		data[i] = d
		sum += d.X
	}
	mean := sum / n
	if want := truth.ExpectedPurchases(T); math.Abs(mean-want) > 0.03*want {
		t.Errorf("simulated mean repeat purchases %.4f, E[X(52)] %.4f", mean, want)
	}
	_, fit, err := clv.FitMBGNBD(data, nil)
	recovers(t, fit, err, truth.Params())
	// Conditional expectations average to the unconditional one of the
	// next period: E over customers of E[Y(t) | history] = E[X(T+t)] − E[X(T)].
	m := clv.MBGNBD(truth)
	avg := 0.0
	for _, d := range data[:20000] {
		avg += m.ConditionalExpectedPurchases(26, d.X, d.TX, d.T)
	}
	avg /= 20000
	if want := m.ExpectedPurchases(T+26) - m.ExpectedPurchases(T); math.Abs(avg-want) > 0.05*want {
		t.Errorf("mean E[Y(26)|history] %.4f, E[X(78)] − E[X(52)] %.4f", avg, want)
	}
}
