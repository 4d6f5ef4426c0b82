package report

import (
	"context"
	"fmt"
	"math"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

// MigrationOptions describe a brand-migration report.
type MigrationOptions struct {
	Category string
	// From and To bound the window (To inclusive). A zero To is the day of
	// the last transaction, a zero From two years before To. The window
	// holds whole periods only, the last ending with To: From moves forward
	// to the start of the first whole period.
	From, To time.Time
	Period   time.Duration // default half a year (26 weeks)
	Horizon  int           // periods to project; default 4
	Top      int           // customers to list; default 20
	Currency clientele.Currency
	Location *time.Location // where days begin and end; nil is UTC
}

// MigrationBrand is one brand of the category.
type MigrationBrand struct {
	Brand      string  `json:"brand"`
	Owner      string  `json:"owner"`
	MarginRate float64 `json:"margin_rate"`
	Spend      float64 `json:"spend"`
	Customers  int     `json:"customers"` // whose main brand it is in the last period
	Share      float64 `json:"share"`     // of those customers
	DeltaCE    float64 `json:"delta_ce"`  // if every recommended customer moved
}

// MigrationMove is a customer worth moving to a higher-margin brand.
type MigrationMove struct {
	CustomerID string  `json:"customer_id" personal:"id"`
	From       string  `json:"from"`
	To         string  `json:"to"`
	Gain       float64 `json:"gain"`
}

// MigrationReport is the brand-migration report of a category; amounts in
// major units.
type MigrationReport struct {
	Category         string             `json:"category"`
	From             string             `json:"from"`
	To               string             `json:"to"`
	AsOf             string             `json:"as_of"` // why To: given, or the day of the last transaction
	PeriodDays       float64            `json:"period_days"`
	Periods          int                `json:"periods"`
	RunID            int64              `json:"run_id"`
	Currency         string             `json:"currency"`
	Brands           []MigrationBrand   `json:"brands"`
	TransitionCounts [][]float64        `json:"transition_counts"`
	TransitionMatrix [][]float64        `json:"transition_matrix"`
	Projection       [][]float64        `json:"projection"`
	Recommendations  []MigrationMove    `json:"recommendations"`
	OwnerDeltaCE     map[string]float64 `json:"owner_delta_ce"`
	PortfolioDeltaCE float64            `json:"portfolio_delta_ce"`
}

// Migration builds the brand-migration report of a category.
func Migration(ctx context.Context, db *store.DB, opt MigrationOptions) (*MigrationReport, error) {
	if opt.Period == 0 {
		opt.Period = 26 * 7 * 24 * time.Hour
	}
	if opt.Period < 24*time.Hour {
		return nil, clientele.Errorf(clientele.EINVALID, "period %s: must be a day or longer", opt.Period)
	}
	if opt.Horizon <= 0 {
		opt.Horizon = 4
	}
	if opt.Top <= 0 {
		opt.Top = 20
	}
	end, err := dayAfter(ctx, db, opt.To, opt.Location)
	if err != nil {
		return nil, err
	}
	if opt.From.IsZero() {
		opt.From = end.AddDate(-2, 0, 0)
	}
	// Whole periods only, the last ending at the window's end: a partial
	// last period would hide most customers' current brand.
	n := int64(end.Sub(opt.From) / opt.Period)
	if n < 2 {
		return nil, clientele.Errorf(clientele.EINVALID, "the window holds %d whole periods of %.0f days; migration needs two", max(n, 0), opt.Period.Hours()/24)
	}
	start := end.Add(-time.Duration(n) * opt.Period)
	m, err := valuation.BrandMigration(ctx, db, valuation.MigrationOptions{Category: opt.Category, Start: start, End: end, Period: opt.Period,
		Currency: opt.Currency, Horizon: opt.Horizon, Top: opt.Top})
	if err != nil {
		return nil, err
	}
	div := math.Pow10(scaleOf(opt.Currency))
	r := &MigrationReport{Category: m.Category, From: start.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly), AsOf: asOfSource(opt.To),
		PeriodDays: opt.Period.Hours() / 24, Periods: m.Periods, RunID: m.RunID, Currency: string(opt.Currency),
		TransitionCounts: m.Counts, TransitionMatrix: m.Matrix, Projection: m.Projection, Recommendations: []MigrationMove{},
		OwnerDeltaCE: map[string]float64{}, PortfolioDeltaCE: m.PortfolioDelta / div}
	for i, b := range m.Brands {
		r.Brands = append(r.Brands, MigrationBrand{Brand: b.Brand, Owner: b.Owner, MarginRate: b.MarginRate, Spend: float64(b.Spend) / div,
			Customers: b.Customers, Share: m.Current[i], DeltaCE: m.BrandDeltaCE[b.Brand] / div})
	}
	for _, rec := range m.Recommended {
		r.Recommendations = append(r.Recommendations, MigrationMove{CustomerID: rec.CustomerID, From: rec.From, To: rec.To, Gain: rec.Gain / div})
	}
	for o, v := range m.OwnerDeltaCE {
		r.OwnerDeltaCE[o] = v / div
	}
	return r, nil
}

