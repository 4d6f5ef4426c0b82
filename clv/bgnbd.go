package clv

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BG/NBD — Fader, Hardie & Lee (2005), "Counting Your Customers the Easy
// Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).

var bgnbdNames = []string{"r", "alpha", "a", "b"}

// Params returns the parameters in the order of FitBGNBD's result.
func (m BGNBD) Params() []float64 { return []float64{m.R, m.Alpha, m.A, m.B} }

func (m BGNBD) valid() bool {
	return m.R > 0 && m.Alpha > 0 && m.A > 0 && m.B > 0 && !math.IsInf(m.R+m.Alpha+m.A+m.B, 0)
}

// LogLikelihood returns the log-likelihood of one customer (FHL 2005,
// eq. 6):
//
//	L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
//	  + [x > 0] B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x)),
//
// summed in log space.
func (m BGNBD) LogLikelihood(x, tx, T float64) float64 {
	var c bgnbdX
	c.set(m, x)
	return c.ll(m, tx, T, nil)
}

// bgnbdX holds the terms of the likelihood that depend on x only.
type bgnbdX struct {
	x, a0, b1c, b2c             float64
	dr0, da1, db1, da2, db2, rx float64
}

func (c *bgnbdX) set(m BGNBD, x float64) {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	lbab := mathext.Lbeta(a, b)
	c.x = x
	c.rx = r + x
	c.a0 = lgamma(r+x) - lgamma(r) + r*math.Log(al)
	c.b1c = mathext.Lbeta(a, b+x) - lbab
	psiAB, psiABX := mathext.Digamma(a+b), mathext.Digamma(a+b+x)
	c.dr0 = mathext.Digamma(r+x) - mathext.Digamma(r) + math.Log(al)
	c.da1 = psiAB - psiABX
	c.db1 = mathext.Digamma(b+x) - psiABX - mathext.Digamma(b) + psiAB
	if x > 0 {
		c.b2c = mathext.Lbeta(a+1, b+x-1) - lbab
		c.da2 = 1/a - psiABX + psiAB
		c.db2 = mathext.Digamma(b+x-1) - psiABX - mathext.Digamma(b) + psiAB
	}
}

// ll returns the log-likelihood at (tx, T) and, when grad is not nil, adds
// w times its gradient with respect to (r, α, a, b) into grad... with w = 1;
// the caller scales.
func (c *bgnbdX) ll(m BGNBD, tx, T float64, grad []float64) float64 {
	lT := math.Log(m.Alpha + T)
	b1 := c.b1c - c.rx*lT
	if c.x == 0 {
		if grad != nil {
			grad[0] += c.dr0 - lT
			grad[1] += m.R/m.Alpha - c.rx/(m.Alpha+T)
			grad[2] += c.da1
			grad[3] += c.db1
		}
		return c.a0 + b1
	}
	lTx := math.Log(m.Alpha + tx)
	b2 := c.b2c - c.rx*lTx
	lse := logSumExp(b1, b2)
	if grad != nil {
		w1 := math.Exp(b1 - lse)
		w2 := 1 - w1
		grad[0] += c.dr0 - w1*lT - w2*lTx
		grad[1] += m.R/m.Alpha - c.rx*(w1/(m.Alpha+T)+w2/(m.Alpha+tx))
		grad[2] += w1*c.da1 + w2*c.da2
		grad[3] += w1*c.db1 + w2*c.db2
	}
	return c.a0 + lse
}

// timedRow is a row with the indexes of its t_x and T among the distinct
// times of the data, so that a likelihood pass takes log(α + t) once per
// distinct time rather than once per row: summaries in days have only
// hundreds of them.
type timedRow struct {
	RFM
	tx, tt int32
}

// withTimes indexes the rows' times and returns the distinct times.
func withTimes(data []RFM) ([]timedRow, []float64) {
	idx := map[float64]int32{}
	var vals []float64
	get := func(v float64) int32 {
		i, ok := idx[v]
		if !ok {
			i = int32(len(vals))
			idx[v] = i
			vals = append(vals, v)
		}
		return i
	}
	rows := make([]timedRow, len(data))
	for i, d := range data {
		rows[i] = timedRow{RFM: d, tx: get(d.TX), tt: get(d.T)}
	}
	return rows, vals
}

// bgnbdTimedLL is the BG/NBD log-likelihood of rows whose times are indexes
// into times, summed on workers.
func bgnbdTimedLL(rows []timedRow, times []float64, workers int) func(p, grad []float64) float64 {
	return parallelLL(func(p []float64, rows []timedRow, grad []float64) float64 {
		m := BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3]}
		logs := make([]float64, len(times))
		invs := make([]float64, len(times))
		for i, v := range times {
			logs[i] = math.Log(m.Alpha + v)
			invs[i] = 1 / (m.Alpha + v)
		}
		var g [4]float64
		total := bgnbdRows(m, rows, logs, invs, grad != nil, &g)
		if grad != nil {
			for i := range g {
				grad[i] += g[i]
			}
		}
		return total
	}, rows, workers)
}

