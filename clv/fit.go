package clv

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"clientele/clv/parallel"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
)

// RFM is one customer's sufficient statistics for the purchase models:
// X repeat transactions (the first purchase is not counted), TX the time of
// the last one after the first purchase (0 when X is 0), T the time from the
// first purchase to the end of the calibration period, and W the number of
// customers with these values (0 means 1).
type RFM struct {
	X, TX, T, W float64
}

func (d RFM) weight() float64 {
	if d.W == 0 {
		return 1
	}
	return d.W
}

// ErrData reports invalid input data, naming the row.
type ErrData struct {
	Row    int
	Reason string
}

func (e *ErrData) Error() string { return fmt.Sprintf("row %d: %s", e.Row, e.Reason) }

// CheckRFM validates data for the continuous-time models.
func CheckRFM(data []RFM) error {
	if len(data) == 0 {
		return errors.New("no customers")
	}
	for i, d := range data {
		if err := d.Check(); err != nil {
			return &ErrData{i, err.Error()}
		}
	}
	return nil
}

// Check reports what makes one row invalid for the continuous-time models,
// or nil.
func (d RFM) Check() error {
	switch {
	case !(d.X >= 0) || math.IsInf(d.X, 0) || d.X != math.Floor(d.X):
		return fmt.Errorf("frequency %v is not a whole number ≥ 0", d.X)
	case !(d.T > 0) || math.IsInf(d.T, 0):
		return fmt.Errorf("T %v is not positive", d.T)
	case !(d.TX >= 0) || d.TX > d.T*(1+1e-9):
		return fmt.Errorf("recency %v is not within [0, T=%v]", d.TX, d.T)
	case d.X == 0 && d.TX != 0:
		return fmt.Errorf("recency %v with no repeat purchases (it must be 0)", d.TX)
	case d.W < 0 || math.IsNaN(d.W) || math.IsInf(d.W, 0):
		return fmt.Errorf("weight %v is negative or not finite", d.W)
	}
	return nil
}

// Collapse merges rows with equal (X, TX, T), summing their weights; the
// models' likelihoods depend on nothing else, so fits on the collapsed data
// are the same and cost less. The result is ordered by X (the likelihoods
// cache the terms of each x), and within one X by first appearance, so that
// the same input always gives the same sums. Large inputs are merged on all
// cores, each worker on its share of the rows, and the shares merged in
// order.
func Collapse(data []RFM) []RFM {
	workers := 0 // all cores
	if len(data) < 200_000 {
		workers = 1
	}
	parts := make([]Collapser, parallel.Workers(len(data), workers, 0))
	parallel.Chunks(len(data), workers, 0, func(w, lo, hi int) {
		parts[w].c = newCollapsed(hi - lo)
		parts[w].c.add(data[lo:hi])
	})
	return MergeCollapsed(parts)
}

// A Collapser collapses rows as they arrive, for a reader that need not
// hold them all: several Collapsers fed consecutive parts of the rows, and
// merged in order by MergeCollapsed, give what Collapse gives for the
// whole. The zero value is ready to use.
type Collapser struct{ c collapsed }

// NewCollapser returns a Collapser with room for n rows, a third of them
// distinct, before it grows.
func NewCollapser(n int) Collapser { return Collapser{newCollapsed(n)} }

// Add adds rows, in order; a reader adds a batch at a time.
func (c *Collapser) Add(rows ...RFM) {
	if c.c.slots == nil {
		c.c = newCollapsed(max(len(rows), 1024))
	}
	c.c.add(rows)
}

// MergeCollapsed merges parts in order, as Collapse merges its workers'
// shares, and returns the distinct rows ordered by X. The parts are used
// up: nothing is to be added to them after.
func MergeCollapsed(parts []Collapser) []RFM {
	if len(parts) == 0 {
		return nil
	}
	all := parts[0].c
	n := 0
	for _, p := range parts {
		n += len(p.c.rows)
	}
	if all.slots == nil || len(all.slots) < 2*n {
		// Room for every part's distinct rows at once.
		first := all.rows
		all = newCollapsed(3 * n)
		all.add(first)
	}
	for _, p := range parts[1:] {
		all.add(p.c.rows)
	}
	return sortByX(all.rows)
}

// collapsed is a set of distinct rows with an open-addressing hash index
// over their bit patterns (the inputs are checked, so there is no NaN; −0
// does not occur): a Go map keyed by the three floats costs three times as
// much, and collapsing is most of a BG/NBD fit on a million customers.
type collapsed struct {
	slots []int32 // 1 + index into rows; 0 is empty
	rows  []RFM
}

