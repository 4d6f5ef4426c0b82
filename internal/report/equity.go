package report

import (
	"context"
	"fmt"
	"image/color"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"clientele"
	"clientele/equity"
	"clientele/internal/store"
)

// EquityRun is the customer equity of one scoring run: a snapshot of CE
// over time.
type EquityRun struct {
	RunID          int64     `json:"run_id"`
	Model          string    `json:"model"`
	At             time.Time `json:"at"`    // when the run was fitted
	AsOf           string    `json:"as_of"` // the run's calibration end: its scores are as of it
	Currency       string    `json:"currency"`
	Customers      int64     `json:"customers"`
	CustomerEquity float64   `json:"customer_equity"`
	MeanPAlive     float64   `json:"mean_p_alive"`
	// Share is the run's CE over the market's, with the competitors' CE as
	// given (1 without competitors).
	Share float64 `json:"share_of_customer_equity"`
}

// ConcentrationPoint says that the top Customers share of customers (by
// CLV) holds Equity share of customer equity.
type ConcentrationPoint struct {
	Customers float64 `json:"customers"`
	Equity    float64 `json:"equity"`
}

// EquityReport is customer equity over the scoring runs, its concentration
// in the latest run, and the firm's share of the market's customer equity.
// Amounts are in major units of Currency.
type EquityReport struct {
	RunID          int64   `json:"run_id"`
	Currency       string  `json:"currency"`
	Customers      int     `json:"customers"`
	CustomerEquity float64 `json:"customer_equity"`
	MeanCLV        float64 `json:"mean_clv"`
	Top1           float64 `json:"top_1pct_share"`
	Top10          float64 `json:"top_10pct_share"`
	Top20          float64 `json:"top_20pct_share"`
	// Customers who cost more than they bring have a negative CLV: the top
	// customers can then hold more than all of the customer equity.
	NegativeCustomers int     `json:"negative_clv_customers"`
	NegativeTotal     float64 `json:"negative_clv_total"`
	// Share is the firm's CE over the market's: its own plus the
	// competitors' (1 without competitors).
	Share         float64              `json:"share_of_customer_equity"`
	Competitors   map[string]float64   `json:"competitors"`
	Quantiles     map[string]float64   `json:"clv_quantiles"` // p10 … p99 of CLV
	Concentration []ConcentrationPoint `json:"concentration"` // every percentile
	History       []EquityRun          `json:"history"`

	clvs []float64 // sorted, highest first, for the charts
}

// ParseCompetitor reads a competitor's customer equity given as
// NAME=CE, CE a finite number ≥ 0.
func ParseCompetitor(s string) (name string, ce float64, err error) {
	name, v, ok := strings.Cut(s, "=")
	ce, perr := strconv.ParseFloat(v, 64)
	if !ok || name == "" || perr != nil || ce < 0 || math.IsNaN(ce) || math.IsInf(ce, 0) {
		return "", 0, clientele.Errorf(clientele.EINVALID, "competitor %q: want NAME=CUSTOMER_EQUITY, a number ≥ 0", s)
	}
	return name, ce, nil
}

// Equity builds the equity report from every scoring run; competitors
// holds other firms' customer equity in the same currency, by name.
func Equity(ctx context.Context, db *store.DB, competitors map[string]float64, loc *time.Location) (*EquityReport, error) {
	runs, err := db.EquityByRun(ctx)
	if err != nil {
		return nil, err
	}
	if len(runs) == 0 {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no scores yet: run `clientele fit` and `clientele score` first")
	}
	for name, v := range competitors {
		if name == "" || v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, clientele.Errorf(clientele.EINVALID, "competitor %q: customer equity %v must be a name with a finite value ≥ 0", name, v)
		}
	}
	if loc == nil {
		loc = time.UTC
	}
	r := &EquityReport{Competitors: competitors, History: []EquityRun{}}
	if r.Competitors == nil {
		r.Competitors = map[string]float64{}
	}
	for _, e := range runs {
		r.History = append(r.History, EquityRun{RunID: e.RunID, Model: e.Model, At: e.CreatedAt.In(loc), AsOf: e.AsOf, Currency: e.Currency,
			Customers: e.Customers, CustomerEquity: major(e.Equity, clientele.Currency(e.Currency)), MeanPAlive: e.MeanAlive})
	}
	latest := runs[len(runs)-1]
	r.RunID, r.Currency = latest.RunID, latest.Currency
	minor, err := db.RunCLVs(ctx, latest.RunID)
	if err != nil {
		return nil, err
	}
	slices.Sort(minor)
	slices.Reverse(minor)
	div := math.Pow10(scaleOf(clientele.Currency(latest.Currency)))
	r.clvs = make([]float64, len(minor))
	total, negative := int64(0), int64(0)
	for i, v := range minor {
		r.clvs[i] = float64(v) / div
		total += v
		if v < 0 {
			r.NegativeCustomers++
			negative += v
		}
	}
	r.NegativeTotal = float64(negative) / div
	r.Customers = len(minor)
	r.CustomerEquity = float64(total) / div
	r.MeanCLV = r.CustomerEquity / float64(max(r.Customers, 1))
	// cum[i] is the CE held by the top i customers.
	cum := make([]int64, len(minor)+1)
	for i, v := range minor {
		cum[i+1] = cum[i] + v
	}
	top := func(p float64) float64 {
		if total == 0 || len(minor) == 0 {
			return 0
		}
		n := min(max(1, int(float64(len(minor))*p+0.5)), len(minor))
		return float64(cum[n]) / float64(total)
	}
	r.Top1, r.Top10, r.Top20 = top(0.01), top(0.10), top(0.20)
	for pct := 0; pct <= 100; pct++ {
		p := float64(pct) / 100
		eq := 0.0
		if pct > 0 {
			eq = top(p)
		}
		r.Concentration = append(r.Concentration, ConcentrationPoint{Customers: p, Equity: eq})
	}
	r.Quantiles = map[string]float64{}
	if n := len(r.clvs); n > 0 {
		for _, q := range []int{10, 25, 50, 75, 90, 99} {
			// r.clvs is descending: the q-th percentile from the bottom.
			i := min(n-1, int(float64(n)*(1-float64(q)/100)))
			r.Quantiles[fmt.Sprintf("p%d", q)] = r.clvs[i]
		}
	}
	share := func(ce float64) float64 {
		if len(competitors) == 0 {
			return 1
		}
		market := []float64{ce}
		for _, v := range competitors {
			market = append(market, v)
		}
		return equity.Share(ce, market...)
	}
	r.Share = share(r.CustomerEquity)
	for i := range r.History {
		r.History[i].Share = share(r.History[i].CustomerEquity)
	}
	return r, nil
}

