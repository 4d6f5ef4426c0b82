package clv

import (
	"math"

	"gonum.org/v1/gonum/integrate/quad"
)

var legendre20x, legendre20w = func() ([]float64, []float64) {
	x, w := make([]float64, 20), make([]float64, 20)
	quad.Legendre{}.FixedLocations(x, w, -1, 1)
	return x, w
}()

// gaussLegendre integrates f over [lo, hi] with 20 Gauss–Legendre nodes.
func gaussLegendre(f func(float64) float64, lo, hi float64) float64 {
	half, mid := (hi-lo)/2, (hi+lo)/2
	s := 0.0
	for i, x := range legendre20x {
		s += legendre20w[i] * f(mid+half*x)
	}
	return s * half
}

// discountedPurchases returns ∫₀^H e^(−δt) dE(t) for an expected-purchases
// curve E with E(0) = 0, by parts: e^(−δH) E(H) + δ ∫₀^H e^(−δt) E(t) dt.
// The integral is taken in u = δt on panels [0,1], [1,4], [4,12], [12,40]
// (E grows at most linearly, so e^(−u) makes the rest negligible) with 20
// Gauss–Legendre nodes each; with δ = 0 it is E(H).
func discountedPurchases(E func(t float64) float64, delta, horizon float64) float64 {
	if horizon <= 0 {
		return 0
	}
	if delta <= 0 {
		if math.IsInf(horizon, 1) {
			return math.Inf(1)
		}
		return E(horizon)
	}
	uMax := delta * horizon
	total := 0.0
	lo := 0.0
	for _, hi := range []float64{1, 4, 12, 40} {
		if lo >= uMax {
			break
		}
		top := math.Min(hi, uMax)
		total += gaussLegendre(func(u float64) float64 { return math.Exp(-u) * E(u/delta) }, lo, top)
		lo = top
	}
	if !math.IsInf(horizon, 1) {
		total += math.Exp(-uMax) * E(horizon)
	}
	return total
}
