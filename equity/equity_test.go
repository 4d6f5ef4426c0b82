package equity_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"clientele/equity"
)

func checkNear(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Max(math.Abs(want), 1) {
		t.Errorf("%s = %.9g, want %.9g", what, got, want)
	}
}

// The worked example of ../shared/reference/rlz-example.md (Rust, Lemon &
// Zeithaml 2004, "Return on Marketing", Journal of Marketing 68(1)): three
// brands, three respondents; every number to 1e-6.
var (
	rlzMarket = equity.Market{
		Brands:       []equity.Brand{{"A", 100, "firm1"}, {"B", 90, "firm1"}, {"C", 80, "firm2"}},
		DiscountRate: 0.10, HorizonYears: 3, Size: 1_000_000,
	}
	rlzCoef = equity.Coefficients{Inertia: 1.0, Drivers: []float64{0.5, 0.3}}
	rlzResp = []equity.Respondent{
		{Ratings: [][]float64{{4, 3}, {3, 4}, {2, 2}}, Last: 0, Frequency: 2, Chosen: -1},
		{Ratings: [][]float64{{3, 3}, {4, 3}, {3, 2}}, Last: 1, Frequency: 4, Chosen: -1},
		{Ratings: [][]float64{{2, 2}, {3, 3}, {4, 4}}, Last: 2, Frequency: 1, Chosen: -1},
	}
)