func rowHash(d *RFM) uint64 {
	h := math.Float64bits(d.X)*0x9E3779B97F4A7C15 ^ math.Float64bits(d.TX)*0xC2B2AE3D27D4EB4F ^ math.Float64bits(d.T)*0x165667B19E3779F9
	h ^= h >> 31
	h *= 0xBF58476D1CE4E5B9
	return h ^ h>>29
}

// grow doubles the index (or makes one for n rows) and re-inserts the rows.
func (c *collapsed) grow(n int) {
	size := 1024
	for size < 2*max(n, 2*len(c.slots)/2) {
		size *= 2
	}
	if size <= len(c.slots) {
		size = 2 * len(c.slots)
	}
	c.slots = make([]int32, size)
	mask := uint64(size - 1)
	for i := range c.rows {
		j := rowHash(&c.rows[i]) & mask
		for c.slots[j] != 0 {
			j = (j + 1) & mask
		}
		c.slots[j] = int32(i + 1)
	}
}

// newCollapsed makes a set with room for a third of n rows to be distinct
// before it grows.
func newCollapsed(n int) collapsed {
	c := collapsed{rows: make([]RFM, 0, n/3+16)}
	c.grow(n / 3)
	return c
}

// add merges rows into the set, in order. It works on a copy of the set
// (through the pointer, the compiler reloaded the slices at every row: a
// quarter more time).
func (set *collapsed) add(data []RFM) {
	c := *set
	mask := uint64(len(c.slots) - 1)
	for i := range data {
		d := &data[i]
		j := rowHash(d) & mask
		for {
			k := c.slots[j]
			if k == 0 {
				break
			}
			if r := &c.rows[k-1]; r.X == d.X && r.TX == d.TX && r.T == d.T {
				r.W += d.weight()
				goto next
			}
			j = (j + 1) & mask
		}
		c.rows = append(c.rows, *d)
		c.rows[len(c.rows)-1].W = d.weight()
		c.slots[j] = int32(len(c.rows))
		if 2*len(c.rows) > len(c.slots) { // keep the load under one half
			c.grow(len(c.rows))
			mask = uint64(len(c.slots) - 1)
		}
	next:
	}
	*set = c
}

// sortByX orders rows by X with a stable counting sort (X is a small whole
// number), falling back to a stable comparison sort for huge X.
func sortByX(out []RFM) []RFM {
	maxX := 0
	for _, d := range out {
		maxX = max(maxX, int(d.X))
	}
	if maxX > 10*len(out)+1000 {
		slices.SortStableFunc(out, func(a, b RFM) int { return cmp.Compare(a.X, b.X) })
		return out
	}
	start := make([]int, maxX+2)
	for _, d := range out {
		start[int(d.X)+1]++
	}
	for i := 1; i < len(start); i++ {
		start[i] += start[i-1]
	}
	sorted := make([]RFM, len(out))
	for _, d := range out {
		x := int(d.X)
		sorted[start[x]] = d
		start[x]++
	}
	return sorted
}

// prepareRFM readies data for a continuous-time purchase model: it checks
// and collapses the rows and picks the starting points — s.Init when
// given, else purchase rates from the data (a gamma with shape 1 and mean
// x̄/T̄, a flatter one, a tighter one) combined with the model's two
// proposals for its dropout parameters, dropout(collapsed rows).
func prepareRFM(data []RFM, s *Settings, dropout func([]RFM) (first, second []float64)) (*Settings, []RFM, [][]float64, error) {
	if s == nil {
		s = &Settings{}
	}
	if err := CheckRFM(data); err != nil {
		return nil, nil, nil, err
	}
	c := data
	if !s.Collapsed {
		c = Collapse(data)
	}
	if s.Init != nil {
		return s, c, [][]float64{s.Init}, nil
	}
	rate := meanOf(c, func(d RFM) float64 { return d.X }) / meanOf(c, func(d RFM) float64 { return d.T })
	if !(rate > 0) {
		rate = 0.01
	}
	d1, d2 := dropout(c)
	with := func(r, alpha float64, d []float64) []float64 { return append([]float64{r, alpha}, d...) }
	// The shape r of the purchase rates from the counts' overdispersion, as
	// for a negative binomial (variance = m + m²/r), ignoring dropout: a
	// start nearer the optimum than r = 1 saves some iterations.
	m := meanOf(c, func(d RFM) float64 { return d.X })
	v := meanOf(c, func(d RFM) float64 { return (d.X - m) * (d.X - m) })
	r0 := 1.0
	if v > m && m > 0 {
		r0 = min(max(m*m/(v-m), 0.05), 5)
	}
	return s, c, [][]float64{with(r0, r0/rate, d1), with(1, 1/rate, d1), with(0.5, 0.5/rate, d2), with(2, 2/rate, d1), {1, 1, 1, 1}}, nil
}

