package clv

import "math"

// logUpperGamma returns log Γ(a, z), the upper incomplete gamma function,
// for any real a and z > 0 (a may be zero or negative, as Tricomi's U
// needs), in log space, since for large negative a it overflows.
func logUpperGamma(a, z float64) float64 {
	if z >= a+1 || a < -1 {
		// The continued fraction converges quickly here.
		return -z + a*math.Log(z) + math.Log(upperGammaCFRatio(a, z))
	}
	// Near a non-positive integer Γ(a) and one term of the series both
	// diverge and cancel; step to either side and average (error O(ε²)).
	if m := math.Round(a); m <= 0 && math.Abs(a-m) < 1e-6 {
		const eps = 1e-5
		return math.Log((upperGammaSeries(m-eps, z) + upperGammaSeries(m+eps, z)) / 2)
	}
	return math.Log(upperGammaSeries(a, z))
}

// upperGammaSeries computes Γ(a) − γ(a, z) with
// γ(a, z) = z^a Σ (−z)^n / (n! (a+n)), for small z.
func upperGammaSeries(a, z float64) float64 {
	sum := 0.0
	term := 1.0 // (−z)^n / n!
	for n := 0; n < 500; n++ {
		if n > 0 {
			term *= -z / float64(n)
		}
		add := term / (a + float64(n))
		sum += add
		if math.Abs(add) < 1e-17*math.Abs(sum) && n > 2 {
			break
		}
	}
	return math.Gamma(a) - math.Pow(z, a)*sum
}

// upperGammaCFRatio evaluates Legendre's continued fraction for
// Γ(a, z)·e^z·z^−a by the modified Lentz method (Numerical Recipes §6.2);
// it converges for z > 0 and any a.
func upperGammaCFRatio(a, z float64) float64 {
	const tiny = 1e-300
	b := z + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 100000; i++ {
		an := -float64(i) * (float64(i) - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = b + an/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		del := d * c
		h *= del
		if math.Abs(del-1) < 1e-16 {
			break
		}
	}
	return h
}

// logTricomiUss returns log U(s, s, z), Tricomi's confluent hypergeometric
// function with equal first two parameters, through U(s, s, z) =
// e^z Γ(1−s, z) (DLMF 8.5.3 and 13.2.42).
func logTricomiUss(s, z float64) float64 {
	return z + logUpperGamma(1-s, z)
}

// hyp2f1 sums the Gauss series of 2F1(a, b; c; z) for 0 ≤ z < 1,
// Σ (a)_n (b)_n / ((c)_n n!) zⁿ. It reports ok = false, rather than return
// a poor value, when c is a non-positive integer, the sum is not finite, or
// it has not converged to 1e-15 within 20,000 terms (z close to 1 with
// large parameters); callers then use another method. Unlike a general
// 2F1 routine it cannot run on without bound.
func hyp2f1(a, b, c, z float64) (float64, bool) {
	if z == 0 {
		return 1, true
	}
	if c <= 0 && c == math.Floor(c) {
		return 0, false
	}
	sum, term := 1.0, 1.0
	for n := 0; n < 20000; n++ {
		fn := float64(n)
		term *= (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		sum += term
		if !finite(sum) {
			return 0, false
		}
		// Once the terms shrink geometrically, stop when they are negligible.
		if term == 0 || (math.Abs(term) < 1e-16*math.Abs(sum) && math.Abs((a+fn+1)*(b+fn+1)/((c+fn+1)*(fn+2))*z) < 1) {
			return sum, true
		}
	}
	return 0, false
}

// scaledHypergeo returns (1−z)^e · 2F1(A, B; c; z) for 0 ≤ z < 1. Euler's
// transformation gives the same value as (1−z)^(e+c−A−B) · 2F1(c−A, c−B; c; z);
// for large parameters one form may overflow, or converge slowly, where the
// other does not, so the direct form is tried first and Euler's second, in
// log space and carrying the sign (2F1 may be negative when c < 0). NaN
// means neither converged.
func scaledHypergeo(e, A, B, c, z float64) float64 {
	l1 := math.Log1p(-z)
	if h, ok := hyp2f1(A, B, c, z); ok {
		return math.Copysign(math.Exp(e*l1+math.Log(math.Abs(h))), h)
	}
	if h, ok := hyp2f1(c-A, c-B, c, z); ok {
		return math.Copysign(math.Exp((e+c-A-B)*l1+math.Log(math.Abs(h))), h)
	}
	return math.NaN()
}

// hyp2f1Deriv sums 2F1(a, b; c; z) like hyp2f1 and, in the same loop, its
// partial derivatives with respect to a, b, c and z: the n-th term tₙ has
// ∂tₙ/∂a = tₙ Σ_{k<n} 1/(a+k) (likewise b), ∂tₙ/∂c = −tₙ Σ_{k<n} 1/(c+k)
// and ∂tₙ/∂z = n tₙ / z.
func hyp2f1Deriv(a, b, c, z float64) (h, ha, hb, hc, hz float64, ok bool) {
	if z == 0 {
		return 1, 0, 0, 0, a * b / c, true
	}
	if c <= 0 && c == math.Floor(c) {
		return 0, 0, 0, 0, 0, false
	}
	h, term := 1.0, 1.0
	var sa, sb, sc float64
	for n := 0; n < 20000; n++ {
		fn := float64(n)
		ratio := (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		term *= ratio
		sa += 1 / (a + fn)
		sb += 1 / (b + fn)
		sc += 1 / (c + fn)
		h += term
		ha += term * sa
		hb += term * sb
		hc -= term * sc
		hz += (fn + 1) * term
		if term == 0 || (math.Abs(term) < 1e-16*math.Abs(h) && math.Abs(ratio) < 1 && n > 1) {
			if !finite(h) || !finite(ha) || !finite(hb) || !finite(hc) || !finite(hz) {
				return 0, 0, 0, 0, 0, false
			}
			return h, ha, hb, hc, hz / z, true
		}
	}
	return 0, 0, 0, 0, 0, false
}
