package clv_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"

	"clientele/clv"
)

// The paper's fit on the CDNOW sample: Fader, Hardie & Lee (2005),
// "Counting Your Customers the Easy Way", Marketing Science 24(2), section 4:
// r = 0.243, α = 4.414, a = 0.793, b = 2.426; more digits and LL = −9582.4
// from ../shared/reference/clv-reference.md.
func TestFitBGNBDCDNOW(t *testing.T) {
	m, fit, err := clv.FitBGNBD(cdnow(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fit.Converged {
		t.Errorf("not converged: %s", fit.Status)
	}
	// The likelihood is flat along (a, b) at this scale (their standard
	// errors are 0.19 and 0.71): points 1e-4 apart have the same
	// log-likelihood to 1e-6, so the estimates are compared at 1e-4 and the
	// maximum itself more tightly.
	for i, want := range []float64{0.242594, 4.413587, 0.792921, 2.425945} {
		checkNear(t, fit.Names[i], fit.Params[i], want, 1e-4)
	}
	refLL := 0.0
	for _, d := range cdnow(t) {
		refLL += cdnowLong.LogLikelihood(d.X, d.TX, d.T)
	}
	if fit.LogLikelihood < refLL-1e-5 {
		t.Errorf("log-likelihood %.7f is below the reference estimate's %.7f", fit.LogLikelihood, refLL)
	}
	// Three decimals, as the paper prints them.
	got := fmt.Sprintf("%.3f %.3f %.3f %.3f", m.R, m.Alpha, m.A, m.B)
	if got != "0.243 4.414 0.793 2.426" {
		t.Errorf("parameters to three decimals: %s", got)
	}
	if math.Abs(fit.LogLikelihood-(-9582.4)) > 0.05 {
		t.Errorf("log-likelihood %.3f, want −9582.4", fit.LogLikelihood)
	}
	if fit.Customers != 2357 {
		t.Errorf("customers = %v", fit.Customers)
	}
	for i, se := range fit.StdErrors {
		if !(se > 0 && se < fit.Params[i]) {
			t.Errorf("standard error of %s = %v", fit.Names[i], se)
		}
	}
}

var cdnowLong = clv.BGNBD{R: 0.242594, Alpha: 4.413587, A: 0.792921, B: 2.425945}
var cdnowRounded = clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}

// Conditional expectation for x = 2, t_x = 30.43, T = 38.86 over 39 weeks:
// 1.226 in FHL (2005); 1.225913 with the longer parameters.
func TestBGNBDConditionalExpectation(t *testing.T) {
	checkNear(t, "E[Y(39)] (long parameters)", cdnowLong.ConditionalExpectedPurchases(39, 2, 30.43, 38.86), 1.225913, 1e-6)
	if got := cdnowRounded.ConditionalExpectedPurchases(39, 2, 30.43, 38.86); math.Abs(got-1.226) > 0.0005 {
		t.Errorf("E[Y(39)] (paper's parameters) = %.4f, want 1.226", got)
	}
	checkNear(t, "P(alive)", cdnowRounded.ProbAlive(2, 30.43, 38.86), 0.726579, 1e-6)
}

// Unconditional E[X(t)], Hardie's BG/NBD spreadsheet.
func TestBGNBDExpectedPurchases(t *testing.T) {
	for i, tc := range []struct{ t, want float64 }{
		{0.1429, 0.007816}, {1, 0.053184}, {3, 0.150631}, {31.8571, 1.040494}, {32, 1.043737}, {78, 1.857971},
	} {
		checkNear(t, fmt.Sprintf("E[X(%v)] #%d", tc.t, i), cdnowLong.ExpectedPurchases(tc.t), tc.want, 5e-5)
	}
}

// P(X(t) = k) sums to one, and its mean is E[X(t)].
func TestBGNBDProbPurchases(t *testing.T) {
	sum, mean := 0.0, 0.0
	for k := range 200 {
		p := cdnowLong.ProbPurchases(39, k)
		if p < 0 || p > 1 {
			t.Fatalf("P(X=%d) = %v", k, p)
		}
		sum += p
		mean += float64(k) * p
	}
	checkNear(t, "Σ P(X(39)=k)", sum, 1, 1e-9)
	checkNear(t, "Σ k P(X(39)=k)", mean, cdnowLong.ExpectedPurchases(39), 1e-6)
}

// DERT with no discount and a finite horizon is the conditional
// expectation; with a discount it is smaller, and it grows with the horizon.
func TestBGNBDDERT(t *testing.T) {
	e := cdnowLong.ConditionalExpectedPurchases(52, 2, 30.43, 38.86)
	checkNear(t, "DERT(δ=0, 52)", cdnowLong.DERT(2, 30.43, 38.86, 0, 52), e, 1e-12)
	d52 := cdnowLong.DERT(2, 30.43, 38.86, math.Log(1.15)/52, 52)
	dInf := cdnowLong.DERT(2, 30.43, 38.86, math.Log(1.15)/52, math.Inf(1))
	if !(d52 < e && d52 > 0.9*e && dInf > d52) {
		t.Errorf("DERT: 52 weeks %v (undiscounted %v), forever %v", d52, e, dInf)
	}
}

// Parameter recovery: 100,000 simulated customers; every estimate within
// two standard errors... of the truth, with a margin: 3 SE, so that the test
// fails by chance with probability < 1 % across the four parameters.
func TestBGNBDRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("recovery on 100,000 customers")
	}
	truth := clv.BGNBD{R: 0.5, Alpha: 6, A: 0.7, B: 3}
	rng := rand.New(rand.NewPCG(42, 1))
	data := make([]clv.RFM, 100000)
	for i := range data {
		T := 26 + rng.Float64()*52
		_, times := truth.Simulate(rng, T)
		d := clv.RFM{X: float64(len(times)), T: math.Round(T*7) / 7}
		if len(times) > 0 {
			d.TX = math.Min(math.Round(times[len(times)-1]*7)/7, d.T)
		}
		data[i] = d
	}
	_, fit, err := clv.FitBGNBD(data, nil)
	recovers(t, fit, err, truth.Params())
}

