package valuation

import (
	"context"
	"math"
	"slices"
	"time"

	"clientele"
	"clientele/equity"
	"clientele/internal/store"
)

// MigrationOptions describe a brand-migration analysis.
type MigrationOptions struct {
	Category string
	Start    time.Time     // start of the first period
	End      time.Time     // end of the last period
	Period   time.Duration // e.g. half a year
	Currency clientele.Currency
	Horizon  int // periods to project
	Top      int // recommendations to list
}

// BrandMargin is a brand of the category with its margin rate.
type BrandMargin struct {
	Brand, Owner string
	Spend        int64   // in the window, minor units
	MarginRate   float64 // margin / spend
	Customers    int     // customers whose main brand it is in the last period
}

// Recommendation is a customer worth moving to a higher-margin brand.
type Recommendation struct {
	CustomerID string
	From, To   string
	// Gain is the rise in the customer's value, minor units: discounted
	// expected spend × the category's share of it × (margin rate of To −
	// margin rate of From).
	Gain float64
}

// Migration is the brand-migration report of a category.
type Migration struct {
	Category       string
	Periods        int
	Brands         []BrandMargin
	Counts         [][]float64 // moves between consecutive periods, [from][to] by Brands' order
	Matrix         [][]float64
	Current        []float64   // main-brand shares in the last period
	Projection     [][]float64 // shares in each of the next Horizon periods
	Recommended    []Recommendation
	BrandDeltaCE   map[string]float64 // if every recommended customer moved
	OwnerDeltaCE   map[string]float64
	PortfolioDelta float64
	RunID          int64
}

// BrandMigration finds each customer's main brand of the category (the one
// with the most spend) in every period, the transitions between consecutive
// periods and their Markov projection, and ranks the customers whose value
// would rise most if moved from their brand to the category's highest-margin
// brand, using the latest scores.
func BrandMigration(ctx context.Context, db *store.DB, opt MigrationOptions) (*Migration, error) {
	if opt.Category == "" {
		return nil, clientele.Errorf(clientele.EINVALID, "give a category")
	}
	run, err := db.Run(ctx, 0)
	if err != nil {
		return nil, err
	}
	type cell struct{ spend, margin int64 }
	type key struct {
		customer string
		period   int64
	}
	main := map[key]string{} // main brand per customer and period
	best := map[key]int64{}
	brandTotals := map[string]*cell{}
	owners := map[string]string{}
	catSpend := map[string]int64{} // per customer, whole window
	periods := int64(0)
	err = db.CategoryBrandSpend(ctx, opt.Category, opt.Currency, opt.Start, opt.End, opt.Period, func(s store.BrandSpend) error {
		k := key{s.CustomerID, s.Period}
		if s.Spend > best[k] || (s.Spend == best[k] && s.Brand < main[k]) || main[k] == "" {
			best[k], main[k] = s.Spend, s.Brand
		}
		c := brandTotals[s.Brand]
		if c == nil {
			c = &cell{}
			brandTotals[s.Brand] = c
		}
		c.spend += s.Spend
		c.margin += s.Margin
		owners[s.Brand] = s.Owner
		catSpend[s.CustomerID] += s.Spend
		periods = max(periods, s.Period+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(brandTotals) < 2 {
		return nil, clientele.Errorf(clientele.EINVALID, "category %q has %d brands with sales in the window; migration needs two or more", opt.Category, len(brandTotals))
	}
	m := &Migration{Category: opt.Category, Periods: int(periods), RunID: run.ID, BrandDeltaCE: map[string]float64{}, OwnerDeltaCE: map[string]float64{}}
	var names []string
	for b := range brandTotals {
		names = append(names, b)
	}
	slices.Sort(names)
	idx := map[string]int{}
	for i, b := range names {
		idx[b] = i
		c := brandTotals[b]
		rate := 0.0
		if c.spend > 0 {
			rate = float64(c.margin) / float64(c.spend)
		}
		m.Brands = append(m.Brands, BrandMargin{Brand: b, Owner: owners[b], Spend: c.spend, MarginRate: rate})
	}
	J := len(names)
	m.Counts = make([][]float64, J)
	for i := range m.Counts {
		m.Counts[i] = make([]float64, J)
	}
	m.Current = make([]float64, J)
	last := periods - 1
	lastBrand := map[string]string{}
	for k, b := range main {
		if next, ok := main[key{k.customer, k.period + 1}]; ok {
			m.Counts[idx[b]][idx[next]]++
		}
		if k.period == last {
			m.Current[idx[b]]++
			lastBrand[k.customer] = b
		}
	}
	total := 0.0
	for _, c := range m.Current {
		total += c
	}
	for i := range m.Current {
		m.Brands[i].Customers = int(m.Current[i])
		if total > 0 {
			m.Current[i] /= total
		}
	}
	m.Matrix = equity.TransitionMatrix(m.Counts)
	m.Projection = equity.Project(m.Matrix, m.Current, max(opt.Horizon, 1))

	// The target: the category's highest-margin brand.
	target := 0
	for i, b := range m.Brands {
		if b.MarginRate > m.Brands[target].MarginRate {
			target = i
		}
	}
	values, err := db.CustomerValues(ctx, run.ID, opt.Currency, opt.Start)
	if err != nil {
		return nil, err
	}
	to := m.Brands[target]
	for cust, b := range lastBrand {
		from := m.Brands[idx[b]]
		if from.MarginRate >= to.MarginRate {
			continue
		}
		v, ok := values[cust]
		if !ok || v.TotalSpend <= 0 {
			continue
		}
		share := math.Min(float64(catSpend[cust])/float64(v.TotalSpend), 1)
		spend := v.DERT * float64(v.ExpectedSpend) * share // discounted expected category spend
		gain := spend * (to.MarginRate - from.MarginRate)
		m.Recommended = append(m.Recommended, Recommendation{CustomerID: cust, From: from.Brand, To: to.Brand, Gain: gain})
		m.BrandDeltaCE[from.Brand] -= spend * from.MarginRate
		m.BrandDeltaCE[to.Brand] += spend * to.MarginRate
		m.OwnerDeltaCE[from.Owner] -= spend * from.MarginRate
		m.OwnerDeltaCE[to.Owner] += spend * to.MarginRate
		m.PortfolioDelta += gain
	}
	slices.SortFunc(m.Recommended, func(a, b Recommendation) int {
		switch {
		case a.Gain > b.Gain:
			return -1
		case a.Gain < b.Gain:
			return 1
		}
		return 0
	})
	if opt.Top > 0 && len(m.Recommended) > opt.Top {
		m.Recommended = m.Recommended[:opt.Top]
	}
	return m, nil
}