// bgnbdRows sums the log-likelihood of rows (ordered by X) and, when
// withGrad, adds its gradient into g.
func bgnbdRows(m BGNBD, rows []timedRow, logs, invs []float64, withGrad bool, g *[4]float64) float64 {
	var c bgnbdX
	c.x = -1
	var total, g0, g1, g2, g3 float64
	prod, inProd := 1.0, 0
	ra := m.R / m.Alpha
	for i := range rows {
		d := &rows[i]
		if d.X != c.x {
			c.set(m, d.X)
		}
		w := d.weight()
		lT, iT := logs[d.tt], invs[d.tt]
		b1 := c.b1c - c.rx*lT
		if c.x == 0 {
			total += w * (c.a0 + b1)
			g0 += w * (c.dr0 - lT)
			g1 += w * (ra - c.rx*iT)
			g2 += w * c.da1
			g3 += w * c.db1
			continue
		}
		lTx, iTx := logs[d.tx], invs[d.tx]
		b2 := c.b2c - c.rx*lTx
		// log(e^b1 + e^b2) = max + log(1 + e^−|b1−b2|), and the weight of
		// the first term. The logarithm was most of the pass, so the
		// factors 1 + e of rows of weight 1 (most distinct rows) are
		// multiplied together and their logarithm taken once a block
		// (each factor is in [1, 2], so a block cannot overflow; the
		// rounding of a block's product is far below that of the sum).
		gap := b1 - b2
		e := math.Exp(-math.Abs(gap))
		inv := 1 / (1 + e)
		// inv if b1 is the larger term, else 1 − inv, without a branch
		// (which term is larger changes from row to row); both are exact
		// for inv in [½, 1].
		w1 := 0.5 + math.Copysign(inv-0.5, gap)
		w2 := 1 - w1
		total += w * (c.a0 + max(b1, b2))
		if w == 1 {
			prod *= 1 + e
			if inProd++; inProd == prodBlock {
				total += logOf(prod)
				prod, inProd = 1, 0
			}
		} else {
			total += w * math.Log(1+e)
		}
		g0 += w * (c.dr0 - w1*lT - w2*lTx)
		g1 += w * (ra - c.rx*(w1*iT+w2*iTx))
		g2 += w * (w1*c.da1 + w2*c.da2)
		g3 += w * (w1*c.db1 + w2*c.db2)
	}
	if withGrad {
		g[0] += g0
		g[1] += g1
		g[2] += g2
		g[3] += g3
	}
	return total + logOf(prod)
}

// prodBlock is how many factors in [1, 2] are multiplied before taking the
// logarithm: 2^512 is far from overflowing.
const prodBlock = 512

// logOf is log(v) for v ≥ 1, from its binary exponent and mantissa.
func logOf(v float64) float64 {
	frac, exp := math.Frexp(v)
	return math.Log(frac) + float64(exp)*math.Ln2
}

// FitBGNBD fits the BG/NBD model by maximum likelihood. data may hold one
// row per customer or weighted rows; identical rows are collapsed first.
func FitBGNBD(data []RFM, s *Settings) (BGNBD, *Fit, error) {
	s, c, all, err := prepareRFM(data, s, func([]RFM) ([]float64, []float64) { return []float64{1, 1}, []float64{0.5, 3} })
	if err != nil {
		return BGNBD{}, nil, err
	}
	rows, times := withTimes(c)
	f, err := maximise(bgnbdNames, bgnbdTimedLL(rows, times, s.Workers), true, all, s.MaxIterations, totalWeight(c), len(c))
	if err != nil {
		return BGNBD{}, nil, err
	}
	return BGNBD{R: f.Params[0], Alpha: f.Params[1], A: f.Params[2], B: f.Params[3]}, f, nil
}

// ExpectedPurchases returns E[X(t)], the expected number of repeat
// purchases of a new customer in (0, t] (FHL 2005, eq. 7):
//
//	(a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))].
func (m BGNBD) ExpectedPurchases(t float64) float64 {
	if t <= 0 {
		return 0
	}
	if v, ok := nearOne(m.A, func(a float64) float64 { m.A = a; return m.expectedPurchases(t) }); ok {
		return v
	}
	return m.expectedPurchases(t)
}

func (m BGNBD) expectedPurchases(t float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	// (α/(α+t))^r 2F1(r, b; a+b−1; z) with 1−z = α/(α+t).
	z := t / (al + t)
	v := (a + b - 1) / (a - 1) * (1 - scaledHypergeo(r, r, b, a+b-1, z))
	if !finite(v) || v < 0 {
		// 2F1 fails for extreme parameters: integrate over the prior.
		return aliveExpected(r, al, a, b, t)
	}
	return v
}

