package clv

import (
	"math"

	"gonum.org/v1/gonum/integrate/quad"
	"gonum.org/v1/gonum/mathext"
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

// betaExpectation returns E[g(p)] for p ~ Beta(a, b). The integral is
// split at 1/2. Where the density is singular (a < 1 at 0, b < 1 at 1) the
// half is mapped by p = v^(1/a) (or 1−p = w^(1/b)), which makes its
// integrand bounded; each half is integrated on six 20-node Gauss–Legendre
// panels that narrow towards the end point.
func betaExpectation(a, b float64, g func(p float64) float64) float64 {
	lb := mathext.Lbeta(a, b)
	panels := func(top float64, f func(float64) float64) float64 {
		s, lo := 0.0, 0.0
		for _, frac := range []float64{1.0 / 32, 1.0 / 16, 1.0 / 8, 1.0 / 4, 1.0 / 2, 1} {
			s += gaussLegendre(f, lo, top*frac)
			lo = top * frac
		}
		return s
	}
	var lower, upper float64
	if a < 1 { // p^(a−1) dp = dv/a
		lower = panels(math.Pow(0.5, a), func(v float64) float64 {
			p := math.Pow(v, 1/a)
			return g(p) * math.Exp((b-1)*math.Log1p(-p)-lb-math.Log(a))
		})
	} else {
		lower = panels(0.5, func(p float64) float64 {
			return g(p) * math.Exp((a-1)*math.Log(p)+(b-1)*math.Log1p(-p)-lb)
		})
	}
	if b < 1 { // (1−p)^(b−1) dp = −dw/b
		upper = panels(math.Pow(0.5, b), func(w float64) float64 {
			q := math.Pow(w, 1/b)
			return g(1-q) * math.Exp((a-1)*math.Log1p(-q)-lb-math.Log(b))
		})
	} else {
		upper = panels(0.5, func(q float64) float64 {
			return g(1-q) * math.Exp((a-1)*math.Log1p(-q)+(b-1)*math.Log(q)-lb)
		})
	}
	return lower + upper
}

// aliveExpected returns the expected purchases in the next t of a customer
// who is alive, buys at rate λ ~ Gamma(shape, rate) and drops out after a
// purchase with probability p ~ Beta(a, b): E[(1 − e^(−λpt))/p], where the
// expectation over λ is (1 − (1 + pt/rate)^(−shape))/p.
func aliveExpected(shape, rate, a, b, t float64) float64 {
	return betaExpectation(a, b, func(p float64) float64 {
		y := p * t / rate
		if y < 1e-12 {
			return shape * t / rate // the limit p → 0
		}
		return -math.Expm1(-shape*math.Log1p(y)) / p
	})
}

// aliveDiscounted returns the discounted expected purchases over the whole
// future of a customer who is alive, buys at rate λ ~ Gamma(shape, rate)
// and drops out after a purchase with probability p ~ Beta(a, b), at the
// continuous discount rate delta > 0. Given λ and p, the k-th purchase
// happens only if the k−1 before it did not end the relationship, and its
// discount factor is E[e^(−δ t_k)] = (λ/(λ+δ))^k, so the sum is the
// geometric series Σ (1−p)^(k−1) (λ/(λ+δ))^k = λ/(δ+pλ). Its expectation
// over λ is (1 − z^shape U(shape, shape, z))/p with z = rate·δ/p (from
// E[1/(c+λ)] = rate^shape c^(shape−1) U(shape, shape, rate·c), DLMF
// 13.4.4), and the expectation over p is integrated numerically. Without
// discounting (δ → 0) it tends to (a+b−1)/(a−1), BG/NBD's limit.
func aliveDiscounted(shape, rate, a, b, delta float64) float64 {
	return betaExpectation(a, b, func(p float64) float64 {
		z := rate * delta / p
		if p < 1e-300 || math.IsInf(z, 1) {
			// The limit p → 0, a customer who never drops out: E[λ]/δ.
			// (A fit with a → 0 puts all of Beta(a, b) there.)
			return shape / (rate * delta)
		}
		return oneMinusZsU(shape, z) / p
	})
}

// oneMinusZsU returns 1 − z^s U(s, s, z) for z > 0. For large z it sums
// the asymptotic series of U (DLMF 13.7.3), in which (a−b+1)ₙ/n! = 1:
// z^s U(s, s, z) ~ Σ (s)ₙ (−1/z)ⁿ, so that the leading 1 cancels exactly
// instead of in floating point; elsewhere it uses U(s, s, z) =
// e^z Γ(1−s, z).
func oneMinusZsU(s, z float64) float64 {
	if z > 30*(s+1) {
		sum, term := 0.0, 1.0 // term: (s)ₙ (−1/z)ⁿ
		for n := 0; n < 60; n++ {
			term *= -(s + float64(n)) / z
			sum -= term
			if math.Abs(term) < 1e-17*math.Abs(sum) {
				break
			}
		}
		return sum
	}
	return -math.Expm1(s*math.Log(z) + logTricomiUss(s, z))
}
