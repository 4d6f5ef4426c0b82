package clv_test

import (
	"math"
	"testing"

	"clientele/clv"
)

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// param maps any float to a parameter in [1e-3, 1e3], log-uniformly.
func param(u float64) float64 {
	if !isFinite(u) {
		u = 0
	}
	f := math.Mod(math.Abs(u), 1)
	return math.Exp(math.Log(1e-3) + f*math.Log(1e6))
}

func checkModel(t *testing.T, name string, x, tx, T float64, ll, alive, cond float64) {
	t.Helper()
	// A density in the purchase times: it may exceed 1, never be NaN or Inf.
	if !isFinite(ll) {
		t.Fatalf("%s: log-likelihood %v at x=%v t_x=%v T=%v", name, ll, x, tx, T)
	}
	if !(alive >= 0 && alive <= 1) {
		t.Fatalf("%s: P(alive) %v at x=%v t_x=%v T=%v", name, alive, x, tx, T)
	}
	if !isFinite(cond) || cond < -1e-9 {
		t.Fatalf("%s: E[Y(t)] %v at x=%v t_x=%v T=%v", name, cond, x, tx, T)
	}
}

// No model returns NaN or Inf, or a probability outside [0, 1], for any
// valid input: x = 0, t_x = T, very large x, extreme parameters.
func FuzzModelsStable(f *testing.F) {
	f.Add(0.243, 4.414, 0.793, 2.426, uint16(2), 30.43, 38.86)
	f.Add(0.001, 999.0, 0.001, 999.0, uint16(0), 0.0, 0.01)
	f.Add(999.0, 0.001, 999.0, 0.001, uint16(1000), 500.0, 500.0)
	f.Add(0.5, 0.5, 0.5, 0.5, uint16(50), 1e-9, 1e4)
	f.Fuzz(func(t *testing.T, p1, p2, p3, p4 float64, xi uint16, tx, T float64) {
		r, al, a, b := param(p1), param(p2), param(p3), param(p4)
		if !isFinite(T) || !isFinite(tx) {
			return
		}
		T = 0.01 + math.Mod(math.Abs(T), 1e4)
		tx = math.Min(math.Mod(math.Abs(tx), 1e4), T)
		x := float64(xi % 1001)
		if x == 0 {
			tx = 0
		}
		bg := clv.BGNBD{R: r, Alpha: al, A: a, B: b}
		checkModel(t, "BG/NBD", x, tx, T, bg.LogLikelihood(x, tx, T), bg.ProbAlive(x, tx, T), bg.ConditionalExpectedPurchases(10, x, tx, T))
		mbg := clv.MBGNBD{R: r, Alpha: al, A: a, B: b}
		checkModel(t, "MBG/NBD", x, tx, T, mbg.LogLikelihood(x, tx, T), mbg.ProbAlive(x, tx, T), mbg.ConditionalExpectedPurchases(10, x, tx, T))
		pn := clv.ParetoNBD{R: r, Alpha: al, S: a, Beta: b}
		checkModel(t, "Pareto/NBD", x, tx, T, pn.LogLikelihood(x, tx, T), pn.ProbAlive(x, tx, T), pn.ConditionalExpectedPurchases(10, x, tx, T))
		if d := pn.DERT(x, tx, T, 0.003); !isFinite(d) || d < 0 {
			t.Fatalf("Pareto/NBD DERT %v", d)
		}
	})
}

func TestModelsAtEdges(t *testing.T) {
	bg := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	pn := clv.ParetoNBD{R: 0.553, Alpha: 10.578, S: 0.606, Beta: 11.669}
	for _, d := range []clv.RFM{{X: 0, TX: 0, T: 38.86}, {X: 5, TX: 38.86, T: 38.86}, {X: 500, TX: 30, T: 38.86}, {X: 1, TX: 1e-9, T: 1e4}} {
		checkModel(t, "BG/NBD", d.X, d.TX, d.T, bg.LogLikelihood(d.X, d.TX, d.T), bg.ProbAlive(d.X, d.TX, d.T), bg.ConditionalExpectedPurchases(39, d.X, d.TX, d.T))
		checkModel(t, "Pareto/NBD", d.X, d.TX, d.T, pn.LogLikelihood(d.X, d.TX, d.T), pn.ProbAlive(d.X, d.TX, d.T), pn.ConditionalExpectedPurchases(39, d.X, d.TX, d.T))
	}
	// t_x = T: a customer who just bought is alive under both models.
	if p := pn.ProbAlive(5, 38.86, 38.86); p != 1 {
		t.Errorf("Pareto/NBD P(alive | t_x = T) = %v, want 1", p)
	}
}
