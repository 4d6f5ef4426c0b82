package clv

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGBB is the beta-geometric/beta-Bernoulli model for discrete purchase
// opportunities (annual donations, yearly events) — Fader, Hardie & Shang
// (2010), "Customer-Base Analysis in a Discrete-Time Noncontractual
// Setting", Marketing Science 29(6). While alive a customer transacts at
// each opportunity with probability p ~ Beta(Alpha, Beta); before each
// opportunity it may die with probability θ ~ Beta(Gamma, Delta).
type BGBB struct {
	Alpha, Beta, Gamma, Delta float64
}

var bgbbNames = []string{"alpha", "beta", "gamma", "delta"}

// Params returns (α, β, γ, δ).
func (m BGBB) Params() []float64 { return []float64{m.Alpha, m.Beta, m.Gamma, m.Delta} }

// Discrete is a BG/BB customer summary: X transactions in N opportunities,
// the last at opportunity TX (0 when X is 0), for W customers (0 means 1).
type Discrete struct {
	X, TX, N, W float64
}

func (d Discrete) weight() float64 {
	if d.W == 0 {
		return 1
	}
	return d.W
}

// LogLikelihood returns the log-likelihood of one customer (FHS 2010, eq. 5):
//
//	B(α+x, β+n−x)/B(α,β) · B(γ, δ+n)/B(γ,δ)
//	+ Σ_{i=0}^{n−t_x−1} B(α+x, β+t_x−x+i)/B(α,β) · B(γ+1, δ+t_x+i)/B(γ,δ).
func (m BGBB) LogLikelihood(x, tx, n float64) float64 {
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	lab, lgd := mathext.Lbeta(a, b), mathext.Lbeta(g, d)
	l := mathext.Lbeta(a+x, b+n-x) - lab + mathext.Lbeta(g, d+n) - lgd
	for i := 0.0; i <= n-tx-1; i++ {
		l = logSumExp(l, mathext.Lbeta(a+x, b+tx-x+i)-lab+mathext.Lbeta(g+1, d+tx+i)-lgd)
	}
	return l
}

// ProbAlive returns the probability that the customer is alive at
// opportunity n+1 (FHS 2010, eq. 11).
func (m BGBB) ProbAlive(x, tx, n float64) float64 {
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	l := mathext.Lbeta(a+x, b+n-x) - mathext.Lbeta(a, b) + mathext.Lbeta(g, d+n+1) - mathext.Lbeta(g, d)
	return math.Exp(l - m.LogLikelihood(x, tx, n))
}

// ConditionalExpectedPurchases returns the expected number of transactions
// in the next k opportunities (FHS 2010, eq. 13).
func (m BGBB) ConditionalExpectedPurchases(k, x, tx, n float64) float64 {
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	l := mathext.Lbeta(a+x+1, b+n-x) - mathext.Lbeta(a, b) - math.Log(g-1) + lgamma(g+d) - lgamma(1+d) +
		lgamma(1+d+n) - lgamma(g+d+n) - m.LogLikelihood(x, tx, n)
	f := 1 - math.Exp(lgamma(g+d+n)-lgamma(1+d+n)+lgamma(1+d+n+k)-lgamma(g+d+n+k))
	return math.Exp(l) * f
}

// DERT returns the discounted expected residual transactions with discount
// rate d per opportunity (FHS 2010, eq. 14):
//
//	B(α+x+1, β+n−x)/B(α,β) · B(γ, δ+n+1)/(B(γ,δ)(1+d)) ·
//	2F1(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L.
func (m BGBB) DERT(x, tx, n, disc float64) float64 {
	a, b, g, d := m.Alpha, m.Beta, m.Gamma, m.Delta
	l := mathext.Lbeta(a+x+1, b+n-x) - mathext.Lbeta(a, b) + mathext.Lbeta(g, d+n+1) - mathext.Lbeta(g, d) - math.Log1p(disc) +
		math.Log(mathext.Hypergeo(1, d+n+1, g+d+n+1, 1/(1+disc))) - m.LogLikelihood(x, tx, n)
	return math.Exp(l)
}

// CheckDiscrete validates BG/BB data.
func CheckDiscrete(data []Discrete) error {
	if len(data) == 0 {
		return errors.New("no customers")
	}
	for i, d := range data {
		for _, v := range []float64{d.X, d.TX, d.N} {
			if !(v >= 0) || v != math.Floor(v) || math.IsInf(v, 0) {
				return &ErrData{i, fmt.Sprintf("frequency, recency and periods must be whole numbers ≥ 0 (got %v, %v, %v)", d.X, d.TX, d.N)}
			}
		}
		switch {
		case d.N == 0:
			return &ErrData{i, "no purchase opportunities (periods = 0)"}
		case d.X > d.TX || d.TX > d.N:
			return &ErrData{i, fmt.Sprintf("need frequency ≤ recency ≤ periods, got %v, %v, %v", d.X, d.TX, d.N)}
		case d.X == 0 && d.TX != 0:
			return &ErrData{i, fmt.Sprintf("recency %v with no transactions (it must be 0)", d.TX)}
		case d.W < 0 || math.IsNaN(d.W) || math.IsInf(d.W, 0):
			return &ErrData{i, fmt.Sprintf("weight %v is negative or not finite", d.W)}
		}
	}
	return nil
}

// FitBGBB fits the BG/BB model by maximum likelihood.
func FitBGBB(data []Discrete, s *Settings) (BGBB, *Fit, error) {
	if s == nil {
		s = &Settings{}
	}
	if err := CheckDiscrete(data); err != nil {
		return BGBB{}, nil, err
	}
	n := 0.0
	for _, d := range data {
		n += d.weight()
	}
	ll := func(p, grad []float64) float64 {
		f := func(q []float64) float64 {
			m := BGBB{Alpha: q[0], Beta: q[1], Gamma: q[2], Delta: q[3]}
			t := 0.0
			for _, d := range data {
				t += d.weight() * m.LogLikelihood(d.X, d.TX, d.N)
			}
			return t
		}
		if grad != nil {
			clear(grad)
			numericGradient(f, p, grad)
		}
		return f(p)
	}
	starts := [][]float64{s.Init}
	if s.Init == nil {
		starts = [][]float64{{1, 1, 1, 1}, {0.5, 0.5, 0.5, 3}, {2, 1, 1, 5}}
	}
	f, err := maximise(bgbbNames, ll, false, starts, s.MaxIterations, n, len(data))
	if err != nil {
		return BGBB{}, nil, err
	}
	return BGBB{Alpha: f.Params[0], Beta: f.Params[1], Gamma: f.Params[2], Delta: f.Params[3]}, f, nil
}
