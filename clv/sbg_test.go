package clv_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"clientele/clv"
)

// Fader & Hardie (2007), "How to Project Customer Retention", J. Interactive
// Marketing 21(1): customers of 1000 still active at the start of years
// 0…12; fitted on years 1…7.
var (
	regular = []float64{1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173}
	highEnd = []float64{1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394}
)

func TestFitSBGPaper(t *testing.T) {
	for _, tc := range []struct {
		name        string
		active      []float64
		alpha, beta float64
		ll          float64
		projection  []float64 // years 8…12 per 1000
	}{
		{"regular", regular, 0.704, 1.182, -1680.27, []float64{220.1, 204.4, 191.2, 179.9, 170.0}},
		{"high end", highEnd, 0.668, 3.806, -1611.16, []float64{460.4, 435.8, 414.2, 395.1, 378.0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, fit, err := clv.FitSBG(tc.active[:8], nil)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(m.Alpha-tc.alpha) > 0.0005 || math.Abs(m.Beta-tc.beta) > 0.0005 {
				t.Errorf("α, β = %.4f, %.4f; paper %.3f, %.3f", m.Alpha, m.Beta, tc.alpha, tc.beta)
			}
			if math.Abs(fit.LogLikelihood-tc.ll) > 0.005 {
				t.Errorf("LL = %.3f, paper %.2f", fit.LogLikelihood, tc.ll)
			}
			for i, want := range tc.projection {
				if got := 1000 * m.Survival(float64(8+i)); math.Abs(got-want) > 0.06 {
					t.Errorf("year %d: %.2f per 1000, paper %.1f", 8+i, got, want)
				}
			}
		})
	}
}

// Survival, churn probabilities and retention rates agree, and DERL equals
// the discounted sum of survival probabilities it stands for.
func TestSBGIdentities(t *testing.T) {
	m := clv.SBG{Alpha: 0.704, Beta: 1.182}
	s := 1.0
	for tt := 1; tt < 50; tt++ {
		s -= m.ChurnProb(tt)
		checkNear(t, "S(t)", m.Survival(float64(tt)), s, 1e-9)
		checkNear(t, "retention", m.Retention(tt), m.Survival(float64(tt))/m.Survival(float64(tt-1)), 1e-12)
	}
	const d = 0.1
	for _, n := range []int{1, 3, 10} {
		sum := 0.0
		for k := 0; k < 5000; k++ {
			// P(renews k+1 more times | active n periods), discounted.
			sum += m.Survival(float64(n+k)) / m.Survival(float64(n-1)) / math.Pow(1+d, float64(k))
		}
		checkNear(t, "DERL", m.DERL(n, d), sum, 1e-6)
	}
}

func TestFitSBGBadData(t *testing.T) {
	for _, bad := range [][]float64{nil, {1000}, {1000, 1200}, {0, 0}, {1000, -1}} {
		if _, _, err := clv.FitSBG(bad, nil); err == nil {
			t.Errorf("FitSBG(%v): no error", bad)
		}
	}
}

// Counts of churned and censored lifetimes give the same fit as the cohort
// table they come from.
func TestFitSBGCounts(t *testing.T) {
	active := regular[:8]
	churned := make([]float64, 8)
	censored := make([]float64, 8)
	for i := 1; i < 8; i++ {
		churned[i] = active[i-1] - active[i]
	}
	censored[7] = active[7]
	a, _, err := clv.FitSBG(active, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := clv.FitSBGCounts(churned, censored, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkNear(t, "alpha", b.Alpha, a.Alpha, 1e-9)
	checkNear(t, "beta", b.Beta, a.Beta, 1e-9)
	if _, _, err := clv.FitSBGCounts([]float64{0, 0}, []float64{0, 10}, nil); err == nil {
		t.Error("no churn: no error")
	}
}

// Recovery: 100,000 simulated subscribers observed for 8 periods.
func TestSBGRecovery(t *testing.T) {
	truth := clv.SBG{Alpha: 0.7, Beta: 1.2}
	rng := rand.New(rand.NewPCG(8, 8))
	const periods = 8
	active := make([]float64, periods+1)
	for range 100000 {
		theta := distBeta(rng, truth.Alpha, truth.Beta)
		active[0]++
		for t := 1; t <= periods; t++ {
			if rng.Float64() < theta {
				break
			}
			active[t]++
		}
	}
	_, fit, err := clv.FitSBG(active, nil)
	recovers(t, fit, err, truth.Params())
}
