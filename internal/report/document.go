package report

import (
	"bufio"
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/rivo/uniseg"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/vg"

	"clientele"
)

// A Document is the readable form of a report: notes, tables and charts.
// The same document is written as text, CSV, HTML (with the charts inline
// as SVG) and its charts as PNG or SVG files, so that the command line, the
// API and the dashboard show the same report.
type Document struct {
	Title  string
	Notes  []string
	Tables []Table
	Charts []Chart
}

// A Table is a headed grid of cells. Currency, when set, is the currency
// of its amounts: CSV gives it a column of its own.
type Table struct {
	Heading  string
	Columns  []Column
	Rows     [][]Cell
	Currency string
}

// A Chart is a named plot; Name is its file name without the extension.
type Chart struct {
	Name          string
	Title         string
	Width, Height vg.Length
	Plot          *plot.Plot
	// ColorBar, when set, is drawn beside the plot with its ColorBarTitle:
	// the scale of a heat map.
	ColorBar      palette.ColorMap
	ColorBarTitle string
}

// WriteTo writes the chart as format "svg", "png" or "pdf".
func (c Chart) WriteTo(w io.Writer, format string) error {
	switch format {
	case "svg", "png", "pdf":
	default:
		return clientele.Errorf(clientele.EINVALID, "chart format %q: want svg, png or pdf", format)
	}
	if c.ColorBar != nil {
		if err := writeWithColorBar(w, c.Plot, c.ColorBar, c.ColorBarTitle, c.Width, c.Height, format); err != nil {
			return fmt.Errorf("chart %s: %w", c.Name, err)
		}
		return nil
	}
	wt, err := c.Plot.WriterTo(c.Width, c.Height, format)
	if err != nil {
		return fmt.Errorf("chart %s: %w", c.Name, err)
	}
	_, err = wt.WriteTo(w)
	return err
}

// save writes the chart to path, in the format its extension names.
func (c Chart) save(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = c.WriteTo(f, strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), "."))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Chart returns the chart named name.
func (d *Document) Chart(name string) (Chart, bool) {
	for _, c := range d.Charts {
		if c.Name == name {
			return c, true
		}
	}
	return Chart{}, false
}

// WriteText writes the notes and then every table, aligned.
func (d *Document) WriteText(w io.Writer) error {
	for _, n := range d.Notes {
		fmt.Fprintln(w, n)
	}
	for i, t := range d.Tables {
		if i > 0 || len(d.Notes) > 0 {
			fmt.Fprintln(w)
		}
		if t.Heading != "" {
			fmt.Fprintln(w, t.Heading)
		}
		rows := make([][]string, len(t.Rows))
		for i, r := range t.Rows {
			rows[i] = texts(r)
		}
		if err := WriteTable(w, titles(t.Columns), rows); err != nil {
			return err
		}
	}
	return nil
}

// WriteCSV writes the first table, the report's main one, as CSV ready
// for analysis: snake_case column names, plain numbers (shares as
// fractions, no units, no thousands separators, nothing for a missing
// value) and, for a table of amounts, the currency in a column of its own.
func (d *Document) WriteCSV(w io.Writer) error {
	if len(d.Tables) == 0 {
		return nil
	}
	t := d.Tables[0]
	if err := t.check(); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	head := make([]string, 0, len(t.Columns)+1)
	for _, c := range t.Columns {
		head = append(head, c.Key)
	}
	if t.Currency != "" {
		head = append(head, "currency")
	}
	cw.Write(head)
	for _, r := range t.Rows {
		rec := make([]string, 0, len(r)+1)
		for _, c := range r {
			rec = append(rec, c.Plain)
		}
		if t.Currency != "" {
			rec = append(rec, t.Currency)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// SaveCharts writes every chart into dir as NAME.format and returns the
// paths written.
func (d *Document) SaveCharts(dir, format string) ([]string, error) {
	switch format {
	case "svg", "png", "pdf":
	default:
		return nil, clientele.Errorf(clientele.EINVALID, "chart format %q: want svg, png or pdf", format)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var paths []string
	for _, c := range d.Charts {
		path := filepath.Join(dir, c.Name+"."+format)
		f, err := os.Create(path)
		if err != nil {
			return paths, err
		}
		err = c.WriteTo(f, format)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return paths, fmt.Errorf("%s: %w", path, err)
		}
		paths = append(paths, path)
	}
	return paths, nil
}

//go:embed report.html.tmpl
var templates embed.FS

var page = template.Must(template.New("report.html.tmpl").ParseFS(templates, "report.html.tmpl"))

// WriteHTML writes the document as one self-contained HTML page, its charts
// drawn inline as SVG.
func (d *Document) WriteHTML(w io.Writer) error {
	type chart struct {
		Title string
		SVG   template.HTML
	}
	var charts []chart
	for _, c := range d.Charts {
		var b bytes.Buffer
		if err := c.WriteTo(&b, "svg"); err != nil {
			return err
		}
		// gonum/plot writes a whole SVG document; the page wants the
		// element alone.
		svg := b.String()
		if i := strings.Index(svg, "<svg"); i >= 0 {
			svg = svg[i:]
		}
		// The SVG is drawn by gonum/plot from our own data, whose text it
		// escapes: it is trusted markup.
		charts = append(charts, chart{Title: c.Title, SVG: template.HTML(svg)})
	}
	return page.Execute(w, map[string]any{"Title": d.Title, "Notes": d.Notes, "Tables": d.Tables, "Charts": charts})
}

// WriteTable writes rows under a header, aligned.
func WriteTable(w io.Writer, header []string, rows [][]string) error {
	// Columns are aligned by display width, not by characters: Hangul and
	// other East Asian wide characters take two terminal cells (tabwriter
	// counted one, and Korean tables went askew).
	all := append([][]string{header}, rows...)
	var widths []int
	for _, r := range all {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], uniseg.StringWidth(c))
		}
	}
	bw := bufio.NewWriter(w)
	for _, r := range all {
		for i, c := range r {
			bw.WriteString(c)
			if i < len(r)-1 {
				bw.WriteString(strings.Repeat(" ", widths[i]-uniseg.StringWidth(c)+2))
			}
		}
		bw.WriteByte('\n')
	}
	return bw.Flush()
}
