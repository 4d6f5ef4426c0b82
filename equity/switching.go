package equity

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// The brand-switching model of Rust, Lemon & Zeithaml (2004), "Return on
// Marketing: Using Customer Equity to Focus Marketing Strategy", Journal of
// Marketing 68(1). Respondent i's utility of brand j is
//
//	U_ij = β0·LAST_ij + X_ij·β
//
// with LAST_ij = 1 for the brand bought last and X_ij i's ratings of j on
// the drivers (value, brand, relationship …); the next choice is a logit
// over U_i·. Row r of i's switching matrix is that logit with LAST = brand r.

// Respondent is one survey respondent.
type Respondent struct {
	Ratings   [][]float64 // [brand][driver]
	Last      int         // brand bought last
	Frequency float64     // category purchases per year
	Chosen    int         // brand chosen next (for estimation); −1 if unknown
}

// Brand is a brand of the market.
type Brand struct {
	Name         string
	Contribution float64 // contribution per purchase (π_j)
	Owner        string  // the firm that owns it
}

// Market describes the market the respondents represent.
type Market struct {
	Brands       []Brand
	DiscountRate float64 // per year
	HorizonYears float64
	Size         float64 // customers in the market (POP)
	Volume       float64 // units per purchase (v); 0 means 1
}

// Coefficients are the logit's: Inertia β0 and one per driver.
type Coefficients struct {
	Inertia float64
	Drivers []float64
}

// Validate checks that the respondents fit the market and the coefficients.
func Validate(rs []Respondent, m Market, drivers int) error {
	if len(m.Brands) < 2 {
		return errors.New("need at least two brands")
	}
	for i, r := range rs {
		if len(r.Ratings) != len(m.Brands) {
			return fmt.Errorf("respondent %d: ratings of %d brands, the market has %d", i, len(r.Ratings), len(m.Brands))
		}
		for j, x := range r.Ratings {
			if len(x) != drivers {
				return fmt.Errorf("respondent %d, brand %d: %d ratings, want %d drivers", i, j, len(x), drivers)
			}
		}
		if r.Last < 0 || r.Last >= len(m.Brands) {
			return fmt.Errorf("respondent %d: last brand %d out of range", i, r.Last)
		}
		if !(r.Frequency > 0) {
			return fmt.Errorf("respondent %d: purchase frequency %v is not positive", i, r.Frequency)
		}
		if r.Chosen >= len(m.Brands) {
			return fmt.Errorf("respondent %d: chosen brand %d out of range", i, r.Chosen)
		}
	}
	return nil
}

// Switching returns respondent r's switching matrix: row k holds the
// probabilities of choosing each brand next, having bought brand k last.
func (c Coefficients) Switching(r Respondent) [][]float64 {
	J := len(r.Ratings)
	base := make([]float64, J)
	for j, x := range r.Ratings {
		for d, v := range x {
			base[j] += c.Drivers[d] * v
		}
	}
	M := make([][]float64, J)
	for k := range J {
		M[k] = softmax(base, k, c.Inertia)
	}
	return M
}

// softmax returns the logit over u with inertia added to brand last.
func softmax(u []float64, last int, inertia float64) []float64 {
	mx := math.Inf(-1)
	for j, v := range u {
		if j == last {
			v += inertia
		}
		mx = math.Max(mx, v)
	}
	p := make([]float64, len(u))
	s := 0.0
	for j, v := range u {
		if j == last {
			v += inertia
		}
		p[j] = math.Exp(v - mx)
		s += p[j]
	}
	for j := range p {
		p[j] /= s
	}
	return p
}

