package clv_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"clientele/clv"
)

// Reference values at r = 0.553, α = 10.578, s = 0.606, β = 11.669,
// δ = ln(1.15)/52 (../shared/reference/clv-reference.md; computed from the
// formulas and checked by quadrature); DERT as in Fader, Hardie & Lee (2005),
// "RFM and CLV", JMR 42(4), eq. 2.
var paretoRef = clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669}

func TestParetoNBDReference(t *testing.T) {
	delta := math.Log(1.15) / 52
	for _, tc := range []struct{ x, tx, T, alive, dert float64 }{
		{0, 0, 38.86, 0.2952866, 0.4784576695},
		{2, 30.43, 38.86, 0.86916756, 6.501730538},
		{7, 35, 38.86, 0.93608118, 20.71608289},
		{7, 35, 77.86, 0.058557395, 0.8953167426},
	} {
		name := fmt.Sprintf("x=%v t_x=%v T=%v", tc.x, tc.tx, tc.T)
		checkNear(t, name+" P(alive)", paretoRef.ProbAlive(tc.x, tc.tx, tc.T), tc.alive, 1e-6)
		checkNear(t, name+" DERT", paretoRef.DERT(tc.x, tc.tx, tc.T, delta), tc.dert, 1e-6)
		// The numerical integral over an infinite horizon agrees with the
		// closed form through Tricomi's U.
		checkNear(t, name+" DERT by quadrature", paretoRef.DERTHorizon(tc.x, tc.tx, tc.T, delta, 1e9), tc.dert, 1e-5)
	}
	checkNear(t, "likelihood", math.Exp(paretoRef.LogLikelihood(2, 30.43, 38.86)), 7.0896943e-5, 1e-6)
}

// The α < β branch of the likelihood agrees with the α > β branch where
// they meet.
func TestParetoNBDBranches(t *testing.T) {
	lo := clv.ParetoNBD{R: 0.5, Alpha: 10 - 1e-7, S: 0.7, Beta: 10}
	hi := clv.ParetoNBD{R: 0.5, Alpha: 10 + 1e-7, S: 0.7, Beta: 10}
	for _, d := range []clv.RFM{{X: 0, T: 30}, {X: 3, TX: 20, T: 30}, {X: 10, TX: 29, T: 30}} {
		checkNear(t, fmt.Sprint(d), lo.LogLikelihood(d.X, d.TX, d.T), hi.LogLikelihood(d.X, d.TX, d.T), 1e-6)
	}
}

// Pareto/NBD on the CDNOW sample: r = 0.55, α = 10.58, s = 0.61,
// β = 11.67 (Fader, Hardie & Lee 2005, "RFM and CLV", table 1; the
// reference's parameters rounded), LL −9595.0 (FHL 2005, "Counting Your
// Customers the Easy Way", table 1).
func TestFitParetoNBDCDNOW(t *testing.T) {
	m, fit, err := clv.FitParetoNBD(cdnow(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !fit.Converged {
		t.Errorf("not converged: %s", fit.Status)
	}
	got := fmt.Sprintf("%.2f %.2f %.2f %.2f", m.R, m.Alpha, m.S, m.Beta)
	if got != "0.55 10.58 0.61 11.67" {
		t.Errorf("parameters: %s, want 0.55 10.58 0.61 11.67", got)
	}
	if math.Abs(fit.LogLikelihood-(-9595.0)) > 0.1 {
		t.Errorf("LL = %.2f, want −9595.0", fit.LogLikelihood)
	}
}

func TestParetoNBDRecovery(t *testing.T) {
	if testing.Short() {
		t.Skip("recovery on 100,000 customers")
	}
	truth := clv.ParetoNBD{R: 0.6, Alpha: 8, S: 0.8, Beta: 15}
	rng := rand.New(rand.NewPCG(3, 9))
	data := make([]clv.RFM, 100000)
	for i := range data {
		T := 26 + math.Floor(rng.Float64()*52*7)/7
		_, times := truth.Simulate(rng, T)
		d := clv.RFM{X: float64(len(times)), T: T}
		if len(times) > 0 {
			d.TX = math.Min(math.Round(times[len(times)-1]*7)/7, T)
		}
		data[i] = d
	}
	_, fit, err := clv.FitParetoNBD(data, nil)
	recovers(t, fit, err, truth.Params())
}

// Where 2F1 is well behaved, the integral form of A0 agrees with it.
func TestParetoNBDIntegralForm(t *testing.T) {
	for _, m := range []clv.ParetoNBD{paretoRef, {R: 0.5, Alpha: 3, S: 0.7, Beta: 20}, {R: 2, Alpha: 30, S: 1.5, Beta: 5}} {
		for _, d := range []clv.RFM{{X: 2, TX: 30.43, T: 38.86}, {X: 7, TX: 1, T: 77.86}, {X: 40, TX: 20, T: 21}} {
			checkNear(t, fmt.Sprint(m, d), clv.ParetoLogA0Integral(m, d.X, d.TX, d.T), clv.ParetoLogA0(m, d.X, d.TX, d.T), 1e-9)
		}
	}
}

// log U(s, s, z) against its integral, U(s,s,z) = ∫₀^∞ e^(−zt) t^(s−1) (1+t)^(−1) dt / Γ(s),
// over the ranges DERT meets (small z = δ(β+T)).
func TestTricomiU(t *testing.T) {
	for _, s := range []float64{0.1, 0.606, 1, 1.5, 3.7} {
		for _, z := range []float64{0.01, 0.13, 1, 2, 10} {
			// t = e^v; integrate over v with the trapezoidal rule on a wide grid.
			sum := 0.0
			const h = 0.001
			for v := -40 / s; v < 12; v += h {
				tt := math.Exp(v)
				sum += math.Exp(-z*tt+s*v) / (1 + tt) * h
			}
			lg, _ := math.Lgamma(s)
			checkNear(t, fmt.Sprintf("log U(%v,%v,%v)", s, s, z), clv.LogTricomiUss(s, z), math.Log(sum)-lg, 1e-6)
		}
	}
}

// The analytic gradient of the likelihood agrees with central differences,
// on both branches (α > β, α < β) and at t_x = T.
func TestParetoNBDGradient(t *testing.T) {
	for _, m := range []clv.ParetoNBD{paretoRef, {R: 0.8, Alpha: 20, S: 1.3, Beta: 6}, {R: 2, Alpha: 3, S: 0.4, Beta: 30}} {
		for _, d := range []clv.RFM{{X: 0, T: 38.86}, {X: 2, TX: 30.43, T: 38.86}, {X: 7, TX: 35, T: 77.86}, {X: 4, TX: 20, T: 20}} {
			got := clv.ParetoGradient(m, d.X, d.TX, d.T)
			p := m.Params()
			for i := range p {
				h := 1e-6 * p[i]
				q := append([]float64(nil), p...)
				q[i] += h
				up := clv.ParetoNBD{R: q[0], Alpha: q[1], S: q[2], Beta: q[3]}.LogLikelihood(d.X, d.TX, d.T)
				q[i] -= 2 * h
				down := clv.ParetoNBD{R: q[0], Alpha: q[1], S: q[2], Beta: q[3]}.LogLikelihood(d.X, d.TX, d.T)
				want := (up - down) / (2 * h)
				if math.Abs(got[i]-want) > 1e-5*math.Max(1, math.Abs(want)) {
					t.Errorf("%v %v: ∂/∂%d = %.8g, numerical %.8g", m, d, i, got[i], want)
				}
			}
		}
	}
}