// ProbAlive returns P(alive | x, t_x, T) (FHL 2005, eq. 11):
// 1 / (1 + [x > 0] a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)).
func (m BGNBD) ProbAlive(x, tx, T float64) float64 {
	if x == 0 {
		return 1
	}
	lr := math.Log(m.A/(m.B+x-1)) + (m.R+x)*(math.Log(m.Alpha+T)-math.Log(m.Alpha+tx))
	return 1 / (1 + math.Exp(lr))
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T], the expected
// number of purchases in (T, T+t] of a customer with history (x, t_x, T)
// (FHL 2005, eq. 10).
func (m BGNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	if v, ok := nearOne(m.A, func(a float64) float64 { m.A = a; return m.conditionalExpectedPurchases(t, x, tx, T) }); ok {
		return v
	}
	return m.conditionalExpectedPurchases(t, x, tx, T)
}

func (m BGNBD) conditionalExpectedPurchases(t, x, tx, T float64) float64 {
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	// ((α+T)/(α+T+t))^(r+x) 2F1(r+x, b+x; a+b+x−1; z) with 1−z = (α+T)/(α+T+t).
	z := t / (al + T + t)
	num := (a + b + x - 1) / (a - 1) * (1 - scaledHypergeo(r+x, r+x, b+x, a+b+x-1, z))
	if !finite(num) || num < 0 {
		// 2F1 fails for extreme parameters: integrate over the posterior
		// of an alive customer, λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x).
		num = aliveExpected(r+x, al+T, a, b+x, t)
	}
	return num * m.ProbAlive(x, tx, T)
}

// ProbPurchases returns P(X(t) = k), the probability that a new customer
// makes k repeat purchases in (0, t] (FHL 2005, eq. 8).
func (m BGNBD) ProbPurchases(t float64, k int) float64 {
	if k < 0 {
		return 0
	}
	r, al, a, b := m.R, m.Alpha, m.A, m.B
	x := float64(k)
	lbab := mathext.Lbeta(a, b)
	lq := math.Log(al / (al + t))
	lz := math.Log(t / (al + t))
	first := mathext.Lbeta(a, b+x) - lbab + lgamma(r+x) - lgamma(r) - lgamma(x+1) + r*lq
	if k > 0 {
		first += x * lz
	}
	p := math.Exp(first)
	if k > 0 {
		// 1 − (α/(α+t))^r Σ_{j<x} Γ(r+j)/(Γ(r) j!) (t/(α+t))^j
		sum := 0.0
		for j := range k {
			fj := float64(j)
			lt := lgamma(r+fj) - lgamma(r) - lgamma(fj+1) + r*lq
			if j > 0 {
				lt += fj * lz
			}
			sum += math.Exp(lt)
		}
		p += math.Exp(mathext.Lbeta(a+1, b+x-1)-lbab) * (1 - sum)
	}
	return p
}

// DERT returns the discounted expected residual transactions of a customer
// with history (x, t_x, T) over the next horizon units of time (+Inf for
// all), with continuous discount rate delta per unit of time:
// ∫ e^(−δt) dE[Y(t) | x, t_x, T]. BG/NBD has no closed form; it is
// integrated numerically (see discountedPurchases); over the whole future,
// with δ > 0, it is P(alive) times aliveDiscounted over the posterior of
// an alive customer, λ ~ Gamma(r+x, α+T), p ~ Beta(a, b+x).
func (m BGNBD) DERT(x, tx, T, delta, horizon float64) float64 {
	if math.IsInf(horizon, 1) && delta > 0 {
		return m.ProbAlive(x, tx, T) * m.AliveDERT(x, T, delta)
	}
	return discountedPurchases(func(t float64) float64 { return m.ConditionalExpectedPurchases(t, x, tx, T) }, delta, horizon)
}

// AliveDERT returns the discounted expected residual transactions over the
// whole future of a customer with x repeat purchases and age T who is
// alive, at the continuous discount rate delta > 0: the lifetime DERT is
// ProbAlive(x, t_x, T) × AliveDERT(x, T, delta), and AliveDERT does not
// depend on t_x, so that scoring millions of customers computes it once per
// (x, T).
func (m BGNBD) AliveDERT(x, T, delta float64) float64 {
	return aliveDiscounted(m.R+x, m.Alpha+T, m.A, m.B+x, delta)
}

// nearOne handles the removable singularity at a = 1 of the BG/NBD and
// MBG/NBD expectations, where the formulas are 0/0: close to it, f is
// evaluated on either side and averaged (error O(1e-8)).
func nearOne(a float64, f func(a float64) float64) (float64, bool) {
	const eps = 1e-4
	if math.Abs(a-1) >= eps {
		return 0, false
	}
	return (f(1-eps) + f(1+eps)) / 2, true
}
