package clv

import (
	"cmp"
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// Pareto/NBD — Schmittlein, Morrison & Colombo (1987), "Counting Your
// Customers: Who Are They and What Will They Do Next?", Management Science
// 33(1); likelihood and predictions as in Fader & Hardie (2005), "A Note on
// Deriving the Pareto/NBD Model and Related Expressions", and DERT as in
// Fader, Hardie & Lee (2005), "RFM and CLV", JMR 42(4).

var paretoNames = []string{"r", "alpha", "s", "beta"}

// Params returns (r, α, s, β).
func (m ParetoNBD) Params() []float64 { return []float64{m.R, m.Alpha, m.S, m.Beta} }

// logA0 returns log A0 of the likelihood and its sign-free form: the
// difference of two 2F1 terms at t_x and T (−Inf when t_x = T).
func (m ParetoNBD) logA0(x, tx, T float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	rsx := r + s + x
	var h1, h2 float64
	var ok1, ok2 bool
	var u1, u2 float64
	if al >= be {
		h1, ok1 = hyp2f1(rsx, s+1, rsx+1, (al-be)/(al+tx))
		h2, ok2 = hyp2f1(rsx, s+1, rsx+1, (al-be)/(al+T))
		u1 = math.Log(h1) - rsx*math.Log(al+tx)
		u2 = math.Log(h2) - rsx*math.Log(al+T)
	} else {
		h1, ok1 = hyp2f1(rsx, r+x, rsx+1, (be-al)/(be+tx))
		h2, ok2 = hyp2f1(rsx, r+x, rsx+1, (be-al)/(be+T))
		u1 = math.Log(h1) - rsx*math.Log(be+tx)
		u2 = math.Log(h2) - rsx*math.Log(be+T)
	}
	if !ok1 || !ok2 || !finite(u1) || !finite(u2) {
		// 2F1 has no finite value here (large parameters with z near 1):
		// use the integral A0 comes from instead.
		return m.logA0Integral(x, tx, T)
	}
	if u2 >= u1 {
		return math.Inf(-1)
	}
	return u1 + math.Log(-math.Expm1(u2-u1))
}

// logA0Integral computes log A0 from its integral form,
//
//	s/(r+s+x) · A0 = ∫_{t_x}^{T} s (α+τ)^−(r+x) (β+τ)^−(s+1) dτ,
//
// in log space, with 20-node Gauss–Legendre panels that widen
// geometrically from t_x: the integrand falls fastest there, on the scale
// (α+t_x)/(r+x).
func (m ParetoNBD) logA0Integral(x, tx, T float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	if T <= tx {
		return math.Inf(-1)
	}
	logG := func(tau float64) float64 { return -(r+x)*math.Log(al+tau) - (s+1)*math.Log(be+tau) }
	width := math.Min((math.Min(al, be)+tx)/(r+x+s+1), T-tx)
	if !(width > 0) {
		width = T - tx
	}
	total := math.Inf(-1)
	lo := tx
	for k := 0; lo < T && k < 200; k++ {
		hi := math.Min(T, tx+width*(math.Exp2(float64(k+1))-1))
		half, mid := (hi-lo)/2, (hi+lo)/2
		for i, node := range legendre20x {
			total = logSumExp(total, math.Log(legendre20w[i]*half)+logG(mid+half*node))
		}
		lo = hi
	}
	// total is log ∫ (α+τ)^−(r+x) (β+τ)^−(s+1) dτ; A0 = (r+s+x) · ∫.
	return math.Log(r+s+x) + total
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// LogLikelihood returns the log-likelihood of one customer:
//
//	L = Γ(r+x) α^r β^s / Γ(r) · [ 1/((α+T)^(r+x) (β+T)^s) + s/(r+s+x) · A0 ].
func (m ParetoNBD) LogLikelihood(x, tx, T float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	la := lgamma(r+x) - lgamma(r) + r*math.Log(al) + s*math.Log(be)
	t1 := -(r+x)*math.Log(al+T) - s*math.Log(be+T)
	t2 := math.Log(s/(r+s+x)) + m.logA0(x, tx, T)
	return la + logSumExp(t1, t2)
}

// ProbAlive returns P(alive | x, t_x, T) =
// 1 / (1 + s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A0).
func (m ParetoNBD) ProbAlive(x, tx, T float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	lr := math.Log(s/(r+s+x)) + (r+x)*math.Log(al+T) + s*math.Log(be+T) + m.logA0(x, tx, T)
	return 1 / (1 + math.Exp(lr))
}

// ExpectedPurchases returns E[X(t)] for a new customer:
// rβ/(α(s−1)) · [1 − (β/(β+t))^(s−1)] (rβ/α · ln(1+t/β) when s = 1).
func (m ParetoNBD) ExpectedPurchases(t float64) float64 {
	return m.R * m.Beta / m.Alpha * lifetimeFactor(m.S, m.Beta, t)
}

// lifetimeFactor is [1 − (β/(β+t))^(s−1)]/(s−1), or its limit ln(1+t/β)
// at s = 1.
func lifetimeFactor(s, be, t float64) float64 {
	if math.Abs(s-1) < 1e-8 {
		return math.Log1p(t / be)
	}
	return -math.Expm1((s-1)*math.Log(be/(be+t))) / (s - 1)
}

// ConditionalExpectedPurchases returns E[Y(t) | x, t_x, T] =
// (r+x)(β+T)/(α+T) · [1 − ((β+T)/(β+T+t))^(s−1)]/(s−1) · P(alive).
func (m ParetoNBD) ConditionalExpectedPurchases(t, x, tx, T float64) float64 {
	if t <= 0 {
		return 0
	}
	return (m.R + x) * (m.Beta + T) / (m.Alpha + T) * lifetimeFactor(m.S, m.Beta+T, t) * m.ProbAlive(x, tx, T)
}

// DERT returns the discounted expected residual transactions over an
// infinite horizon with continuous discount rate delta per unit of time
// (FHL 2005, JMR, eq. 2):
//
//	α^r β^s δ^(s−1) Γ(r+x+1) U(s, s; δ(β+T)) / (Γ(r) (α+T)^(r+x+1) L),
//
// with U Tricomi's confluent hypergeometric function.
func (m ParetoNBD) DERT(x, tx, T, delta float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	ln := r*math.Log(al) + s*math.Log(be) + (s-1)*math.Log(delta) + lgamma(r+x+1) + logTricomiUss(s, delta*(be+T)) -
		lgamma(r) - (r+x+1)*math.Log(al+T) - m.LogLikelihood(x, tx, T)
	return math.Exp(ln)
}

// DERTHorizon is DERT over the next horizon units of time only (+Inf for
// DERT), integrated numerically.
func (m ParetoNBD) DERTHorizon(x, tx, T, delta, horizon float64) float64 {
	if math.IsInf(horizon, 1) && delta > 0 {
		return m.DERT(x, tx, T, delta)
	}
	return discountedPurchases(func(t float64) float64 { return m.ConditionalExpectedPurchases(t, x, tx, T) }, delta, horizon)
}

// logFTerm returns log F(t) = log 2F1(·; z(t)) − (r+s+x) log(k+t) for one
// end of A0, and its gradient with respect to (r, α, s, β); ok is false
// when the series does not converge.
func (m ParetoNBD) logFTerm(x, t float64) (v float64, g [4]float64, ok bool) {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	a := r + s + x
	if al >= be {
		// F = 2F1(a, s+1; a+1; (α−β)/(α+t)) / (α+t)^a
		z := (al - be) / (al + t)
		h, ha, hb, hc, hz, conv := hyp2f1Deriv(a, s+1, a+1, z)
		if !conv || !(h > 0) {
			return 0, g, false
		}
		l := math.Log(al + t)
		g[0] = (ha+hc)/h - l
		g[2] = (ha+hb+hc)/h - l
		g[1] = hz*(be+t)/((al+t)*(al+t))/h - a/(al+t)
		g[3] = -hz / (al + t) / h
		return math.Log(h) - a*l, g, true
	}
	// F = 2F1(a, r+x; a+1; (β−α)/(β+t)) / (β+t)^a
	z := (be - al) / (be + t)
	h, ha, hb, hc, hz, conv := hyp2f1Deriv(a, r+x, a+1, z)
	if !conv || !(h > 0) {
		return 0, g, false
	}
	l := math.Log(be + t)
	g[0] = (ha+hb+hc)/h - l
	g[2] = (ha+hc)/h - l
	g[1] = -hz / (be + t) / h
	g[3] = hz*(al+t)/((be+t)*(be+t))/h - a/(be+t)
	return math.Log(h) - a*l, g, true
}

// llGrad returns the log-likelihood of one customer and adds its analytic
// gradient with respect to (r, α, s, β) into grad. Where the 2F1 series
// does not converge it falls back to the integral form of A0 and a
// numerical gradient for that customer.
func (m ParetoNBD) llGrad(x, tx, T float64, psiRX, psiR float64, grad *[4]float64) float64 {
	return m.llGradTerms(x, tx, T, m.perX(x, psiRX, psiR), m.fTerm(x, tx), m.fTerm(x, T), grad)
}

// fTerm is logFTerm's result.
type fTerm struct {
	v  float64
	g  [4]float64
	ok bool
}

func (m ParetoNBD) fTerm(x, t float64) fTerm {
	v, g, ok := m.logFTerm(x, t)
	return fTerm{v, g, ok}
}

// paretoX holds what the log-likelihood of a customer needs that depends
// on x alone.
type paretoX struct {
	psiRX, psiR float64 // ψ(r+x), ψ(r)
	la          float64 // log Γ(r+x) − log Γ(r) + r log α + s log β
	logSRSX     float64 // log(s/(r+s+x))
}

func (m ParetoNBD) perX(x, psiRX, psiR float64) paretoX {
	return paretoX{psiRX: psiRX, psiR: psiR, la: lgamma(m.R+x) - lgamma(m.R) + m.R*math.Log(m.Alpha) + m.S*math.Log(m.Beta),
		logSRSX: math.Log(m.S / (m.R + m.S + x))}
}

// llGradTerms is llGrad given what depends on x alone (px) and log F at
// t_x (f1) and at T (f2).
func (m ParetoNBD) llGradTerms(x, tx, T float64, px paretoX, f1, f2 fTerm, grad *[4]float64) float64 {
	r, al, s, be := m.R, m.Alpha, m.S, m.Beta
	la := px.la
	lAT, lBT := math.Log(al+T), math.Log(be+T)
	t1 := -(r+x)*lAT - s*lBT
	u1, g1, ok1 := f1.v, f1.g, f1.ok
	u2, g2, ok2 := f2.v, f2.g, f2.ok
	if !ok1 || !ok2 {
		v := m.LogLikelihood(x, tx, T)
		var g [4]float64
		numericGradient(func(q []float64) float64 {
			return ParetoNBD{R: q[0], Alpha: q[1], S: q[2], Beta: q[3]}.LogLikelihood(x, tx, T)
		}, m.Params(), g[:])
		for i := range g {
			grad[i] += g[i]
		}
		return v
	}
	rsx := r + s + x
	dla := [4]float64{px.psiRX - px.psiR + math.Log(al), r / al, math.Log(be), s / be}
	dt1 := [4]float64{-lAT, -(r + x) / (al + T), -lBT, -s / (be + T)}
	if u2 >= u1 { // t_x = T: the second term vanishes
		for i := range grad {
			grad[i] += dla[i] + dt1[i]
		}
		return la + t1
	}
	e := math.Exp(u2 - u1)
	logA0 := u1 + math.Log1p(-e)
	t2 := px.logSRSX + logA0
	// log(e^t1 + e^t2) and the weight of t1 in it, w1 = e^t1/(e^t1+e^t2),
	// from one exponential: q = e^(−|t1−t2|).
	var lse, w1, w2 float64
	switch {
	case math.IsInf(t2, -1):
		lse, w1, w2 = t1, 1, 0
	case t1 >= t2:
		q := math.Exp(t2 - t1)
		lse, w1, w2 = t1+math.Log1p(q), 1/(1+q), q/(1+q)
	default:
		q := math.Exp(t1 - t2)
		lse, w1, w2 = t2+math.Log1p(q), q/(1+q), 1/(1+q)
	}
	for i := range grad {
		dA0 := (g1[i] - e*g2[i]) / (1 - e)
		dt2 := dA0
		switch i {
		case 0:
			dt2 -= 1 / rsx
		case 2:
			dt2 += 1/s - 1/rsx
		}
		grad[i] += dla[i] + w1*dt1[i] + w2*dt2
	}
	return la + lse
}

func paretoLL(p []float64, data []RFM, grad []float64) float64 {
	m := ParetoNBD{R: p[0], Alpha: p[1], S: p[2], Beta: p[3]}
	total := 0.0
	if grad == nil {
		for _, d := range data {
			total += d.weight() * m.LogLikelihood(d.X, d.TX, d.T)
		}
		return total
	}
	psiR := mathext.Digamma(m.R)
	lastX := -1.0
	var px paretoX
	// log F depends on the customer only through (x, t): with times in
	// days, a few thousand distinct pairs serve hundreds of thousands of
	// customers, and each costs a ₂F₁ series. The rows come sorted by x, so
	// the memo is keyed by t and starts afresh with each x.
	var terms map[float64]fTerm
	term := func(x, t float64) fTerm {
		f, ok := terms[t]
		if !ok {
			f = m.fTerm(x, t)
			terms[t] = f
		}
		return f
	}
	lastTX, f1 := -1.0, fTerm{}
	for _, d := range data {
		if d.X != lastX {
			lastX, px = d.X, m.perX(d.X, mathext.Digamma(m.R+d.X), psiR)
			terms = make(map[float64]fTerm, len(terms))
			lastTX = -1
		}
		if d.TX != lastTX { // the fit sorts the rows by (x, t_x)
			lastTX, f1 = d.TX, term(d.X, d.TX)
		}
		var g [4]float64
		w := d.weight()
		total += w * m.llGradTerms(d.X, d.TX, d.T, px, f1, term(d.X, d.T), &g)
		for i := range g {
			grad[i] += w * g[i]
		}
	}
	return total
}

// numericGradient adds the central-difference gradient of f at p to grad.
// BG/BB uses it, and Pareto/NBD for the rare customer whose 2F1 series does
// not converge.
func numericGradient(f func([]float64) float64, p, grad []float64) {
	q := make([]float64, len(p))
	for i := range p {
		h := 1e-6 * math.Max(math.Abs(p[i]), 1e-4)
		copy(q, p)
		q[i] = p[i] + h
		fp := f(q)
		q[i] = p[i] - h
		fm := f(q)
		grad[i] += (fp - fm) / (2 * h)
	}
}

// FitParetoNBD fits the Pareto/NBD model by maximum likelihood.
func FitParetoNBD(data []RFM, s *Settings) (ParetoNBD, *Fit, error) {
	s, c, starts, err := prepareRFM(data, s, func(c []RFM) ([]float64, []float64) {
		meanT := meanOf(c, func(d RFM) float64 { return d.T })
		return []float64{1, meanT}, []float64{0.5, meanT / 2}
	})
	if err != nil {
		return ParetoNBD{}, nil, err
	}
	// In (x, t_x) order consecutive rows share the ₂F₁ term of t_x.
	slices.SortFunc(c, func(a, b RFM) int { return cmp.Or(cmp.Compare(a.X, b.X), cmp.Compare(a.TX, b.TX)) })
	f, err := maximise(paretoNames, parallelLL(paretoLL, c, s.Workers), true, starts, s.MaxIterations, totalWeight(c), len(c))
	if err != nil {
		return ParetoNBD{}, nil, err
	}
	return ParetoNBD{R: f.Params[0], Alpha: f.Params[1], S: f.Params[2], Beta: f.Params[3]}, f, nil
}
