package web

import (
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"clientele/internal/report"
)

// The dashboard's charts, in the reader's language: gonum/plot in the
// reports' style (report.NewPlot), each built with the table of exactly
// the data it draws.

// series is a named line or set of bars.
type series struct {
	Name   string
	Values []float64
}

// barChart draws grouped bars, one group per name, one bar per series;
// format formats a value for the data table.
func barChart(id, title, yLabel string, names []string, ss []series, yTicks plot.Ticker, format func(float64) cell, c cells) (*chart, error) {
	p := report.NewPlot()
	p.Y.Label.Text = yLabel
	p.Y.Tick.Marker = yTicks
	w := vg.Points(max(4, 36/float64(max(1, len(ss)))))
	p.Add(plotter.NewGrid())
	for i, s := range ss {
		b, err := plotter.NewBarChart(plotter.Values(s.Values), w)
		if err != nil {
			return nil, err
		}
		b.Color = report.SeriesColor(i)
		b.LineStyle.Width = 0
		b.Offset = w * vg.Length(float64(i)-float64(len(ss)-1)/2)
		p.Add(b)
		if len(ss) > 1 {
			p.Legend.Add(s.Name, b)
		}
	}
	p.Legend.Top = true
	p.NominalX(names...)
	data := &table{Columns: []column{{Key: "name", Label: c.T.T("name")}}}
	for _, s := range ss {
		data.Columns = append(data.Columns, column{Key: "value_" + strconv.Itoa(len(data.Columns)), Label: s.Name, Num: true})
	}
	for i, n := range names {
		row := []cell{c.text(n)}
		for _, s := range ss {
			row = append(row, format(s.Values[i]))
		}
		data.add(row...)
	}
	height := 4 * vg.Inch
	width := vg.Length(math.Max(6, math.Min(11, 1.2+0.55*float64(len(names))))) * vg.Inch
	return newChart(id, title, p, width, height, data)
}

// lineChart draws lines over a shared x; xFormat formats an x for the
// data table, yFormat a y.
func lineChart(id, title, xLabel, yLabel string, xs []float64, ss []series, xTicks, yTicks plot.Ticker,
	xFormat, yFormat func(float64) cell, xName string, c cells) (*chart, error) {
	p := report.NewPlot()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = xTicks, yTicks
	p.Add(plotter.NewGrid())
	for i, s := range ss {
		pts := make(plotter.XYs, len(xs))
		for j := range xs {
			pts[j] = plotter.XY{X: xs[j], Y: s.Values[j]}
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return nil, err
		}
		l.Color, sc.Color = report.SeriesColor(i), report.SeriesColor(i)
		l.Width = vg.Points(1.5)
		if len(xs) > 40 {
			sc.Radius = 0
		}
		if i > 0 {
			l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		}
		p.Add(l, sc)
		p.Legend.Add(s.Name, l)
	}
	p.Legend.Top, p.Legend.Left = true, true
	data := &table{Columns: []column{{Key: "x", Label: xName, Num: true}}}
	for _, s := range ss {
		data.Columns = append(data.Columns, column{Key: "value_" + strconv.Itoa(len(data.Columns)), Label: s.Name, Num: true})
	}
	for j, x := range xs {
		row := []cell{xFormat(x)}
		for _, s := range ss {
			row = append(row, yFormat(s.Values[j]))
		}
		data.add(row...)
	}
	return newChart(id, title, p, 7*vg.Inch, 4*vg.Inch, data)
}

// histChart draws the distribution of values in bins equal bins between
// lo and hi (values outside are left out, and said so in the title by
// the caller).
func histChart(id, title, xLabel, yLabel string, values []float64, lo, hi float64, bins int, xFormat func(float64) cell, c cells) (*chart, error) {
	if hi <= lo {
		hi = lo + 1
	}
	counts := make([]float64, bins)
	width := (hi - lo) / float64(bins)
	for _, v := range values {
		if v < lo || v > hi {
			continue
		}
		counts[min(bins-1, int((v-lo)/width))]++
	}
	p := report.NewPlot()
	p.X.Label.Text, p.Y.Label.Text = xLabel, yLabel
	p.X.Tick.Marker, p.Y.Tick.Marker = report.GroupedTicks, report.GroupedTicks
	h := &plotter.Histogram{Bins: make([]plotter.HistogramBin, bins), FillColor: report.SeriesColor(0)}
	data := &table{Columns: []column{{Key: "from", Label: c.T.T("bin_from"), Num: true}, {Key: "to", Label: c.T.T("bin_to"), Num: true}, {Key: "count", Label: yLabel, Num: true}}}
	for i := range counts {
		h.Bins[i] = plotter.HistogramBin{Min: lo + float64(i)*width, Max: lo + float64(i+1)*width, Weight: counts[i]}
		data.add(xFormat(h.Bins[i].Min), xFormat(h.Bins[i].Max), c.int(int64(counts[i])))
	}
	h.LineStyle.Width = 0
	h.LineStyle.Color = color.Transparent
	p.Add(plotter.NewGrid(), h)
	return newChart(id, title, p, 7*vg.Inch, 3.6*vg.Inch, data)
}
