package report

import (
	"image/color"
	"io"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"clientele"
)

// What makes a chart fit for a board deck, in one place: a palette that
// colour-blind readers tell apart, tick labels with thousands separators
// and shares in per cent, and room between the title and the data.

// okabeIto is Okabe and Ito's colour-blind-safe qualitative palette
// (https://jfly.uni-koeln.de/color/), blue first.
var okabeIto = []color.RGBA{
	{R: 0, G: 114, B: 178, A: 255},   // blue
	{R: 230, G: 159, B: 0, A: 255},   // orange
	{R: 0, G: 158, B: 115, A: 255},   // bluish green
	{R: 204, G: 121, B: 167, A: 255}, // reddish purple
	{R: 86, G: 180, B: 233, A: 255},  // sky blue
	{R: 213, G: 94, B: 0, A: 255},    // vermillion
	{R: 240, G: 228, B: 66, A: 255},  // yellow
	{R: 0, G: 0, B: 0, A: 255},       // black
}

// seriesColor is the colour of the i-th series of a chart.
func seriesColor(i int) color.Color { return okabeIto[i%len(okabeIto)] }

// groupedTicks labels an axis with its default ticks, thousands grouped
// (1,250,000 rather than 1.25e+06).
type groupedTicks struct{}

func (groupedTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = groupedNumber(ticks[i].Value, ticks[i].Label)
		}
	}
	return ticks
}

// groupedNumber formats v with the decimals its default label has.
func groupedNumber(v float64, label string) string {
	decimals := 0
	if i := strings.IndexByte(label, '.'); i >= 0 && !strings.ContainsAny(label, "eE") {
		decimals = len(label) - i - 1
	}
	return clientele.GroupDigits(strconv.FormatFloat(v, 'f', decimals, 64))
}

// percentTicks labels an axis of shares (0 to 1) in per cent: 20 %, not
// 0.2.
type percentTicks struct{}

func (percentTicks) Ticks(min, max float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(min, max)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strings.TrimSuffix(strings.TrimSuffix(strconv.FormatFloat(100*ticks[i].Value, 'f', 1, 64), "0"), ".") + " %"
		}
	}
	return ticks
}

// dateTicks labels an axis of Unix seconds with dates.
var dateTicks = plot.TimeTicks{Format: "2006-01-02"}

// deckReady gives p's title room above the data, and its legend room
// between entries and off the border.
func deckReady(p *plot.Plot) {
	p.Title.Padding = vg.Points(10)
	p.Legend.Padding = vg.Points(4)
	p.Legend.XOffs, p.Legend.YOffs = -vg.Points(8), -vg.Points(4)
}

// sequential is the colour map of a heat map of a quantity from 0 to 1
// (P(alive), a transition probability): light for 0, dark blue for 1, so
// that more reads as more — a diverging map (blue–red) suggested a
// midpoint with a meaning where there is none.
func sequential() palette.ColorMap {
	// Luminance rises along the controls, so the map runs dark to light
	// and is reversed.
	cm, err := moreland.NewLuminance([]color.Color{
		color.RGBA{R: 8, G: 48, B: 107, A: 255},
		color.RGBA{R: 107, G: 174, B: 214, A: 255},
		color.RGBA{R: 247, G: 251, B: 255, A: 255},
	})
	if err != nil {
		panic(err) // the controls above are valid
	}
	cm.SetMin(0)
	cm.SetMax(1)
	return palette.Reverse(cm)
}

// inkOn is a text colour that reads on a cell of value v (0 to 1) of the
// sequential map.
func inkOn(v float64) color.Color {
	if v > 0.55 {
		return color.White
	}
	return color.Black
}

// writeWithColorBar draws p with a vertical colour bar of cm to its right,
// labelled title, as format.
func writeWithColorBar(w io.Writer, p *plot.Plot, cm palette.ColorMap, title string, width, height vg.Length, format string) error {
	c, err := draw.NewFormattedCanvas(width, height, format)
	if err != nil {
		return err
	}
	dc := draw.New(c)
	bar := width / 7
	p.Draw(draw.Crop(dc, 0, -bar, 0, 0))
	cb := newPlot()
	cb.Title.Text = ""
	cb.HideX()
	cb.Y.Label.Text = title
	cb.Y.Tick.Marker = percentTicks{}
	cb.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true})
	// The bar spans the heat map's height: the same padding above and
	// below as the main plot's title and axis take.
	cb.Draw(draw.Crop(dc, width-bar, 0, vg.Points(40), -vg.Points(30)))
	_, err = c.WriteTo(w)
	return err
}

// addHeatMap draws shares, a square matrix of values in [0, 1], on p as a
// heat map of the sequential colour map, each cell labelled with
// label(i, j) in an ink that reads on its colour; it returns the colour
// map, for the chart's colour bar.
func addHeatMap(p *plot.Plot, shares [][]float64, label func(i, j int) string) (palette.ColorMap, error) {
	pal := sequential()
	hm := plotter.NewHeatMap(matrixGrid(shares), pal.Palette(100))
	hm.Min, hm.Max = 0, 1
	p.Add(hm)
	var cells plotter.XYs
	var texts []string
	var inks []color.Color
	for i, row := range shares {
		for j, v := range row {
			cells = append(cells, plotter.XY{X: float64(j), Y: float64(i)})
			texts = append(texts, label(i, j))
			inks = append(inks, inkOn(v))
		}
	}
	if len(cells) == 0 {
		return pal, nil
	}
	labels, err := plotter.NewLabels(plotter.XYLabels{XYs: cells, Labels: texts})
	if err != nil {
		return nil, err
	}
	for i := range labels.TextStyle {
		labels.TextStyle[i].Color = inks[i]
		labels.TextStyle[i].XAlign, labels.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
	}
	p.Add(labels)
	return pal, nil
}

// For charts drawn outside the package (the dashboard's, whose words are
// the reader's language): the same style, font, palette and ticks.

// NewPlot returns an empty plot in the reports' style and font.
func NewPlot() *plot.Plot { return newPlot() }

// SeriesColor is the colour of the i-th series of a chart.
func SeriesColor(i int) color.Color { return seriesColor(i) }

// Sequential is the colour map of a heat map of a quantity from 0 to 1.
func Sequential() palette.ColorMap { return sequential() }

var (
	// GroupedTicks labels an axis with thousands grouped.
	GroupedTicks plot.Ticker = groupedTicks{}
	// PercentTicks labels an axis of shares (0 to 1) in per cent.
	PercentTicks plot.Ticker = percentTicks{}
	// DateTicks labels an axis of Unix seconds with dates.
	DateTicks plot.Ticker = dateTicks
)

// AddHeatMap draws a square matrix of shares on p as a labelled heat map
// and returns its colour map, for a colour bar.
func AddHeatMap(p *plot.Plot, shares [][]float64, label func(i, j int) string) (palette.ColorMap, error) {
	return addHeatMap(p, shares, label)
}
