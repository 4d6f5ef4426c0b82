package clv_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"

	"clientele/clv"
)

func donations(t testing.TB) []clv.Discrete {
	var data []clv.Discrete
	for _, r := range readCSV(t, "testdata/donations.csv") {
		data = append(data, clv.Discrete{X: r[0], TX: r[1], N: r[2], W: r[3]})
	}
	return data
}

// DERT at α = 1.20, β = 0.75, γ = 0.66, δ = 2.78, d = 0.1, n = 6
// (../shared/reference/clv-reference.md, computed from Fader, Hardie & Shang
// 2010, eq. 14).
func TestBGBBDERT(t *testing.T) {
	m := clv.BGBB{Alpha: 1.20, Beta: 0.75, Gamma: 0.66, Delta: 2.78}
	checkNear(t, "DERT(x=3, t_x=4)", m.DERT(3, 4, 6, 0.1), 1.621379, 1e-6)
	for x, want := range []float64{1.802045, 2.621156, 3.440267, 4.259379, 5.078490, 5.897601} {
		checkNear(t, fmt.Sprintf("DERT(x=%d, t_x=6)", x+1), m.DERT(float64(x+1), 6, 6, 0.1), want, 1e-6)
	}
}

// The donations data: FHS (2010) report α = 1.204, β = 0.750, γ = 0.657,
// δ = 2.783 and LL = −33,225.6.
func TestFitBGBBDonations(t *testing.T) {
	m, fit, err := clv.FitBGBB(donations(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fit.Converged || fit.Customers != 11104 {
		t.Errorf("converged %v, customers %v", fit.Converged, fit.Customers)
	}
	got := fmt.Sprintf("%.3f %.3f %.3f %.3f", m.Alpha, m.Beta, m.Gamma, m.Delta)
	if got != "1.204 0.750 0.657 2.783" {
		t.Errorf("parameters %s, want 1.204 0.750 0.657 2.783", got)
	}
	if math.Abs(fit.LogLikelihood-(-33225.6)) > 0.1 {
		t.Errorf("LL = %.2f, want −33225.6", fit.LogLikelihood)
	}
}

// Probabilities of all histories over n opportunities sum to one.
func TestBGBBLikelihoodSumsToOne(t *testing.T) {
	m := clv.BGBB{Alpha: 1.2, Beta: 0.75, Gamma: 0.66, Delta: 2.78}
	const n = 5
	total := 0.0
	for mask := 0; mask < 1<<n; mask++ {
		x, tx := 0, 0
		for i := range n {
			if mask&(1<<i) != 0 {
				x++
				tx = i + 1
			}
		}
		// A history's likelihood depends on (x, t_x) only; each pattern counts once.
		total += math.Exp(m.LogLikelihood(float64(x), float64(tx), n))
	}
	checkNear(t, "Σ P(history)", total, 1, 1e-9)
}

// Recovery: 100,000 simulated donors over 6 opportunities.
func TestBGBBRecovery(t *testing.T) {
	truth := clv.BGBB{Alpha: 1.2, Beta: 0.75, Gamma: 0.66, Delta: 2.78}
	rng := rand.New(rand.NewPCG(5, 5))
	const n = 6
	counts := map[[2]int]float64{}
	for range 100000 {
		p := distBeta(rng, truth.Alpha, truth.Beta)
		theta := distBeta(rng, truth.Gamma, truth.Delta)
		x, tx := 0, 0
		for i := 1; i <= n; i++ {
			if rng.Float64() < theta { // dies before opportunity i
				break
			}
			if rng.Float64() < p {
				x++
				tx = i
			}
		}
		counts[[2]int{x, tx}]++
	}
	var data []clv.Discrete
	for k, w := range counts {
		data = append(data, clv.Discrete{X: float64(k[0]), TX: float64(k[1]), N: n, W: w})
	}
	_, fit, err := clv.FitBGBB(data, nil)
	recovers(t, fit, err, truth.Params())
}

func distBeta(rng *rand.Rand, a, b float64) float64 {
	return distuv.Beta{Alpha: a, Beta: b, Src: rng}.Rand()
}
