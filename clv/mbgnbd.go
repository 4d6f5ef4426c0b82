package clv

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// MBG/NBD — Batislam, Denizel & Filiztekin (2007), "Empirical validation and
// comparison of models for customer base analysis", International Journal of
// Research in Marketing 24(3). As BG/NBD, but a customer may drop out right
// after the first purchase too, so that a customer with no repeat purchase
// is not certainly alive.

var mbgnbdNames = []string{"r", "alpha", "a", "b"}

// Params returns (r, α, a, b).
func (m MBGNBD) Params() []float64 { return []float64{m.R, m.Alpha, m.A, m.B} }

// LogLikelihood returns the log-likelihood of one customer:
//
//	B(a, b+x+1)/B(a,b) · Γ(r+x)α^r/(Γ(r)(α+T)^(r+x))
//	+ B(a+1, b+x)/B(a,b) · Γ(r+x)α^r/(Γ(r)(α+t_x)^(r+x)).
func (m MBGNBD) LogLikelihood(x, tx, T float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	lab := mathext.Lbeta(a, b)
	a0 := lgamma(r+x) - lgamma(r) + r*math.Log(al)
	b1 := mathext.Lbeta(a, b+x+1) - lab - (r+x)*math.Log(al+T)
	b2 := mathext.Lbeta(a+1, b+x) - lab - (r+x)*math.Log(al+tx)
	return a0 + logSumExp(b1, b2)
}

// ProbAlive returns 1 / (1 + a/(b+x) · ((α+T)/(α+t_x))^(r+x)).
func (m MBGNBD) ProbAlive(x, tx, T float64) float64 {
	lr := math.Log(m.A/(m.B+x)) + (m.R+x)*(math.Log(m.Alpha+T)-math.Log(m.Alpha+tx))
	return 1 / (1 + math.Exp(lr))
}

// ExpectedPurchases returns E[X(t)] for a new customer:
// b/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b+1; a+b; t/(α+t))].
func (m MBGNBD) ExpectedPurchases(t float64) float64 {
	if t <= 0 {
		return 0
	}
	if v, ok := nearOne(m.A, func(a float64) float64 { m.A = a; return m.expectedPurchases(t) }); ok {
		return v
	}
	return m.expectedPurchases(t)
}

func (m MBGNBD) expectedPurchases(t float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	v := b / (a - 1) * (1 - scaledHypergeo(r, r, b+1, a+b, t/(al+t)))
	if !finite(v) || v < 0 {
		// A new customer is still alive after the first purchase with
		// probability E[1−p] = b/(a+b); then p ~ Beta(a, b+1).
		return b / (a + b) * aliveExpected(r, al, a, b+1, t)
	}
	return v
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T]:
// (a+b+x)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x+1; a+b+x; t/(α+T+t))] · P(alive).
func (m MBGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	if v, ok := nearOne(m.A, func(a float64) float64 { m.A = a; return m.conditionalExpectedPurchases(t, x, tx, T) }); ok {
		return v
	}
	return m.conditionalExpectedPurchases(t, x, tx, T)
}

func (m MBGNBD) conditionalExpectedPurchases(t, x, tx, T float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	num := (a + b + x) / (a - 1) * (1 - scaledHypergeo(r+x, r+x, b+x+1, a+b+x, t/(al+T+t)))
	if !finite(num) || num < 0 {
		num = aliveExpected(r+x, al+T, a, b+x+1, t)
	}
	return num * m.ProbAlive(x, tx, T)
}

// DERT returns the discounted expected residual transactions over the next
// horizon units of time (+Inf for all), integrated numerically; over the
// whole future, with δ > 0, P(alive) times aliveDiscounted over the
// posterior of an alive customer, λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x+1)
// (MBG/NBD's customer may also drop out at the first purchase).
func (m MBGNBD) DERT(x, tx, T, delta, horizon float64) float64 {
	if math.IsInf(horizon, 1) && delta > 0 {
		return m.ProbAlive(x, tx, T) * m.AliveDERT(x, T, delta)
	}
	return discountedPurchases(func(t float64) float64 { return m.ConditionalExpectedPurchases(t, x, tx, T) }, delta, horizon)
}

// AliveDERT is the lifetime DERT of a customer who is alive, as for BG/NBD
// (see BGNBD.AliveDERT).
func (m MBGNBD) AliveDERT(x, T, delta float64) float64 {
	return aliveDiscounted(m.R+x, m.Alpha+T, m.A, m.B+x+1, delta)
}

func mbgnbdLL(p []float64, data []RFM, grad []float64) float64 {
	r, al, a, b := p[0], p[1], p[2], p[3]
	lab := mathext.Lbeta(a, b)
	psiAB := mathext.Digamma(a + b)
	psiA, psiB := mathext.Digamma(a), mathext.Digamma(b)
	total := 0.0
	lastX := -1.0
	var a0, c1, c2, dr0, da1, db1, da2, db2 float64
	for _, d := range data {
		x := d.X
		if x != lastX {
			lastX = x
			a0 = lgamma(r+x) - lgamma(r) + r*math.Log(al)
			c1 = mathext.Lbeta(a, b+x+1) - lab
			c2 = mathext.Lbeta(a+1, b+x) - lab
			if grad != nil {
				psiABX1 := mathext.Digamma(a + b + x + 1)
				dr0 = mathext.Digamma(r+x) - mathext.Digamma(r) + math.Log(al)
				da1 = psiA - psiABX1 - psiA + psiAB
				db1 = mathext.Digamma(b+x+1) - psiABX1 - psiB + psiAB
				da2 = mathext.Digamma(a+1) - psiABX1 - psiA + psiAB
				db2 = mathext.Digamma(b+x) - psiABX1 - psiB + psiAB
			}
		}
		lT, lTx := math.Log(al+d.T), math.Log(al+d.TX)
		b1 := c1 - (r+x)*lT
		b2 := c2 - (r+x)*lTx
		lse := logSumExp(b1, b2)
		w := d.weight()
		total += w * (a0 + lse)
		if grad != nil {
			w1 := math.Exp(b1 - lse)
			w2 := 1 - w1
			grad[0] += w * (dr0 - w1*lT - w2*lTx)
			grad[1] += w * (r/al - (r+x)*(w1/(al+d.T)+w2/(al+d.TX)))
			grad[2] += w * (w1*da1 + w2*da2)
			grad[3] += w * (w1*db1 + w2*db2)
		}
	}
	return total
}

// FitMBGNBD fits the MBG/NBD model by maximum likelihood.
func FitMBGNBD(data []RFM, s *Settings) (MBGNBD, *Fit, error) {
	s, c, starts, err := prepareRFM(data, s, func([]RFM) ([]float64, []float64) { return []float64{1, 1}, []float64{0.5, 3} })
	if err != nil {
		return MBGNBD{}, nil, err
	}
	f, err := maximise(mbgnbdNames, parallelLL(mbgnbdLL, c, s.Workers), true, starts, s.MaxIterations, totalWeight(c), len(c))
	if err != nil {
		return MBGNBD{}, nil, err
	}
	return MBGNBD{R: f.Params[0], Alpha: f.Params[1], A: f.Params[2], B: f.Params[3]}, f, nil
}
