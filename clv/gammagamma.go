package clv

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Gamma-Gamma spend model — Fader, Hardie & Lee (2005), "RFM and CLV: Using
// Iso-Value Curves for Customer Base Analysis", JMR 42(4); notation of Fader
// & Hardie (2013), "The Gamma-Gamma Model of Monetary Value", note 025.

var ggNames = []string{"p", "q", "gamma"}

// Params returns (p, q, γ).
func (m GammaGamma) Params() []float64 { return []float64{m.P, m.Q, m.Gamma} }

// Spend is one customer's spend summary: the mean value M of its X
// transactions, for W customers (0 means 1).
type Spend struct {
	X, M, W float64
}

func (s Spend) weight() float64 {
	if s.W == 0 {
		return 1
	}
	return s.W
}

// LogLikelihood returns the log density of a mean spend m over x
// transactions:
//
//	Γ(px+q)/(Γ(px)Γ(q)) · γ^q m^(px−1) x^(px) / (γ+mx)^(px+q).
func (m GammaGamma) LogLikelihood(x, mean float64) float64 {
	p, q, g := m.P, m.Q, m.Gamma
	px := p * x
	return lgamma(px+q) - lgamma(px) - lgamma(q) + q*math.Log(g) + (px-1)*math.Log(mean) + px*math.Log(x) - (px+q)*math.Log(g+mean*x)
}

// ExpectedSpend returns E[M | x, m̄], the expected value of a future
// transaction of a customer whose x transactions averaged m̄:
// (γ + m̄x)·p / (px + q − 1). With x = 0 it is the population mean
// pγ/(q − 1) (infinite when q ≤ 1).
func (m GammaGamma) ExpectedSpend(x, mean float64) float64 {
	if x == 0 {
		return m.MeanSpend()
	}
	return (m.Gamma + mean*x) * m.P / (m.P*x + m.Q - 1)
}

// MeanSpend returns the population mean of a transaction's value, pγ/(q−1).
func (m GammaGamma) MeanSpend() float64 {
	if m.Q <= 1 {
		return math.Inf(1)
	}
	return m.P * m.Gamma / (m.Q - 1)
}

func ggLL(par []float64, data []Spend, grad []float64) float64 {
	p, q, g := par[0], par[1], par[2]
	total := 0.0
	psiQ := mathext.Digamma(q)
	lg := math.Log(g)
	for _, d := range data {
		w := d.weight()
		x, mn := d.X, d.M
		px := p * x
		lgm := math.Log(g + mn*x)
		lm, lx := math.Log(mn), math.Log(x)
		total += w * (lgamma(px+q) - lgamma(px) - lgamma(q) + q*lg + (px-1)*lm + px*lx - (px+q)*lgm)
		if grad != nil {
			psiPXQ := mathext.Digamma(px + q)
			grad[0] += w * x * (psiPXQ - mathext.Digamma(px) + lm + lx - lgm)
			grad[1] += w * (psiPXQ - psiQ + lg - lgm)
			grad[2] += w * (q/g - (px+q)/(g+mn*x))
		}
	}
	return total
}

// FitGammaGamma fits the Gamma-Gamma model to the spend of customers with at
// least one transaction (rows with X = 0 are skipped; they carry no spend).
func FitGammaGamma(data []Spend, s *Settings) (GammaGamma, *Fit, error) {
	if s == nil {
		s = &Settings{}
	}
	var use []Spend
	for i, d := range data {
		if d.X == 0 {
			continue
		}
		if !(d.X > 0) || d.X != math.Floor(d.X) || math.IsInf(d.X, 0) {
			return GammaGamma{}, nil, &ErrData{i, fmt.Sprintf("frequency %v is not a whole number ≥ 0", d.X)}
		}
		if !(d.M > 0) || math.IsInf(d.M, 0) {
			return GammaGamma{}, nil, &ErrData{i, fmt.Sprintf("mean spend %v is not positive", d.M)}
		}
		if d.W < 0 || math.IsNaN(d.W) || math.IsInf(d.W, 0) {
			return GammaGamma{}, nil, &ErrData{i, fmt.Sprintf("weight %v is negative or not finite", d.W)}
		}
		use = append(use, d)
	}
	if len(use) == 0 {
		return GammaGamma{}, nil, errors.New("no customer with a transaction to fit spend on")
	}
	n := 0.0
	mean := 0.0
	for _, d := range use {
		n += d.weight()
		mean += d.weight() * d.M
	}
	mean /= n
	starts := [][]float64{s.Init}
	if s.Init == nil {
		// Shape p = 2 per transaction, q = 3, γ matching the mean spend.
		starts = [][]float64{{2, 3, mean}, {1, 1.5, mean / 2}, {6, 4, 3 * mean / 6}}
	}
	ll := func(p, grad []float64) float64 {
		if grad != nil {
			clear(grad)
		}
		return ggLL(p, use, grad)
	}
	f, err := maximise(ggNames, ll, true, starts, s.MaxIterations, n, len(use))
	if err != nil {
		return GammaGamma{}, nil, err
	}
	return GammaGamma{P: f.Params[0], Q: f.Params[1], Gamma: f.Params[2]}, f, nil
}