// Settings tune a fit; nil means the defaults.
type Settings struct {
	// Init is the starting point in the model's parameter order; nil means
	// the model's own robust starting values (and restarts from others if
	// the first does not converge).
	Init []float64
	// MaxIterations bounds the optimiser (default 1000).
	MaxIterations int
	// Workers evaluates the likelihood on this many goroutines
	// (default GOMAXPROCS).
	Workers int
	// Collapsed says the data is already collapsed (Collapse,
	// MergeCollapsed), and the fit need not collapse it again. The fit is
	// the same either way; rows that are not distinct, or not ordered by
	// X, only make it slower.
	Collapsed bool
}

// Fit is the result of a maximum-likelihood fit.
type Fit struct {
	Names         []string  // parameter names, in order
	Params        []float64 // estimates
	StdErrors     []float64 // from the inverse Hessian of −LL; NaN if it is singular
	LogLikelihood float64
	Customers     float64 // sum of weights
	Rows          int     // distinct rows the likelihood was summed over
	Converged     bool
	Status        string // the optimiser's final status
	Iterations    int
	Evaluations   int
}

// parallelLL sums ll over rows split into chunks, one per worker: ll returns
// the weighted log-likelihood of its rows at the natural parameters p and,
// when grad is not nil, adds its gradient with respect to p into grad.
func parallelLL[T any](ll func(p []float64, rows []T, grad []float64) float64, data []T, workers int) func(p, grad []float64) float64 {
	if len(data) < 2000 {
		workers = 1
	}
	workers = parallel.Workers(len(data), workers, 0)
	return func(p, grad []float64) float64 {
		if grad != nil {
			clear(grad)
		}
		if workers == 1 {
			return ll(p, data, grad)
		}
		sums := make([]float64, workers)
		grads := make([][]float64, workers)
		if grad != nil {
			for w := range grads {
				grads[w] = make([]float64, len(p))
			}
		}
		parallel.Chunks(len(data), workers, 0, func(w, lo, hi int) { sums[w] = ll(p, data[lo:hi], grads[w]) })
		total := 0.0
		for w := range workers {
			total += sums[w]
			for i := range grads[w] {
				grad[i] += grads[w][i]
			}
		}
		return total
	}
}

