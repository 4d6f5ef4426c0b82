package clv

import (
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"
)

// Customer is one customer's latent state drawn from a model: the
// quantities the model integrates over, known in a simulation.
type Customer struct {
	Lambda   float64 // purchase rate per unit of time while alive
	P        float64 // BG/NBD, MBG/NBD: probability of dropping out after a purchase
	Mu       float64 // Pareto/NBD: dropout rate
	Lifetime float64 // time from the first purchase to dropout; +Inf if never
}

func gammaRand(rng *rand.Rand, shape, rate float64) float64 {
	return distuv.Gamma{Alpha: shape, Beta: rate, Src: rng}.Rand()
}

func betaRand(rng *rand.Rand, a, b float64) float64 {
	return distuv.Beta{Alpha: a, Beta: b, Src: rng}.Rand()
}

// Simulate draws a customer from the BG/NBD model and the times of its
// repeat purchases in (0, T], the first purchase being at time 0:
// λ ~ Gamma(r, α), p ~ Beta(a, b); purchases follow a Poisson process with
// rate λ, and after each repeat purchase the customer drops out with
// probability p (Fader, Hardie & Lee 2005).
func (m BGNBD) Simulate(rng *rand.Rand, T float64) (Customer, []float64) {
	c := Customer{Lambda: gammaRand(rng, m.R, m.Alpha), P: betaRand(rng, m.A, m.B), Lifetime: math.Inf(1)}
	return c, simulateDropAfter(rng, &c, T, false)
}

// Simulate draws a customer from the MBG/NBD model and its repeat purchase
// times in (0, T]. Unlike BG/NBD, the customer may drop out right after the
// first purchase as well (Batislam, Denizel & Filiztekin 2007).
func (m MBGNBD) Simulate(rng *rand.Rand, T float64) (Customer, []float64) {
	c := Customer{Lambda: gammaRand(rng, m.R, m.Alpha), P: betaRand(rng, m.A, m.B), Lifetime: math.Inf(1)}
	return c, simulateDropAfter(rng, &c, T, true)
}

func simulateDropAfter(rng *rand.Rand, c *Customer, T float64, atZero bool) []float64 {
	if atZero && rng.Float64() < c.P {
		c.Lifetime = 0
		return nil
	}
	var times []float64
	t := 0.0
	for {
		t += rng.ExpFloat64() / c.Lambda
		if t > T {
			return times
		}
		times = append(times, t)
		if rng.Float64() < c.P {
			c.Lifetime = t
			return times
		}
	}
}

// Simulate draws a customer from the Pareto/NBD model and its repeat
// purchase times in (0, T]: λ ~ Gamma(r, α), μ ~ Gamma(s, β), an exponential
// lifetime with rate μ, and Poisson purchases with rate λ while alive
// (Schmittlein, Morrison & Colombo 1987).
func (m ParetoNBD) Simulate(rng *rand.Rand, T float64) (Customer, []float64) {
	c := Customer{Lambda: gammaRand(rng, m.R, m.Alpha), Mu: gammaRand(rng, m.S, m.Beta)}
	c.Lifetime = rng.ExpFloat64() / c.Mu
	end := math.Min(T, c.Lifetime)
	var times []float64
	t := 0.0
	for {
		t += rng.ExpFloat64() / c.Lambda
		if t > end {
			return c, times
		}
		times = append(times, t)
	}
}

// SimulateNu draws a customer's spend scale from the Gamma-Gamma model,
// ν ~ Gamma(q, γ); SimulateSpend then draws each transaction's value
// z ~ Gamma(p, ν), whose mean is p/ν.
func (m GammaGamma) SimulateNu(rng *rand.Rand) float64 {
	return gammaRand(rng, m.Q, m.Gamma)
}

// SimulateSpend draws one transaction value for a customer with scale ν.
func (m GammaGamma) SimulateSpend(rng *rand.Rand, nu float64) float64 {
	return gammaRand(rng, m.P, nu)
}
