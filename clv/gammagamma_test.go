package clv_test

import (
	"math/rand/v2"
	"testing"

	"clientele/clv"
)

// Fader & Hardie (2013), note 025, with p = 6.25, q = 3.74, γ = 15.44:
// E[M | x = 2, m̄ = 35] = 35.039370; population mean 35.218978.
func TestGammaGammaNote025(t *testing.T) {
	m := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	checkNear(t, "E[M | 2, 35]", m.ExpectedSpend(2, 35), 35.039370, 1e-7)
	checkNear(t, "mean spend", m.MeanSpend(), 35.218978, 1e-7)
	checkNear(t, "E[M | 0, ·]", m.ExpectedSpend(0, 0), m.MeanSpend(), 1e-15)
}

// Recovery: 100,000 customers with Gamma-Gamma spend.
func TestGammaGammaRecovery(t *testing.T) {
	truth := clv.GammaGamma{P: 6.25, Q: 3.74, Gamma: 15.44}
	rng := rand.New(rand.NewPCG(7, 7))
	data := make([]clv.Spend, 100000)
	for i := range data {
		x := 1 + rng.IntN(8)
		nu := truth.SimulateNu(rng)
		s := 0.0
		for range x {
			s += truth.SimulateSpend(rng, nu)
		}
		data[i] = clv.Spend{X: float64(x), M: s / float64(x)}
	}
	_, fit, err := clv.FitGammaGamma(data, nil)
	recovers(t, fit, err, truth.Params())
}

func TestGammaGammaBadData(t *testing.T) {
	for _, bad := range [][]clv.Spend{nil, {{X: 0, M: 0}}, {{X: 1, M: -2}}, {{X: 1.5, M: 2}}} {
		if _, _, err := clv.FitGammaGamma(bad, nil); err == nil {
			t.Errorf("FitGammaGamma(%v): no error", bad)
		}
	}
}