// maximise fits positive parameters by maximum likelihood: the optimiser
// (BFGS) works on log-parameters, so every step stays in the domain.
// starts are tried in order until one converges; the best is kept.
//
// analytic says whether ll's gradient is analytic (cheap beside the value,
// so computed with it) or numerical (computed only when asked for).
func maximise(names []string, ll func(p, grad []float64) float64, analytic bool, starts [][]float64, maxIter int, customers float64, rows int) (*Fit, error) {
	if maxIter <= 0 {
		maxIter = 1000
	}
	k := len(names)
	p := make([]float64, k)
	g := make([]float64, k)
	evals := 0
	// The optimiser asks for the value and then the gradient at the same
	// point; one pass over the data computes both, and the gradient is kept
	// for the Grad call that follows.
	lastTheta := make([]float64, k)
	lastGrad := make([]float64, k)
	lastRaw := make([]float64, k) // dLL/dp at lastTheta
	lastLL := 0.0
	haveLast := false
	eval := func(theta []float64) float64 {
		evals++
		for i := range theta {
			p[i] = math.Exp(theta[i])
		}
		if !analytic {
			// A numerical gradient costs 2k passes: compute it only when asked.
			haveLast = false
			v := ll(p, nil)
			if math.IsNaN(v) {
				return math.Inf(1)
			}
			return -v / customers
		}
		v := ll(p, g)
		copy(lastTheta, theta)
		copy(lastRaw, g)
		lastLL = v
		for i := range g {
			// d(−LL)/dθ = −dLL/dp · p, scaled like the value.
			lastGrad[i] = -g[i] * p[i] / customers
		}
		haveLast = true
		if math.IsNaN(v) {
			return math.Inf(1)
		}
		return -v / customers
	}
	problem := optimize.Problem{
		Func: eval,
		Grad: func(grad, theta []float64) {
			if analytic {
				if !haveLast || !slices.Equal(theta, lastTheta) {
					eval(theta)
				}
				copy(grad, lastGrad)
				return
			}
			for i := range theta {
				p[i] = math.Exp(theta[i])
			}
			ll(p, g)
			for i := range grad {
				grad[i] = -g[i] * p[i] / customers
			}
		},
	}
	var best *Fit
	var bestGrad []float64 // dLL/dp at best.Params
	for _, start := range starts {
		theta := make([]float64, k)
		for i, v := range start {
			if !(v > 0) {
				return nil, fmt.Errorf("starting value %s = %v is not positive", names[i], v)
			}
			theta[i] = math.Log(v)
		}
		res, err := optimize.Minimize(problem, theta, &optimize.Settings{
			MajorIterations: maxIter,
			// On the mean log-likelihood per customer: tighter would be below
			// the rounding noise of summing many rows.
			GradientThreshold: 1e-7,
			Converger:         &optimize.FunctionConverge{Absolute: 1e-13, Relative: 1e-13, Iterations: 50},
		}, &optimize.BFGS{})
		if res == nil {
			continue
		}
		f := &Fit{Names: names, Params: make([]float64, k), Customers: customers, Rows: rows,
			Iterations: res.Stats.MajorIterations, Evaluations: evals, Status: res.Status.String()}
		for i := range f.Params {
			f.Params[i] = math.Exp(res.X[i])
		}
		if analytic && haveLast && slices.Equal(res.X, lastTheta) {
			// The optimiser ends where it last asked: no pass needed.
			f.LogLikelihood = lastLL
			copy(g, lastRaw)
		} else {
			f.LogLikelihood = ll(f.Params, g)
		}
		finite := !math.IsNaN(f.LogLikelihood) && !math.IsInf(f.LogLikelihood, 0)
		f.Converged = finite && err == nil && (res.Status == optimize.GradientThreshold || res.Status == optimize.FunctionConvergence)
		if !f.Converged && finite {
			// A line search that cannot improve (noise in a numerical
			// gradient near the optimum) still ends at a maximum when the
			// gradient there is nil: d(LL/n)/d(log p) below 1e-6.
			norm := 0.0
			for i := range g {
				norm = math.Max(norm, math.Abs(g[i]*f.Params[i]/customers))
			}
			f.Converged = norm < 1e-6
		}
		if best == nil || (f.Converged && !best.Converged) || (f.Converged == best.Converged && f.LogLikelihood > best.LogLikelihood) {
			best, bestGrad = f, slices.Clone(g)
		}
		if best.Converged {
			break
		}
	}
	if best == nil || math.IsNaN(best.LogLikelihood) {
		return nil, errors.New("the likelihood could not be evaluated at any starting point")
	}
	best.StdErrors = stdErrors(ll, best.Params, bestGrad)
	return best, nil
}

// stdErrors returns the standard errors of the estimates p: the square
// roots of the diagonal of the inverse observed information, the Hessian of
// −LL, computed by forward differences of the analytic gradient from its
// value g at p (one pass a parameter). The relative step of 1e-6 keeps both
// the truncation error and the rounding of the gradient's sum near 1e-6 of
// each entry, far inside what a standard error is read to.
func stdErrors(ll func(p, grad []float64) float64, p, g []float64) []float64 {
	k := len(p)
	h := mat.NewSymDense(k, nil)
	gp := make([]float64, k)
	q := make([]float64, k)
	rows := make([][]float64, k)
	for j := range k {
		step := 1e-6 * math.Max(p[j], 1e-3)
		copy(q, p)
		q[j] = p[j] + step
		ll(q, gp)
		rows[j] = make([]float64, k)
		for i := range k {
			rows[j][i] = -(gp[i] - g[i]) / step
		}
	}
	for i := range k {
		for j := i; j < k; j++ {
			h.SetSym(i, j, (rows[i][j]+rows[j][i])/2)
		}
	}
	se := make([]float64, k)
	var inv mat.Dense
	if err := inv.Inverse(h); err != nil {
		for i := range se {
			se[i] = math.NaN()
		}
		return se
	}
	for i := range se {
		v := inv.At(i, i)
		if v > 0 {
			se[i] = math.Sqrt(v)
		} else {
			se[i] = math.NaN()
		}
	}
	return se
}

// logSumExp returns log(e^a + e^b) without overflow.
func logSumExp(a, b float64) float64 {
	if math.IsInf(a, -1) {
		return b
	}
	if math.IsInf(b, -1) {
		return a
	}
	if a < b {
		a, b = b, a
	}
	return a + math.Log1p(math.Exp(b-a))
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

func totalWeight(data []RFM) float64 {
	s := 0.0
	for _, d := range data {
		s += d.weight()
	}
	return s
}

func meanOf(data []RFM, f func(RFM) float64) float64 {
	s, w := 0.0, 0.0
	for _, d := range data {
		s += f(d) * d.weight()
		w += d.weight()
	}
	return s / w
}