// CLVs are the latest run's customer lifetime values, highest first, in
// major units; the caller must not change them.
func (r *EquityReport) CLVs() []float64 { return r.clvs }

// Document is the report's readable form, with the charts "equity" (CE at
// every scoring run), "concentration" (share of CE held by the top
// customers) and "distribution" (histogram of CLV).
func (r *EquityReport) Document() (*Document, error) {
	d := &Document{Title: "Customer equity"}
	d.Notes = append(d.Notes, fmt.Sprintf("run %d: customer equity %s over %s customers (mean CLV %s); the top 1 %% hold %.1f %%, the top 10 %% %.1f %%, the top 20 %% %.1f %%",
		r.RunID, MoneyText(r.CustomerEquity, r.Currency), clientele.GroupDigits(fmt.Sprint(r.Customers)), MoneyText(r.MeanCLV, r.Currency), 100*r.Top1, 100*r.Top10, 100*r.Top20))
	if r.NegativeCustomers > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("%d customers have a negative CLV (together %s): they cost more than they bring",
			r.NegativeCustomers, MoneyText(r.NegativeTotal, r.Currency)))
	}
	if len(r.Competitors) > 0 {
		d.Notes = append(d.Notes, fmt.Sprintf("share of customer equity: %.2f %% of the market's %s", 100*r.Share, MoneyText(r.CustomerEquity/r.Share, r.Currency)))
	}
	t := Table{Heading: "customer equity at every scoring run", Currency: r.Currency, Columns: []Column{Col("run_id", "RUN"), Col("model", "MODEL"),
		Col("as_of", "AS OF"), Col("fitted_at", "FITTED AT"), Col("customers", "CUSTOMERS"), Col("customer_equity", "CUSTOMER EQUITY ("+r.Currency+")"), Col("mean_p_alive", "MEAN P(ALIVE)")}}
	if len(r.Competitors) > 0 {
		t.Columns = append(t.Columns, Col("share_of_ce", "SHARE OF CE"))
	}
	for _, h := range r.History {
		row := []Cell{Int(h.RunID), Txt(h.Model), Txt(h.AsOf), {Text: h.At.Format(time.DateTime), Plain: h.At.Format(time.RFC3339)}, Int(int64(h.Customers)),
			Amount(h.CustomerEquity, h.Currency), Num(h.MeanPAlive, 4)}
		if len(r.Competitors) > 0 {
			row = append(row, Pct(h.Share, 2))
		}
		t.Rows = append(t.Rows, row)
	}
	d.Tables = append(d.Tables, t)

	ce, err := equityTrend(r.History, r.Currency)
	if err != nil {
		return nil, err
	}
	d.Charts = append(d.Charts, Chart{Name: "equity", Title: ce.Title.Text, Width: 8 * vg.Inch, Height: 4.5 * vg.Inch, Plot: ce})

	conc := newPlot()
	conc.Title.Text = fmt.Sprintf("Concentration of customer equity (run %d)", r.RunID)
	conc.X.Label.Text = "top share of customers, by CLV"
	conc.Y.Label.Text = "share of customer equity"
	conc.X.Tick.Marker, conc.Y.Tick.Marker = percentTicks{}, percentTicks{}
	var cp, diag plotter.XYs
	for _, c := range r.Concentration {
		cp = append(cp, plotter.XY{X: c.Customers, Y: c.Equity})
		diag = append(diag, plotter.XY{X: c.Customers, Y: c.Customers})
	}
	cl, err := plotter.NewLine(cp)
	if err != nil {
		return nil, err
	}
	cl.Color, cl.Width = actualColor, vg.Points(1.5)
	dl, err := plotter.NewLine(diag)
	if err != nil {
		return nil, err
	}
	dl.Color, dl.Dashes = color.Gray{Y: 128}, []vg.Length{vg.Points(3), vg.Points(3)}
	conc.Add(plotter.NewGrid(), cl, dl)
	conc.Legend.Add("customer equity held", cl)
	conc.Legend.Add("equal CLV", dl)
	conc.Legend.Top, conc.Legend.Left = false, false
	d.Charts = append(d.Charts, Chart{Name: "concentration", Title: conc.Title.Text, Width: 6 * vg.Inch, Height: 5 * vg.Inch, Plot: conc})

	if hist, err := clvHistogram(r.clvs, r.Currency); err != nil {
		return nil, err
	} else if hist != nil {
		d.Charts = append(d.Charts, Chart{Name: "distribution", Title: hist.Title.Text, Width: 8 * vg.Inch, Height: 4.5 * vg.Inch, Plot: hist})
	}
	return d, nil
}

