package clv_test

import (
	"fmt"
	"math"
	"testing"

	"clientele/clv"
)

// The lifetime DERT of BG/NBD and MBG/NBD (an unbounded horizon, in closed
// form over λ and by quadrature over p) agrees with the slow way: the
// conditional expectation E[Y(t)] integrated against the discount, out to
// infinity. The histories cover one-time buyers, heavy buyers and a
// customer long silent; the models a < 1 (CDNOW's, where the undiscounted
// lifetime expectation diverges) and a > 1.
func TestLifetimeDERT(t *testing.T) {
	histories := []struct{ x, tx, T float64 }{{0, 0, 38.86}, {2, 30.43, 38.86}, {7, 29.43, 35.14}, {1, 1, 70}, {25, 60, 61}}
	models := []struct {
		name string
		m    interface {
			ConditionalExpectedPurchases(t, x, tx, T float64) float64
			DERT(x, tx, T, delta, horizon float64) float64
		}
	}{
		{"BG/NBD CDNOW", cdnowLong},
		{"BG/NBD a > 1", clv.BGNBD{R: 0.8, Alpha: 6, A: 2.5, B: 4}},
		{"MBG/NBD", clv.MBGNBD{R: 0.525, Alpha: 6.183, A: 0.891, B: 1.614}},
	}
	for _, m := range models {
		for _, delta := range []float64{math.Log(1.15) / 52, math.Log(1.10) / 12} {
			for _, h := range histories {
				name := fmt.Sprintf("%s δ=%.4f x=%g t_x=%g T=%g", m.name, delta, h.x, h.tx, h.T)
				slow := clv.DiscountedPurchases(func(t float64) float64 { return m.m.ConditionalExpectedPurchases(t, h.x, h.tx, h.T) }, delta, math.Inf(1))
				got := m.m.DERT(h.x, h.tx, h.T, delta, math.Inf(1))
				checkNear(t, name, got, slow, 1e-6)
				if long := m.m.DERT(h.x, h.tx, h.T, delta, 52*40); !(got >= long*(1-1e-6)) {
					t.Errorf("%s: lifetime DERT %v below the 40-year one %v", name, got, long)
				}
			}
		}
	}
}

// Without discounting BG/NBD's expected purchases over the whole future
// are P(alive) (a+b+x−1)/(a−1) for a > 1 (Fader, Hardie & Lee 2005, eq. 10
// as t → ∞); a tiny discount rate comes close to it.
func TestLifetimeDERTLimit(t *testing.T) {
	m := clv.BGNBD{R: 0.8, Alpha: 6, A: 2.5, B: 4}
	x, tx, T := 3.0, 20.0, 30.0
	want := m.ProbAlive(x, tx, T) * (m.A + m.B + x - 1) / (m.A - 1)
	checkNear(t, "DERT(δ→0, ∞)", m.DERT(x, tx, T, 1e-9, math.Inf(1)), want, 1e-4)
}

// A degenerate fit (a → 0: nobody ever drops out) still has a finite
// lifetime DERT: the discounted purchases of a Poisson buyer, E[λ]/δ.
func TestLifetimeDERTNoDropout(t *testing.T) {
	m := clv.BGNBD{R: 35411537, Alpha: 194844127.5, A: 1e-12, B: 1027459.5}
	x, tx, T, delta := 10.0, 48.0, 52.0, math.Log(1.15)/52
	got := m.DERT(x, tx, T, delta, math.Inf(1))
	want := m.ProbAlive(x, tx, T) * (m.R + x) / (m.Alpha + T) / delta
	checkNear(t, "DERT(a→0, ∞)", got, want, 1e-3)
}
