package clv

import "math"

// upperGamma returns Γ(a, z), the upper incomplete gamma function, for any
// real a and z > 0 (a may be zero or negative, as Tricomi's U needs).
func upperGamma(a, z float64) float64 {
	if z >= 1.5 {
		return upperGammaCF(a, z)
	}
	// Near a non-positive integer Γ(a) and one term of the series both
	// diverge and cancel; step to either side and average (error O(ε²)).
	if m := math.Round(a); m <= 0 && math.Abs(a-m) < 1e-6 {
		const eps = 1e-5
		return (upperGammaSeries(m-eps, z) + upperGammaSeries(m+eps, z)) / 2
	}
	return upperGammaSeries(a, z)
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

// upperGammaCF evaluates Legendre's continued fraction for Γ(a, z) by the
// modified Lentz method (Numerical Recipes §6.2); it converges for z > 0
// and any a, quickly when z is not small.
func upperGammaCF(a, z float64) float64 {
	const tiny = 1e-300
	b := z + 1 - a
	c := 1 / tiny
	d := 1 / b
	h := d
	for i := 1; i < 10000; i++ {
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
	return math.Exp(-z+a*math.Log(z)) * h
}

// logTricomiUss returns log U(s, s, z), Tricomi's confluent hypergeometric
// function with equal first two parameters, through U(s, s, z) =
// e^z Γ(1−s, z) (DLMF 8.5.3 and 13.2.42).
func logTricomiUss(s, z float64) float64 {
	return z + math.Log(upperGamma(1-s, z))
}
