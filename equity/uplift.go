package equity

import (
	"math"
	"strconv"

	"gonum.org/v1/gonum/stat/distuv"
)

// Uplift: the incremental effect of a treatment (a trigger's offers) on
// those treated, measured against a randomised control group (the
// trigger's hold-out), with confidence intervals.

// Interval is an estimate with its confidence interval.
type Interval struct {
	Estimate float64 `json:"estimate"`
	Low      float64 `json:"low"`
	High     float64 `json:"high"`
}

// MarshalJSON writes an interval that cannot be estimated (a NaN: too
// few observations) with nulls, which JSON has, for NaN, which it has not.
func (iv Interval) MarshalJSON() ([]byte, error) {
	f := func(x float64) string {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "null"
		}
		return strconv.FormatFloat(x, 'g', -1, 64)
	}
	return []byte(`{"estimate":` + f(iv.Estimate) + `,"low":` + f(iv.Low) + `,"high":` + f(iv.High) + `}`), nil
}

// Contains reports whether x lies in [Low, High].
func (iv Interval) Contains(x float64) bool { return x >= iv.Low && x <= iv.High }

// Wilson returns the Wilson score interval of the proportion x/n at the
// confidence level (0.95 for 95 %); NaNs when n is 0.
func Wilson(x, n int64, level float64) Interval {
	if n <= 0 {
		return Interval{math.NaN(), math.NaN(), math.NaN()}
	}
	z := distuv.UnitNormal.Quantile(1 - (1-level)/2)
	p, fn := float64(x)/float64(n), float64(n)
	d := 1 + z*z/fn
	c := (p + z*z/(2*fn)) / d
	h := z / d * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn))
	return Interval{Estimate: p, Low: math.Max(0, c-h), High: math.Min(1, c+h)}
}

// DiffProportions returns p1 − p0, p1 = x1/n1 (the treated) and p0 =
// x0/n0 (the control), with Newcombe's hybrid score interval (method 10
// of Newcombe 1998, "Interval estimation for the difference between
// independent proportions", Statistics in Medicine 17:873–890), built
// from the two Wilson intervals: it keeps within [−1, 1] and behaves at
// small counts and proportions near 0 or 1, where the Wald interval does
// not.
func DiffProportions(x1, n1, x0, n0 int64, level float64) Interval {
	a, b := Wilson(x1, n1, level), Wilson(x0, n0, level)
	d := a.Estimate - b.Estimate
	return Interval{
		Estimate: d,
		Low:      d - math.Sqrt(sq(a.Estimate-a.Low)+sq(b.High-b.Estimate)),
		High:     d + math.Sqrt(sq(a.High-a.Estimate)+sq(b.Estimate-b.Low)),
	}
}

func sq(x float64) float64 { return x * x }

// Sample summarises a sample: its size, mean and (n − 1) variance.
type Sample struct {
	N        int64
	Mean     float64
	Variance float64
}

// Summarise returns the sample of xs.
func Summarise(xs []float64) Sample {
	s := Sample{N: int64(len(xs))}
	if s.N == 0 {
		return s
	}
	for _, x := range xs {
		s.Mean += x
	}
	s.Mean /= float64(s.N)
	if s.N > 1 {
		for _, x := range xs {
			s.Variance += sq(x - s.Mean)
		}
		s.Variance /= float64(s.N - 1)
	}
	return s
}

// DiffMeans returns the difference of the means of t (the treated) and c
// (the control) with Welch's interval: Student's t with the
// Welch–Satterthwaite degrees of freedom, which does not assume the two
// variances equal. NaNs when a sample has fewer than two values.
func DiffMeans(t, c Sample, level float64) Interval {
	d := t.Mean - c.Mean
	if t.N < 2 || c.N < 2 {
		return Interval{d, math.NaN(), math.NaN()}
	}
	vt, vc := t.Variance/float64(t.N), c.Variance/float64(c.N)
	se := math.Sqrt(vt + vc)
	if se == 0 {
		return Interval{d, d, d}
	}
	df := sq(vt+vc) / (sq(vt)/float64(t.N-1) + sq(vc)/float64(c.N-1))
	q := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(1 - (1-level)/2)
	return Interval{Estimate: d, Low: d - q*se, High: d + q*se}
}