// Document is the brand table, the transition matrix, the customers worth
// moving, and the charts "transitions" (heat map of the matrix) and
// "projection" (each brand's share over the projected periods).
func (r *MigrationReport) Document() (*Document, error) {
	d := &Document{Title: "Brand migration: " + r.Category}
	d.Notes = append(d.Notes, fmt.Sprintf("as of %s (%s)", r.To, r.AsOf))
	d.Notes = append(d.Notes, fmt.Sprintf("category %s: %d periods of %.0f days from %s to %s; scores of run %d",
		r.Category, r.Periods, r.PeriodDays, r.From, r.To, r.RunID),
		fmt.Sprintf("portfolio ΔCE if every customer listed and beyond moved to the highest-margin brand: %s", MoneyText(r.PortfolioDeltaCE, r.Currency)))
	h := len(r.Projection)
	bt := Table{Heading: "brands", Currency: r.Currency, Columns: []Column{Col("brand", "BRAND"), Col("owner", "OWNER"), Col("margin_rate", "MARGIN"),
		Col("customers", "CUSTOMERS"), Col("share", "SHARE NOW"), Col("share_projected", fmt.Sprintf("SHARE IN %d PERIODS", h)), Col("delta_ce", "ΔCE IF MOVED ("+r.Currency+")")}}
	var names []string
	for i, b := range r.Brands {
		names = append(names, b.Brand)
		later := b.Share
		if h > 0 {
			later = r.Projection[h-1][i]
		}
		bt.Rows = append(bt.Rows, []Cell{Txt(b.Brand), Txt(b.Owner), Pct(b.MarginRate, 1), Int(int64(b.Customers)),
			Pct(b.Share, 1), Pct(later, 1), Amount(b.DeltaCE, r.Currency)})
	}
	mt := Table{Heading: "transition matrix (row: main brand in a period; column: in the next)", Columns: []Column{Col("from", "FROM \\ TO")}}
	for _, n := range names {
		mt.Columns = append(mt.Columns, Col(n, n))
	}
	for i, row := range r.TransitionMatrix {
		cells := []Cell{Txt(names[i])}
		for _, p := range row {
			cells = append(cells, Num(p, 3))
		}
		mt.Rows = append(mt.Rows, cells)
	}
	rt := Table{Heading: "customers worth moving", Currency: r.Currency, Columns: []Column{Col("customer_id", "CUSTOMER"), Col("from", "FROM"), Col("to", "TO"), Col("gain", "GAIN ("+r.Currency+")")}}
	for _, m := range r.Recommendations {
		rt.Rows = append(rt.Rows, []Cell{Txt(m.CustomerID), Txt(m.From), Txt(m.To), Amount(m.Gain, r.Currency)})
	}
	d.Tables = append(d.Tables, bt, mt, rt)

	heat := newPlot()
	heat.Title.Text = fmt.Sprintf("Brand transitions in %s between periods", r.Category)
	heat.X.Label.Text = "main brand in the next period"
	heat.Y.Label.Text = "main brand in a period"
	pal, err := addHeatMap(heat, r.TransitionMatrix, func(i, j int) string { return fmt.Sprintf("%.0f %%", 100*r.TransitionMatrix[i][j]) })
	if err != nil {
		return nil, err
	}
	heat.NominalX(names...)
	heat.NominalY(names...)
	side := vg.Length(len(names))*vg.Inch + 2*vg.Inch
	d.Charts = append(d.Charts, Chart{Name: "transitions", Title: heat.Title.Text, Width: side + 2*vg.Inch, Height: side, Plot: heat,
		ColorBar: pal, ColorBarTitle: "share of the row's customers"})

	proj := newPlot()
	proj.Title.Text = fmt.Sprintf("Projected brand shares in %s (Markov chain)", r.Category)
	proj.X.Label.Text = "periods from now"
	proj.Y.Label.Text = "share of customers"
	proj.Y.Tick.Marker = percentTicks{}
	top := 0.0
	for i, b := range r.Brands {
		pts := plotter.XYs{{X: 0, Y: b.Share}}
		for k, s := range r.Projection {
			pts = append(pts, plotter.XY{X: float64(k + 1), Y: s[i]})
		}
		l, p, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		for _, pt := range pts {
			top = max(top, pt.Y)
		}
		c := seriesColor(i)
		l.Color, p.Color, l.Width = c, c, vg.Points(1.5)
		proj.Add(l, p)
		proj.Legend.Add(b.Brand, l, p)
	}
	proj.Add(plotter.NewGrid())
	proj.Y.Min = 0
	// Headroom above the lines for the legend, a line a brand.
	proj.Y.Max = top * (1.1 + 0.08*float64(len(r.Brands)))
	proj.Legend.Top = true
	d.Charts = append(d.Charts, Chart{Name: "projection", Title: proj.Title.Text, Width: 8 * vg.Inch, Height: 4.5 * vg.Inch, Plot: proj})
	return d, nil
}

// matrixGrid shows a square matrix as a heat map, row i at y = i.
type matrixGrid [][]float64

func (m matrixGrid) Dims() (c, r int)   { return len(m), len(m) }
func (m matrixGrid) Z(c, r int) float64 { return m[r][c] }
func (m matrixGrid) X(c int) float64    { return float64(c) }
func (m matrixGrid) Y(r int) float64    { return float64(r) }
