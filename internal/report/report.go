// Package report builds Clientele's reports from the store: customer equity
// over time and by segment, customer against product profitability, brand
// migration, and brand switching with share of customer equity, plus the
// validation charts of a model run. Each report is a Document — notes,
// tables and charts drawn with gonum/plot — written as text, CSV, JSON,
// HTML, or PNG and SVG charts, so that the CLI, the API and the dashboard
// show the same report.
package report

import (
	"fmt"
	"image/color"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"clientele"
	"clientele/internal/valuation"
)

func checkExt(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png", ".svg", ".pdf":
		return nil
	}
	return clientele.Errorf(clientele.EINVALID, "%s: charts are written as .png, .svg or .pdf", path)
}

var (
	actualColor = color.RGBA{R: 33, G: 102, B: 172, A: 255}
	modelColor  = color.RGBA{R: 214, G: 96, B: 77, A: 255}
)

// Tracking draws the cumulative repeat purchases of the cohort, actual
// against the model, with the end of the calibration period marked — the
// check of Fader, Hardie & Lee (2005), Figure 1.
func Tracking(v *valuation.Validation, path string) error {
	if err := checkExt(path); err != nil {
		return err
	}
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Cumulative repeat purchases: actual vs %s (run %d)", v.Run.Model, v.Run.ID)
	p.X.Label.Text = v.Run.Unit + "s since the first acquisition"
	p.Y.Label.Text = "cumulative repeat purchases"
	p.Y.Tick.Marker = groupedTicks{}
	actual := make(plotter.XYs, len(v.Tracking))
	model := make(plotter.XYs, len(v.Tracking))
	top := 0.0
	for i, t := range v.Tracking {
		actual[i] = plotter.XY{X: float64(t.Unit), Y: t.Actual}
		model[i] = plotter.XY{X: float64(t.Unit), Y: t.Predicted}
		top = max(top, t.Actual, t.Predicted)
	}
	la, err := plotter.NewLine(actual)
	if err != nil {
		return err
	}
	la.Color, la.Width = actualColor, vg.Points(1.5)
	lm, err := plotter.NewLine(model)
	if err != nil {
		return err
	}
	lm.Color, lm.Width, lm.Dashes = modelColor, vg.Points(1.5), []vg.Length{vg.Points(5), vg.Points(3)}
	// The calibration end: where the holdout begins.
	calUnits := len(v.Tracking) - int(v.HoldoutLength+0.5)
	cal, err := plotter.NewLine(plotter.XYs{{X: float64(calUnits), Y: 0}, {X: float64(calUnits), Y: top}})
	if err != nil {
		return err
	}
	cal.Color, cal.Dashes = color.Gray{Y: 128}, []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(plotter.NewGrid(), la, lm, cal)
	p.Legend.Add("actual", la)
	p.Legend.Add(v.Run.Model, lm)
	p.Legend.Add("calibration end", cal)
	p.Legend.Top, p.Legend.Left = true, true
	return p.Save(9*vg.Inch, 5*vg.Inch, path)
}

// Holdout draws mean holdout purchases by calibration frequency, actual
// against predicted.
func Holdout(v *valuation.Validation, path string) error {
	if err := checkExt(path); err != nil {
		return err
	}
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Holdout purchases by calibration frequency (run %d)", v.Run.ID)
	p.X.Label.Text = "repeat purchases in the calibration period"
	p.Y.Label.Text = fmt.Sprintf("mean purchases in the holdout (%.0f %ss)", v.HoldoutLength, v.Run.Unit)
	var actual, model plotter.XYs
	var labels []string
	for _, r := range v.ByFrequency {
		actual = append(actual, plotter.XY{X: float64(r.X), Y: r.Actual})
		model = append(model, plotter.XY{X: float64(r.X), Y: r.Predicted})
		l := fmt.Sprint(r.X)
		if r.OrMore {
			l += "+"
		}
		labels = append(labels, l)
	}
	la, pa, err := plotter.NewLinePoints(actual)
	if err != nil {
		return err
	}
	la.Color, pa.Color = actualColor, actualColor
	lm, pm, err := plotter.NewLinePoints(model)
	if err != nil {
		return err
	}
	lm.Color, pm.Color = modelColor, modelColor
	lm.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	p.Add(plotter.NewGrid(), la, pa, lm, pm)
	p.Legend.Add("actual", la, pa)
	p.Legend.Add(v.Run.Model, lm, pm)
	p.Legend.Top, p.Legend.Left = true, true
	p.NominalX(labels...)
	return p.Save(7*vg.Inch, 5*vg.Inch, path)
}

type aliveGrid struct{ g valuation.AliveGrid }

func (a aliveGrid) Dims() (c, r int)   { return len(a.g.Recency), len(a.g.Frequency) }
func (a aliveGrid) Z(c, r int) float64 { return a.g.P[r][c] }
func (a aliveGrid) X(c int) float64    { return a.g.Recency[c] }
func (a aliveGrid) Y(r int) float64    { return a.g.Frequency[r] }

// Alive draws P(alive) over frequency and recency for a customer observed
// for the whole calibration period.
func Alive(v *valuation.Validation, path string) error {
	if err := checkExt(path); err != nil {
		return err
	}
	p := newPlot()
	p.Title.Text = fmt.Sprintf("P(alive) by frequency and recency, T = %.1f %ss (run %d)", v.AliveGrid.T, v.Run.Unit, v.Run.ID)
	p.X.Label.Text = "recency: " + v.Run.Unit + "s from the first to the last purchase"
	p.Y.Label.Text = "frequency: repeat purchases"
	pal := sequential()
	h := plotter.NewHeatMap(aliveGrid{v.AliveGrid}, pal.Palette(100))
	h.Min, h.Max = 0, 1
	p.Add(h)
	return Chart{Name: "palive", Plot: p, Width: 8 * vg.Inch, Height: 6 * vg.Inch, ColorBar: pal, ColorBarTitle: "P(alive)"}.save(path)
}