func TestFitBGNBDBadData(t *testing.T) {
	for _, bad := range [][]clv.RFM{
		nil,
		{{X: -1, T: 1}},
		{{X: 1.5, TX: 1, T: 2}},
		{{X: 1, TX: 3, T: 2}},
		{{X: 0, TX: 1, T: 2}},
		{{X: 1, TX: 1, T: 0}},
		{{X: 1, TX: 1, T: math.NaN()}},
		{{X: 1, TX: 1, T: 2, W: -1}},
	} {
		if _, _, err := clv.FitBGNBD(bad, nil); err == nil {
			t.Errorf("FitBGNBD(%v): no error", bad)
		}
	}
}

// The posterior integral that backs up 2F1 agrees with the closed forms
// where both work.
func TestBGNBDPosteriorIntegral(t *testing.T) {
	for _, m := range []clv.BGNBD{cdnowLong, {R: 2, Alpha: 10, A: 3, B: 0.5}, {R: 0.5, Alpha: 1, A: 0.2, B: 20}} {
		for _, d := range []clv.RFM{{X: 0, T: 38.86}, {X: 2, TX: 30.43, T: 38.86}, {X: 15, TX: 10, T: 60}} {
			got := clv.AliveExpected(m.R+d.X, m.Alpha+d.T, m.A, m.B+d.X, 39) * m.ProbAlive(d.X, d.TX, d.T)
			checkNear(t, fmt.Sprint(m, d), got, m.ConditionalExpectedPurchases(39, d.X, d.TX, d.T), 1e-6)
		}
		checkNear(t, fmt.Sprint(m, " E[X(39)]"), clv.AliveExpected(m.R, m.Alpha, m.A, m.B, 39), m.ExpectedPurchases(39), 1e-6)
	}
}

// The standard errors (forward differences of the analytic gradient) agree
// with those from second differences of the log-likelihood's value alone,
// an independent route to the same observed information.
func TestStdErrorsBGNBD(t *testing.T) {
	data := cdnow(t)
	m, fit, err := clv.FitBGNBD(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	ll := func(p []float64) float64 {
		mm := clv.BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3]}
		s := 0.0
		for _, d := range data {
			s += mm.LogLikelihood(d.X, d.TX, d.T)
		}
		return s
	}
	p := []float64{m.R, m.Alpha, m.A, m.B}
	h := mat.NewSymDense(4, nil)
	for i := range 4 {
		for j := i; j < 4; j++ {
			hi, hj := 1e-4*p[i], 1e-4*p[j]
			at := func(si, sj float64) float64 {
				q := slices.Clone(p)
				q[i] += si * hi
				q[j] += sj * hj
				return ll(q)
			}
			h.SetSym(i, j, -(at(1, 1)-at(1, -1)-at(-1, 1)+at(-1, -1))/(4*hi*hj))
		}
	}
	var inv mat.Dense
	if err := inv.Inverse(h); err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		want := math.Sqrt(inv.At(i, i))
		if math.Abs(fit.StdErrors[i]-want) > 1e-3*want {
			t.Errorf("standard error of %s = %.6f, from second differences %.6f", fit.Names[i], fit.StdErrors[i], want)
		}
	}
}

// TestBGNBDPassMatchesRows checks the fit's likelihood pass, with its
// blocks of products and its branch-free weights, against the sum of each
// row's LogLikelihood and against central differences of that sum: rows of
// weight 1 (several blocks of them) and of other weights, both terms of the
// likelihood the larger one.
func TestBGNBDPassMatchesRows(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	var data []clv.RFM
	for i := range 5000 {
		T := float64(1+rng.IntN(546)) / 7
		_, times := m.Simulate(rng, T)
		d := clv.RFM{X: float64(len(times)), T: T}
		if len(times) > 0 {
			d.TX = times[len(times)-1]
		}
		if i%3 == 0 {
			d.W = []float64{1, 2, 0.25, 17}[i%4]
		}
		data = append(data, d)
	}
	sum := func(p []float64) float64 {
		mm := clv.BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3]}
		s := 0.0
		for _, d := range data {
			w := d.W
			if w == 0 {
				w = 1
			}
			s += w * mm.LogLikelihood(d.X, d.TX, d.T)
		}
		return s
	}
	for _, p := range [][]float64{{0.243, 4.414, 0.793, 2.426}, {2, 0.5, 3, 0.2}, {0.05, 40, 0.1, 9}} {
		grad := make([]float64, 4)
		got, want := clv.BGNBDPass(data, p, grad), sum(p)
		if math.Abs(got-want) > 1e-10*math.Abs(want) {
			t.Errorf("%v: pass %.12f, rows %.12f", p, got, want)
		}
		for i := range p {
			h := 1e-6 * p[i]
			up, down := slices.Clone(p), slices.Clone(p)
			up[i] += h
			down[i] -= h
			num := (sum(up) - sum(down)) / (2 * h)
			if math.Abs(grad[i]-num) > 1e-5*math.Max(1, math.Abs(num)) {
				t.Errorf("%v: dLL/d%s = %.8f, numerically %.8f", p, []string{"r", "alpha", "a", "b"}[i], grad[i], num)
			}
		}
	}
}
