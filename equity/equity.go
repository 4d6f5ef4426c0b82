// Package equity values a firm's customers in aggregate: customer equity,
// segment lifetime value, share of customer equity, the Rust–Lemon–Zeithaml
// brand-switching model, Markov-chain customer value, and closed-form
// customer value (margin multiple, Blattberg–Deighton).
//
// It is a pure numeric package, like clv: no I/O, no logging.
package equity

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Acquisition describes expected new customers: Prospects × Rate of them
// are acquired, each worth CLV and costing Cost to acquire.
type Acquisition struct {
	Prospects, Rate, CLV, Cost float64
}

// Value returns the equity the acquisitions add: prospects × rate ×
// (CLV − cost).
func (a Acquisition) Value() float64 { return a.Prospects * a.Rate * (a.CLV - a.Cost) }

// CustomerEquity returns Σ CLV over current customers plus the value of the
// expected acquisitions.
func CustomerEquity(clv []float64, acq ...Acquisition) float64 {
	s := 0.0
	for _, v := range clv {
		s += v
	}
	for _, a := range acq {
		s += a.Value()
	}
	return s
}

// SegmentLifetimeValue returns a segment's mean CLV and its lifetime value,
// mean CLV × customers in the segment.
func SegmentLifetimeValue(clv []float64) (mean, value float64) {
	if len(clv) == 0 {
		return 0, 0
	}
	value = CustomerEquity(clv)
	return value / float64(len(clv)), value
}

// Share returns the firm's share of the market's customer equity:
// firm / Σ market (the firm among them).
func Share(firm float64, market ...float64) float64 {
	s := 0.0
	for _, v := range market {
		s += v
	}
	if s == 0 {
		return math.NaN()
	}
	return firm / s
}

// MarginMultiple returns a customer's value with a constant margin m per
// period, retention r and discount rate i, margins received at the end of
// each period forever — Gupta & Lehmann (2003), "Customers as Assets",
// Journal of Interactive Marketing 17(1): m·r/(1+i−r).
func MarginMultiple(m, r, i float64) float64 { return m * r / (1 + i - r) }

// MarginMultipleFinite is MarginMultiple over n periods only:
// Σ_{t=1..n} m·(r/(1+i))^t.
func MarginMultipleFinite(m, r, i float64, n int) float64 {
	q := r / (1 + i)
	s, p := 0.0, 1.0
	for range n {
		p *= q
		s += m * p
	}
	return s
}

// RetentionElasticity returns the percentage change of MarginMultiple per
// percentage change of retention: (1+i)/(1+i−r).
func RetentionElasticity(r, i float64) float64 { return (1 + i) / (1 + i - r) }

// BlattbergDeighton returns customer equity per prospect — Blattberg &
// Deighton (1996), "Manage Marketing by the Customer Equity Test", Harvard
// Business Review 74(4): a·m − A + a·(m − R/r)·r/(1+d−r), with a the
// acquisition rate, m the margin, A the acquisition spend per prospect, R
// the retention spend per customer, r the retention rate and d the discount
// rate.
func BlattbergDeighton(a, m, A, R, r, d float64) float64 {
	return a*m - A + a*(m-R/r)*r/(1+d-r)
}

// Markov is a Markov chain of customer states (recency bands, tiers) —
// Pfeifer & Carraway (2000), "Modeling Customer Relationships as Markov
// Chains", Journal of Interactive Marketing 14(2). P[i][j] is the
// probability of moving from state i to state j in one period, Reward[i]
// the margin of a period spent in state i, and Discount the rate per
// period.
type Markov struct {
	P        [][]float64
	Reward   []float64
	Discount float64
}

func (m Markov) check() error {
	n := len(m.Reward)
	if n == 0 || len(m.P) != n {
		return errors.New("transition matrix and rewards must have the same number of states")
	}
	for i, row := range m.P {
		if len(row) != n {
			return errors.New("transition matrix is not square")
		}
		s := 0.0
		for _, p := range row {
			if p < 0 || p > 1 || math.IsNaN(p) {
				return errors.New("transition probabilities must lie in [0, 1]")
			}
			s += p
		}
		if math.Abs(s-1) > 1e-9 {
			return fmt.Errorf("row %d of the transition matrix sums to %v, not 1", i, s)
		}
	}
	if m.Discount <= -1 {
		return errors.New("discount rate must exceed −1")
	}
	return nil
}

// Value returns the expected discounted value of a customer starting in each
// state over periods 0…horizon: V = Σ_{t=0}^{horizon} [P/(1+d)]^t R.
func (m Markov) Value(horizon int) ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	n := len(m.Reward)
	v := append([]float64(nil), m.Reward...)
	term := append([]float64(nil), m.Reward...)
	for range horizon {
		next := make([]float64, n)
		for i := range n {
			s := 0.0
			for j := range n {
				s += m.P[i][j] * term[j]
			}
			next[i] = s / (1 + m.Discount)
		}
		term = next
		for i := range v {
			v[i] += term[i]
		}
	}
	return v, nil
}

// ValueForever returns the value over an infinite horizon,
// V = (I − P/(1+d))^−1 R, which needs d > 0.
func (m Markov) ValueForever() ([]float64, error) {
	if err := m.check(); err != nil {
		return nil, err
	}
	if m.Discount <= 0 {
		return nil, errors.New("an infinite horizon needs a positive discount rate")
	}
	n := len(m.Reward)
	a := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			v := -m.P[i][j] / (1 + m.Discount)
			if i == j {
				v++
			}
			a.Set(i, j, v)
		}
	}
	var x mat.VecDense
	if err := x.SolveVec(a, mat.NewVecDense(n, append([]float64(nil), m.Reward...))); err != nil {
		return nil, err
	}
	return x.RawVector().Data, nil
}