func TestRLZGolden(t *testing.T) {
	switching := [][][]float64{
		{{0.713545, 0.214916, 0.071539}, {0.285872, 0.636219, 0.077909}, {0.390694, 0.319873, 0.289433}},
		{{0.532180, 0.322784, 0.145036}, {0.160707, 0.720238, 0.119055}, {0.214478, 0.353615, 0.431906}},
		{{0.274661, 0.224874, 0.500465}, {0.083315, 0.504025, 0.412661}, {0.059919, 0.133352, 0.806730}},
	}
	for i, r := range rlzResp {
		M := rlzCoef.Switching(r)
		for k := range 3 {
			for j := range 3 {
				if math.Abs(M[k][j]-switching[i][k][j]) > 5e-7 {
					t.Errorf("respondent %d: M[%d][%d] = %.6f, want %.6f", i+1, k, j, M[k][j], switching[i][k][j])
				}
			}
		}
	}
	clv := [][]float64{
		{347.638684, 186.596271, 43.632449},
		{288.835493, 580.317145, 158.136543},
		{25.727325, 57.812749, 206.977189},
	}
	for i, r := range rlzResp {
		got := rlzCoef.CLV(r, rlzMarket)
		for j := range 3 {
			if math.Abs(got[j]-clv[i][j]) > 1e-6 {
				t.Errorf("CLV of respondent %d to %s = %.6f, want %.6f", i+1, rlzMarket.Brands[j].Name, got[j], clv[i][j])
			}
		}
	}
	res := rlzCoef.Equity(rlzResp, rlzMarket)
	for j, want := range []float64{220.733834, 274.908722, 136.248727} {
		if math.Abs(res.MeanCLV[j]-want) > 1e-6 {
			t.Errorf("mean CLV %d = %.6f, want %.6f", j, res.MeanCLV[j], want)
		}
		// The example gives CE to the unit: mean CLV (6 decimals) × 1,000,000.
		if math.Abs(res.Equity[j]-want*1e6) > 0.5 {
			t.Errorf("CE %d = %.2f, want %.0f", j, res.Equity[j], want*1e6)
		}
	}
	for j, want := range []float64{0.349322, 0.435057, 0.215621} {
		if math.Abs(res.Share[j]-want) > 5e-7 {
			t.Errorf("share %d = %.6f, want %.6f", j, res.Share[j], want)
		}
	}

	// Brand A raises driver 1 by 0.2, spending 5M now and 5M in a year.
	w, err := rlzCoef.Apply(rlzResp, rlzMarket, equity.WhatIf{Brand: 0, Driver: 0, Delta: 0.2,
		Spend: []equity.Spend{{5_000_000, 0}, {5_000_000, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for j, want := range []float64{237.571777, 263.430967, 132.980822} {
		if math.Abs(w.After.MeanCLV[j]-want) > 1e-6 {
			t.Errorf("mean CLV after, %d = %.6f, want %.6f", j, w.After.MeanCLV[j], want)
		}
	}
	for j, want := range []float64{0.374729, 0.415517, 0.209754} {
		if math.Abs(w.SharesAfter[j]-want) > 5e-7 {
			t.Errorf("share after, %d = %.6f, want %.6f", j, w.SharesAfter[j], want)
		}
	}
	if math.Abs(w.DiscountedSpend-9_545_454.55) > 0.005 {
		t.Errorf("E = %.2f, want 9,545,454.55", w.DiscountedSpend)
	}
	if math.Abs(w.DeltaCE-16_837_942.53) > 0.01 {
		t.Errorf("ΔCE_A = %.2f, want 16,837,942.53", w.DeltaCE)
	}
	if math.Abs(w.ROI-0.763975) > 5e-7 {
		t.Errorf("ROI = %.6f, want 0.763975", w.ROI)
	}
	if math.Abs(w.PortfolioBefore-495_642_556) > 1 || math.Abs(w.PortfolioAfter-501_002_744) > 1 || math.Abs(w.PortfolioDeltaCE-5_360_188) > 1 {
		t.Errorf("portfolio %.0f → %.0f (Δ %.0f), want 495,642,556 → 501,002,744 (+5,360,188)", w.PortfolioBefore, w.PortfolioAfter, w.PortfolioDeltaCE)
	}
}

// Estimation recovers the coefficients of simulated respondents.
func TestRLZRecovery(t *testing.T) {
	truth := equity.Coefficients{Inertia: 1.2, Drivers: []float64{0.6, 0.25, 0.4}}
	rng := rand.New(rand.NewPCG(4, 2))
	const J = 4
	var rs []equity.Respondent
	for range 20000 {
		r := equity.Respondent{Last: rng.IntN(J), Frequency: 1 + rng.Float64()*5}
		for range J {
			r.Ratings = append(r.Ratings, []float64{1 + 4*rng.Float64(), 1 + 4*rng.Float64(), 1 + 4*rng.Float64()})
		}
		p := truth.Switching(r)[r.Last]
		u, c := rng.Float64(), 0.0
		r.Chosen = J - 1
		for j, pj := range p {
			c += pj
			if u < c {
				r.Chosen = j
				break
			}
		}
		rs = append(rs, r)
	}
	est, se, ll, err := equity.Estimate(rs, 3)
	if err != nil {
		t.Fatal(err)
	}
	if !(ll < 0) {
		t.Errorf("log-likelihood %v", ll)
	}
	if math.Abs(est.Inertia-truth.Inertia) > 3*se.Inertia {
		t.Errorf("inertia %.4f ± %.4f, truth %v", est.Inertia, se.Inertia, truth.Inertia)
	}
	for d := range truth.Drivers {
		if math.Abs(est.Drivers[d]-truth.Drivers[d]) > 3*se.Drivers[d] {
			t.Errorf("driver %d: %.4f ± %.4f, truth %v", d, est.Drivers[d], se.Drivers[d], truth.Drivers[d])
		}
	}
}

// Closed forms against ../shared/reference/clv-reference.md.
func TestClosedForms(t *testing.T) {
	// Gupta & Lehmann (2003): m = 80, r = 0.84, i = 0.12.
	checkNear(t, "margin multiple", equity.MarginMultiple(80, 0.84, 0.12), 240, 1e-12)
	checkNear(t, "retention elasticity", equity.RetentionElasticity(0.84, 0.12), 4.0, 1e-12)
	checkNear(t, "five periods", equity.MarginMultipleFinite(80, 0.84, 0.12, 5), 183.046875, 1e-12)
	// Blattberg & Deighton (1996).
	checkNear(t, "Blattberg–Deighton", equity.BlattbergDeighton(0.2, 100, 10, 15, 0.6, 0.1), 28.0, 1e-12)
	// Customer equity with acquisitions; segment value; share.
	checkNear(t, "CE", equity.CustomerEquity([]float64{10, 20, 30}, equity.Acquisition{Prospects: 100, Rate: 0.1, CLV: 25, Cost: 5}), 260, 1e-12)
	mean, value := equity.SegmentLifetimeValue([]float64{10, 20, 30})
	checkNear(t, "segment mean", mean, 20, 1e-12)
	checkNear(t, "segment value", value, 60, 1e-12)
	checkNear(t, "share", equity.Share(25, 25, 75), 0.25, 1e-12)
}

// Pfeifer & Carraway (2000): a two-state chain checked by hand and by the
// matrix inverse.
func TestMarkov(t *testing.T) {
	m := equity.Markov{P: [][]float64{{0.7, 0.3}, {0.2, 0.8}}, Reward: []float64{100, 0}, Discount: 0.1}
	v1, err := m.Value(1)
	if err != nil {
		t.Fatal(err)
	}
	// V = R + P R/(1.1): state 0: 100 + 70/1.1; state 1: 20/1.1.
	checkNear(t, "V1[0]", v1[0], 100+70/1.1, 1e-12)
	checkNear(t, "V1[1]", v1[1], 20/1.1, 1e-12)
	vInf, err := m.ValueForever()
	if err != nil {
		t.Fatal(err)
	}
	// Solve (I − P/1.1) V = R by hand: a = 1−0.7/1.1, b = −0.3/1.1, c = −0.2/1.1, d = 1−0.8/1.1.
	a, b, c, d := 1-0.7/1.1, -0.3/1.1, -0.2/1.1, 1-0.8/1.1
	det := a*d - b*c
	checkNear(t, "V∞[0]", vInf[0], 100*d/det, 1e-12)
	checkNear(t, "V∞[1]", vInf[1], -100*c/det, 1e-12)
	long, _ := m.Value(2000)
	checkNear(t, "V2000 → V∞", long[0], vInf[0], 1e-9)
	for _, bad := range []equity.Markov{{P: [][]float64{{0.5, 0.4}, {0, 1}}, Reward: []float64{1, 1}}, {P: [][]float64{{1}}, Reward: []float64{1, 2}}} {
		if _, err := bad.Value(3); err == nil {
			t.Errorf("Value(%v): no error", bad)
		}
	}
}

func TestTransitionsAndProjection(t *testing.T) {
	P := equity.TransitionMatrix([][]float64{{8, 2}, {1, 3}, {0, 0}}[:2])
	checkNear(t, "P[0][1]", P[0][1], 0.2, 1e-15)
	checkNear(t, "P[1][0]", P[1][0], 0.25, 1e-15)
	if P := equity.TransitionMatrix([][]float64{{0, 0}, {1, 1}}); P[0][0] != 1 || P[0][1] != 0 {
		t.Errorf("a state never left stays put: %v", P)
	}
	proj := equity.Project(P, []float64{1, 0}, 200)
	// The stationary distribution of [[0.8, 0.2], [0.25, 0.75]]: π0 = 0.25/0.45.
	checkNear(t, "stationary", proj[199][0], 0.25/0.45, 1e-12)
	checkNear(t, "first step", proj[0][1], 0.2, 1e-15)
}

// Newcombe (1998), Statistics in Medicine 17:873–890, Table II, example
// (a): 56/70 against 48/80; the hybrid score interval (method 10) is
// 0.0524 to 0.3339.
func TestDiffProportionsNewcombe(t *testing.T) {
	iv := equity.DiffProportions(56, 70, 48, 80, 0.95)
	checkNear(t, "difference", iv.Estimate, 0.2, 1e-12)
	if math.Abs(iv.Low-0.0524) > 5e-5 || math.Abs(iv.High-0.3339) > 5e-5 {
		t.Errorf("interval [%.4f, %.4f], want [0.0524, 0.3339]", iv.Low, iv.High)
	}
	// Bounded at the extremes, where the Wald interval is not.
	if iv := equity.DiffProportions(10, 10, 0, 10, 0.95); iv.High > 1 || iv.Low < 0 || iv.Estimate != 1 {
		t.Errorf("10/10 against 0/10: %+v", iv)
	}
}

// Welch's interval is centred on the difference, and for large samples
// comes to the normal one, diff ± 1.96 se.
func TestDiffMeansWelch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var a, b []float64
	for range 200000 {
		a = append(a, 10+3*rng.NormFloat64())
		b = append(b, 9+1*rng.NormFloat64())
	}
	ta, tb := equity.Summarise(a), equity.Summarise(b)
	iv := equity.DiffMeans(ta, tb, 0.95)
	se := math.Sqrt(ta.Variance/float64(ta.N) + tb.Variance/float64(tb.N))
	checkNear(t, "low", iv.Low, iv.Estimate-1.959964*se, 1e-4)
	checkNear(t, "high", iv.High, iv.Estimate+1.959964*se, 1e-4)
	if !iv.Contains(1) {
		t.Errorf("the true difference 1 is not in %+v", iv)
	}
	// Small samples: wider than the normal interval (t with few degrees
	// of freedom), and NaN below two values.
	small := equity.DiffMeans(equity.Summarise([]float64{1, 2, 3}), equity.Summarise([]float64{0, 1}), 0.95)
	if !(small.High-small.Estimate > 1.96*math.Sqrt(1.0/3+0.5/2)) {
		t.Errorf("small samples: %+v", small)
	}
	if iv := equity.DiffMeans(equity.Summarise([]float64{1}), equity.Summarise([]float64{0, 1}), 0.95); !math.IsNaN(iv.Low) {
		t.Errorf("one value: %+v", iv)
	}
}