// CLV returns respondent r's lifetime value to each brand:
//
//	CLV_ij = Σ_{t=0}^{T} (1+d)^(−t/f) · v · π_j · B_ijt,
//
// with B_0 = e_last·M, B_t = B_{t−1}·M, f the respondent's purchases a
// year and T = ⌊f·H⌋ the purchases within the horizon of H years.
func (c Coefficients) CLV(r Respondent, m Market) []float64 {
	M := c.Switching(r)
	J := len(M)
	v := m.Volume
	if v == 0 {
		v = 1
	}
	T := int(math.Floor(r.Frequency*m.HorizonYears + 1e-9))
	b := append([]float64(nil), M[r.Last]...)
	clv := make([]float64, J)
	for t := 0; t <= T; t++ {
		disc := math.Pow(1+m.DiscountRate, -float64(t)/r.Frequency)
		for j := range J {
			clv[j] += disc * v * m.Brands[j].Contribution * b[j]
		}
		next := make([]float64, J)
		for k := range J {
			for j := range J {
				next[j] += b[k] * M[k][j]
			}
		}
		b = next
	}
	return clv
}

// Result is the customer equity of each brand.
type Result struct {
	MeanCLV []float64 // mean over respondents
	Equity  []float64 // mean CLV × market size
	Share   []float64 // share of customer equity
}

// Equity returns each brand's customer equity and share.
func (c Coefficients) Equity(rs []Respondent, m Market) Result {
	J := len(m.Brands)
	res := Result{MeanCLV: make([]float64, J), Equity: make([]float64, J), Share: make([]float64, J)}
	for _, r := range rs {
		for j, v := range c.CLV(r, m) {
			res.MeanCLV[j] += v / float64(len(rs))
		}
	}
	total := 0.0
	for j := range J {
		res.Equity[j] = res.MeanCLV[j] * m.Size
		total += res.Equity[j]
	}
	for j := range J {
		res.Share[j] = res.Equity[j] / total
	}
	return res
}

// Spend is an amount spent at a time, in years from now.
type Spend struct {
	Amount, Year float64
}

// WhatIf is a marketing initiative: brand Brand improves driver Driver by
// Delta in every respondent's rating, at the cost of Spend.
type WhatIf struct {
	Brand, Driver int
	Delta         float64
	Spend         []Spend
}

// WhatIfResult is the effect of an initiative.
type WhatIfResult struct {
	Before, After     Result
	DeltaCE           float64 // the brand's ΔCE
	DiscountedSpend   float64 // E = Σ spend / (1+d)^year
	ROI               float64 // (ΔCE − E) / E
	PortfolioDeltaCE  float64 // ΔCE of all the brands of the brand's owner
	PortfolioBefore   float64
	PortfolioAfter    float64
	PortfolioROI      float64
	SharesAfter       []float64
	OwnerOfPortfolio  string
	BrandsInPortfolio []int
}

// Apply evaluates w: the brand's and its owner's portfolio's change in
// customer equity and the return on the spend.
func (c Coefficients) Apply(rs []Respondent, m Market, w WhatIf) (WhatIfResult, error) {
	if w.Brand < 0 || w.Brand >= len(m.Brands) || w.Driver < 0 || w.Driver >= len(c.Drivers) {
		return WhatIfResult{}, errors.New("what-if names a brand or driver out of range")
	}
	before := c.Equity(rs, m)
	changed := make([]Respondent, len(rs))
	for i, r := range rs {
		cr := r
		cr.Ratings = make([][]float64, len(r.Ratings))
		for j, x := range r.Ratings {
			cr.Ratings[j] = append([]float64(nil), x...)
		}
		cr.Ratings[w.Brand][w.Driver] += w.Delta
		changed[i] = cr
	}
	after := c.Equity(changed, m)
	res := WhatIfResult{Before: before, After: after, SharesAfter: after.Share, DeltaCE: after.Equity[w.Brand] - before.Equity[w.Brand]}
	for _, s := range w.Spend {
		res.DiscountedSpend += s.Amount / math.Pow(1+m.DiscountRate, s.Year)
	}
	owner := m.Brands[w.Brand].Owner
	res.OwnerOfPortfolio = owner
	for j, b := range m.Brands {
		if j == w.Brand || (owner != "" && b.Owner == owner) {
			res.BrandsInPortfolio = append(res.BrandsInPortfolio, j)
			res.PortfolioBefore += before.Equity[j]
			res.PortfolioAfter += after.Equity[j]
		}
	}
	res.PortfolioDeltaCE = res.PortfolioAfter - res.PortfolioBefore
	if res.DiscountedSpend > 0 {
		res.ROI = (res.DeltaCE - res.DiscountedSpend) / res.DiscountedSpend
		res.PortfolioROI = (res.PortfolioDeltaCE - res.DiscountedSpend) / res.DiscountedSpend
	} else {
		res.ROI, res.PortfolioROI = math.NaN(), math.NaN()
	}
	return res, nil
}