// equityTrend draws customer equity over the scores' as-of dates, one line
// per model: runs of different models are not one time series, and the
// date a run was fitted says nothing of the data it was fitted on. A model
// scored as of one date only is a point, labelled with its value.
func equityTrend(history []EquityRun, currency string) (*plot.Plot, error) {
	p := newPlot()
	p.Title.Text = "Customer equity by the date the scores are as of (" + currency + ")"
	p.X.Label.Text = "scores as of"
	p.Y.Label.Text = "customer equity"
	p.X.Tick.Marker = dateTicks
	p.Y.Tick.Marker = groupedTicks{}
	byModel := map[string]plotter.XYs{}
	var models []string
	for _, h := range history {
		d, err := time.Parse(time.DateOnly, h.AsOf)
		if err != nil {
			continue // a run on a file has no as-of date
		}
		if _, ok := byModel[h.Model]; !ok {
			models = append(models, h.Model)
		}
		byModel[h.Model] = append(byModel[h.Model], plotter.XY{X: float64(d.Unix()), Y: h.CustomerEquity})
	}
	p.Add(plotter.NewGrid())
	for i, m := range models {
		pts := byModel[m]
		slices.SortFunc(pts, func(a, b plotter.XY) int { return int(math.Copysign(1, a.X-b.X)) })
		c := seriesColor(i)
		l, s, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		l.Color, s.Color, s.Shape = c, c, draw.CircleGlyph{}
		l.Width = vg.Points(1.5)
		if len(pts) == 1 {
			p.Add(s)
			labels, err := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: []string{MoneyText(pts[0].Y, currency)}})
			if err == nil {
				labels.Offset = vg.Point{X: vg.Points(6), Y: vg.Points(4)}
				p.Add(labels)
			}
		} else {
			p.Add(l, s)
		}
		p.Legend.Add(m, l, s)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min = math.Min(0, p.Y.Min)
	// Room above the data for the legend, a line a model, and beside it
	// for the first and last points and their labels.
	p.Y.Max *= 1.25 + 0.08*float64(len(models))
	pad := math.Max((p.X.Max-p.X.Min)*0.15, 86400*20)
	p.X.Min -= pad
	p.X.Max += pad
	return p, nil
}

// clvHistogram draws the distribution of CLV between its 0.5th and 99.5th
// percentiles (a long tail would squeeze every bar into one), nil without
// customers.
func clvHistogram(desc []float64, currency string) (*plot.Plot, error) {
	n := len(desc)
	if n == 0 {
		return nil, nil
	}
	hi, lo := desc[min(n-1, n/200)], desc[n-1-min(n-1, n/200)]
	var vals plotter.Values
	for _, v := range desc {
		if v >= lo && v <= hi {
			vals = append(vals, v)
		}
	}
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Distribution of CLV (%s; 0.5th to 99.5th percentile)", currency)
	p.X.Label.Text = "CLV"
	p.Y.Label.Text = "customers"
	p.X.Tick.Marker, p.Y.Tick.Marker = groupedTicks{}, groupedTicks{}
	h, err := plotter.NewHist(vals, 40)
	if err != nil {
		return nil, err
	}
	h.FillColor = actualColor
	h.LineStyle.Width = 0
	p.Add(plotter.NewGrid(), h)
	return p, nil
}

// major converts minor units of cur to major units.
func major(minor int64, cur clientele.Currency) float64 {
	return float64(minor) / math.Pow10(scaleOf(cur))
}

// scaleOf is cur's number of minor-unit digits. Stored currencies were
// validated on the way in; an invalid one counts as 0 digits.
func scaleOf(cur clientele.Currency) int {
	s, _ := cur.Scale()
	return s
}
