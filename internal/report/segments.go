package report

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"clientele"
	"clientele/internal/store"
)

// SegmentRow is one segment of the segment report. Amounts are in major
// units of the run's currency.
type SegmentRow struct {
	Segment    string `json:"segment"`
	Owner      string `json:"owner"`
	Level      string `json:"level"`
	Definition string `json:"definition"`
	Members    int64  `json:"members"`
	Scored     int64  `json:"scored"`
	// SegmentLifetimeValue is mean CLV × members: Σ CLV of the members.
	SegmentLifetimeValue float64 `json:"segment_lifetime_value"`
	MeanCLV              float64 `json:"mean_clv"`
	MeanPAlive           float64 `json:"mean_p_alive"`
	// ShareOfEquity is the segment's value over the run's customer equity;
	// segments overlap, so the shares need not sum to one.
	ShareOfEquity float64 `json:"share_of_customer_equity"`
}

// SegmentsReport values every segment with the scores of one run.
type SegmentsReport struct {
	RunID          int64        `json:"run_id"`
	Model          string       `json:"model"`
	AsOf           string       `json:"as_of"` // the run's calibration end: the scores are as of it
	Basis          string       `json:"basis"` // what the CLVs value: margin-based or revenue-based, from the run's scoring
	Currency       string       `json:"currency"`
	CustomerEquity float64      `json:"customer_equity"`
	Segments       []SegmentRow `json:"segments"`
	// Memberships counts the segments' members, one per segment a customer
	// is in; CustomersInSegments counts the customers. More memberships
	// than customers: the segments overlap, and their shares of customer
	// equity add up to more than 100 %.
	Memberships         int64 `json:"memberships"`
	CustomersInSegments int64 `json:"customers_in_segments"`
}

// Segments values every segment with the scores of run runID (0: the
// latest run that has scores; an unscored run would value them all at 0).
func Segments(ctx context.Context, db *store.DB, runID int64) (*SegmentsReport, error) {
	if runID == 0 {
		var err error
		if runID, err = db.LatestScoredRun(ctx); err != nil {
			return nil, err
		}
		if runID == 0 {
			return nil, clientele.Errorf(clientele.ENOTFOUND, "no scores yet: run `clientele fit` and `clientele score` first")
		}
	}
	run, err := db.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	vals, err := db.SegmentValues(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	ce, err := db.RunEquity(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	r := &SegmentsReport{RunID: run.ID, Model: run.Model, AsOf: run.CalibrationEnd, Currency: string(run.Currency), CustomerEquity: major(ce, run.Currency), Segments: []SegmentRow{},
		Basis: basisOf(run)}
	if r.Memberships, r.CustomersInSegments, err = db.SegmentCoverage(ctx); err != nil {
		return nil, err
	}
	for _, v := range vals {
		row := SegmentRow{Segment: v.Segment, Owner: v.Owner, Level: v.Level, Definition: v.Definition, Members: v.Members, Scored: v.Scored,
			SegmentLifetimeValue: major(v.Value, run.Currency), MeanCLV: v.MeanCLV / math.Pow10(scaleOf(run.Currency)), MeanPAlive: v.MeanAlive}
		if ce != 0 {
			row.ShareOfEquity = float64(v.Value) / float64(ce)
		}
		r.Segments = append(r.Segments, row)
	}
	return r, nil
}

// Document is the segment table and the chart "segments" (segment lifetime
// value of each segment).
func (r *SegmentsReport) Document() (*Document, error) {
	d := &Document{Title: "Segments"}
	d.Notes = append(d.Notes, fmt.Sprintf("as of %s: the scores of run %d (%s, %s); customer equity %s", r.AsOf, r.RunID, r.Model, r.Basis, MoneyText(r.CustomerEquity, r.Currency)))
	if r.Memberships > r.CustomersInSegments {
		d.Notes = append(d.Notes, fmt.Sprintf("the segments overlap: %d customers hold %d memberships, so their shares of customer equity add up to more than 100 %%",
			r.CustomersInSegments, r.Memberships))
	}
	cur := " (" + r.Currency + ")"
	t := Table{Currency: r.Currency, Columns: []Column{Col("segment", "SEGMENT"), Col("owner", "OWNER"), Col("level", "LEVEL"), Col("members", "MEMBERS"),
		Col("segment_lifetime_value", "SEGMENT VALUE"+cur), Col("share_of_ce", "SHARE OF CE"), Col("mean_clv", "MEAN CLV"+cur), Col("mean_p_alive", "MEAN P(ALIVE)")}}
	for _, s := range r.Segments {
		t.Rows = append(t.Rows, []Cell{Txt(s.Segment), Txt(s.Owner), Txt(s.Level), Int(int64(s.Members)), Amount(s.SegmentLifetimeValue, r.Currency),
			Pct(s.ShareOfEquity, 1), Amount(s.MeanCLV, r.Currency), Num(s.MeanPAlive, 4)})
	}
	d.Tables = append(d.Tables, t)
	if len(r.Segments) == 0 {
		return d, nil
	}
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Segment lifetime value (%s, run %d)", r.Currency, r.RunID)
	p.X.Label.Text = "segment lifetime value"
	p.X.Tick.Marker = groupedTicks{}
	// Highest value at the top: a horizontal bar chart draws its first bar
	// at the bottom.
	rows := slices.Clone(r.Segments)
	slices.Reverse(rows)
	var vals plotter.Values
	var names []string
	for _, s := range rows {
		vals = append(vals, s.SegmentLifetimeValue)
		names = append(names, s.Segment)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return nil, err
	}
	bars.Horizontal = true
	bars.Color = actualColor
	bars.LineStyle.Width = 0
	p.Add(plotter.NewGrid(), bars)
	// Each bar's value at its end, and room for it: the largest bar ran
	// into the border.
	top := 0.0
	var ends plotter.XYs
	var texts []string
	for i, v := range vals {
		top = math.Max(top, v)
		ends = append(ends, plotter.XY{X: math.Max(v, 0), Y: float64(i)})
		texts = append(texts, MoneyText(v, r.Currency))
	}
	if labels, err := plotter.NewLabels(plotter.XYLabels{XYs: ends, Labels: texts}); err == nil {
		for i := range labels.TextStyle {
			labels.TextStyle[i].YAlign = draw.YCenter
		}
		labels.Offset = vg.Point{X: vg.Points(4)}
		p.Add(labels)
	}
	p.X.Min = math.Min(0, p.X.Min)
	if top > 0 {
		p.X.Max = top * 1.3
	}
	p.NominalY(names...)
	h := vg.Length(len(names))*vg.Points(20) + 1.5*vg.Inch
	d.Charts = append(d.Charts, Chart{Name: "segments", Title: p.Title.Text, Width: 8 * vg.Inch, Height: h, Plot: p})
	return d, nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// basisOf says what a run's CLVs value, for report headers.
func basisOf(run *clientele.Run) string {
	if run.Scoring == nil {
		return "scoring settings not recorded"
	}
	return run.Scoring.BasisText()
}