// Estimate fits the coefficients by maximum likelihood of the conditional
// logit on the respondents' next choices (respondents with Chosen < 0 are
// skipped), and returns their standard errors from the analytic Hessian.
func Estimate(rs []Respondent, drivers int) (Coefficients, Coefficients, float64, error) {
	var use []Respondent
	for _, r := range rs {
		if r.Chosen >= 0 {
			use = append(use, r)
		}
	}
	if len(use) == 0 {
		return Coefficients{}, Coefficients{}, 0, errors.New("no respondent has a next choice to estimate from")
	}
	k := drivers + 1
	// features of brand j for respondent r: (LAST, ratings…)
	feat := func(r Respondent, j int, f []float64) {
		f[0] = 0
		if j == r.Last {
			f[0] = 1
		}
		copy(f[1:], r.Ratings[j])
	}
	llGrad := func(beta, grad []float64, hess *mat.SymDense) float64 {
		ll := 0.0
		f := make([]float64, k)
		for _, r := range use {
			J := len(r.Ratings)
			u := make([]float64, J)
			for j := range J {
				feat(r, j, f)
				for d := range k {
					u[j] += beta[d] * f[d]
				}
			}
			p := softmax(u, -1, 0)
			ll += math.Log(p[r.Chosen])
			if grad == nil && hess == nil {
				continue
			}
			mean := make([]float64, k)
			for j := range J {
				feat(r, j, f)
				for d := range k {
					mean[d] += p[j] * f[d]
				}
			}
			if grad != nil {
				feat(r, r.Chosen, f)
				for d := range k {
					grad[d] += f[d] - mean[d]
				}
			}
			if hess != nil {
				for j := range J {
					feat(r, j, f)
					for a := range k {
						for b := a; b < k; b++ {
							hess.SetSym(a, b, hess.At(a, b)-p[j]*(f[a]-mean[a])*(f[b]-mean[b]))
						}
					}
				}
			}
		}
		return ll
	}
	n := float64(len(use))
	problem := optimize.Problem{
		Func: func(b []float64) float64 { return -llGrad(b, nil, nil) / n },
		Grad: func(g, b []float64) {
			clear(g)
			llGrad(b, g, nil)
			for i := range g {
				g[i] = -g[i] / n
			}
		},
	}
	res, err := optimize.Minimize(problem, make([]float64, k), &optimize.Settings{GradientThreshold: 1e-9}, &optimize.BFGS{})
	if err != nil && res == nil {
		return Coefficients{}, Coefficients{}, 0, err
	}
	beta := res.X
	hess := mat.NewSymDense(k, nil)
	ll := llGrad(beta, nil, hess)
	var inv mat.Dense
	se := make([]float64, k)
	var neg mat.SymDense
	neg.ScaleSym(-1, hess)
	if err := inv.Inverse(&neg); err == nil {
		for i := range se {
			se[i] = math.Sqrt(inv.At(i, i))
		}
	} else {
		for i := range se {
			se[i] = math.NaN()
		}
	}
	return Coefficients{Inertia: beta[0], Drivers: append([]float64(nil), beta[1:]...)},
		Coefficients{Inertia: se[0], Drivers: se[1:]}, ll, nil
}
