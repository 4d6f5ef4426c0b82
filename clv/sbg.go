package clv

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// SBG is the shifted-beta-geometric model of contractual retention — Fader &
// Hardie (2007), "How to Project Customer Retention", Journal of Interactive
// Marketing 21(1). Each customer renews at the end of every period with
// probability 1−θ; θ ~ Beta(Alpha, Beta) across customers.
type SBG struct {
	Alpha, Beta float64
}

var sbgNames = []string{"alpha", "beta"}

// Params returns (α, β).
func (m SBG) Params() []float64 { return []float64{m.Alpha, m.Beta} }

// ChurnProb returns P(T = t), the probability that a customer's lifetime
// ends in period t ≥ 1: B(α+1, β+t−1)/B(α, β).
func (m SBG) ChurnProb(t int) float64 {
	if t < 1 {
		return 0
	}
	return math.Exp(mathext.Lbeta(m.Alpha+1, m.Beta+float64(t)-1) - mathext.Lbeta(m.Alpha, m.Beta))
}

// Survival returns S(t) = P(T > t), the share of customers still active
// after t periods: B(α, β+t)/B(α, β).
func (m SBG) Survival(t float64) float64 {
	if t <= 0 {
		return 1
	}
	return math.Exp(mathext.Lbeta(m.Alpha, m.Beta+t) - mathext.Lbeta(m.Alpha, m.Beta))
}

// Retention returns the retention rate of period t ≥ 1, S(t)/S(t−1) =
// (β+t−1)/(α+β+t−1): it rises with t as the less loyal leave.
func (m SBG) Retention(t int) float64 {
	return (m.Beta + float64(t) - 1) / (m.Alpha + m.Beta + float64(t) - 1)
}

// DERL returns the discounted expected residual lifetime of a customer who
// has been active for n ≥ 1 periods (made n−1 renewals), evaluated just
// before the decision to renew, with discount rate d per period — Fader &
// Hardie (2010), "Customer-Base Valuation in a Contractual Setting",
// Marketing Science 29(1), eq. 6:
//
//	(β+n−1)/(α+β+n−1) · 2F1(1, β+n; α+β+n; 1/(1+d)).
//
// It counts the expected future payments, each discounted by (1+d)^−k for
// the k-th one from now, the next included.
func (m SBG) DERL(n int, d float64) float64 {
	fn := float64(n)
	return (m.Beta + fn - 1) / (m.Alpha + m.Beta + fn - 1) * mathext.Hypergeo(1, m.Beta+fn, m.Alpha+m.Beta+fn, 1/(1+d))
}

// FitSBG fits the model to the number of customers active at the start of
// each period, active[0] being the cohort's size: a customer counted in
// active[t−1] and not in active[t] churned in period t; those in the last
// count are still active (right-censored).
func FitSBG(active []float64, s *Settings) (SBG, *Fit, error) {
	if len(active) < 2 {
		return SBG{}, nil, errors.New("need the counts of at least two periods")
	}
	for i, a := range active {
		if !(a >= 0) || math.IsInf(a, 0) {
			return SBG{}, nil, &ErrData{i, fmt.Sprintf("count %v is negative or not finite", a)}
		}
		if i > 0 && a > active[i-1] {
			return SBG{}, nil, &ErrData{i, fmt.Sprintf("count %v exceeds the previous period's %v: a cohort can only shrink", a, active[i-1])}
		}
	}
	if active[0] == 0 {
		return SBG{}, nil, errors.New("the cohort is empty")
	}
	last := len(active) - 1
	churned := make([]float64, last+1)
	censored := make([]float64, last+1)
	for t := 1; t <= last; t++ {
		churned[t] = active[t-1] - active[t]
	}
	censored[last] = active[last]
	return FitSBGCounts(churned, censored, s)
}

// FitSBGCounts fits the model to lifetimes of customers acquired at any
// time: churned[t] customers left in their period t (t ≥ 1) and
// censored[t] have completed t periods and are still active. This is how
// accounts with open and close dates are fitted.
func FitSBGCounts(churned, censored []float64, s *Settings) (SBG, *Fit, error) {
	if s == nil {
		s = &Settings{}
	}
	n, events := 0.0, 0.0
	for t, c := range churned {
		if !(c >= 0) || math.IsInf(c, 0) || (t == 0 && c != 0) {
			return SBG{}, nil, &ErrData{t, fmt.Sprintf("churned count %v is invalid (negative, or in period 0)", c)}
		}
		n += c
		events += c
	}
	for t, c := range censored {
		if !(c >= 0) || math.IsInf(c, 0) {
			return SBG{}, nil, &ErrData{t, fmt.Sprintf("censored count %v is negative or not finite", c)}
		}
		n += c
	}
	if n == 0 {
		return SBG{}, nil, errors.New("no customers")
	}
	if events == 0 {
		return SBG{}, nil, errors.New("no customer has churned: retention cannot be estimated yet")
	}
	ll := func(p, grad []float64) float64 {
		al, be := p[0], p[1]
		lb := mathext.Lbeta(al, be)
		psiAB, psiB := mathext.Digamma(al+be), mathext.Digamma(be)
		total := 0.0
		if grad != nil {
			clear(grad)
		}
		for t, c := range churned {
			if c == 0 {
				continue
			}
			ft := float64(t)
			total += c * (mathext.Lbeta(al+1, be+ft-1) - lb)
			if grad != nil {
				psiABT := mathext.Digamma(al + be + ft)
				grad[0] += c * (1/al - psiABT + psiAB)
				grad[1] += c * (mathext.Digamma(be+ft-1) - psiABT - psiB + psiAB)
			}
		}
		for t, c := range censored {
			if c == 0 {
				continue
			}
			ft := float64(t)
			total += c * (mathext.Lbeta(al, be+ft) - lb)
			if grad != nil {
				psiABT := mathext.Digamma(al + be + ft)
				grad[0] += c * (psiAB - psiABT)
				grad[1] += c * (mathext.Digamma(be+ft) - psiABT - psiB + psiAB)
			}
		}
		return total
	}
	starts := [][]float64{s.Init}
	if s.Init == nil {
		starts = [][]float64{{1, 1}, {0.5, 2}, {2, 6}}
	}
	f, err := maximise(sbgNames, ll, true, starts, s.MaxIterations, n, len(churned)+len(censored))
	if err != nil {
		return SBG{}, nil, err
	}
	return SBG{Alpha: f.Params[0], Beta: f.Params[1]}, f, nil
}
