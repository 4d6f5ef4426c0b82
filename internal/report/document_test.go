package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rivo/uniseg"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func testDocument(t *testing.T) *Document {
	t.Helper()
	p := plot.New()
	p.Title.Text = "a <chart> & more"
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 2}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	return &Document{
		Title: "Test <report>",
		Notes: []string{"note one"},
		Tables: []Table{
			{Heading: "first", Columns: []Column{Col("a", "A"), Col("b_value", "B (KRW)")}, Currency: "KRW",
				Rows: [][]Cell{{Txt("1"), Txt("<script>alert(1)</script>")}, {Txt("x,y"), Amount(1234567, "KRW")}, {Txt(""), Pct(0.125, 1)}}},
			{Heading: "second", Columns: []Column{Col("c", "C")}, Rows: [][]Cell{{Int(3)}}},
		},
		Charts: []Chart{{Name: "line", Title: p.Title.Text, Width: 3 * vg.Inch, Height: 2 * vg.Inch, Plot: p}},
	}
}

func TestDocumentFormats(t *testing.T) {
	d := testDocument(t)
	var text bytes.Buffer
	if err := d.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	want := "note one\n\nfirst\nA    B (KRW)\n1    <script>alert(1)</script>\nx,y  1,234,567\n-    12.5 %\n\nsecond\nC\n3\n"
	if diff := cmp.Diff(want, text.String()); diff != "" {
		t.Errorf("text (-want +got):\n%s", diff)
	}
	var csv bytes.Buffer
	if err := d.WriteCSV(&csv); err != nil {
		t.Fatal(err)
	}
	// CSV for analysis: snake_case keys, plain numbers, nothing for a
	// missing value, the currency in its own column.
	if diff := cmp.Diff("a,b_value,currency\n1,<script>alert(1)</script>,KRW\n\"x,y\",1234567,KRW\n,0.125,KRW\n", csv.String()); diff != "" {
		t.Errorf("csv (-want +got):\n%s", diff)
	}
	var html bytes.Buffer
	if err := d.WriteHTML(&html); err != nil {
		t.Fatal(err)
	}
	h := html.String()
	for _, want := range []string{"<title>Test &lt;report&gt; · Clientele</title>", "<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>",
		"<h2>second</h2>", "<svg", "a &lt;chart&gt; &amp; more"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if strings.Contains(h, "<script>") || strings.Contains(h, "<?xml") {
		t.Errorf("HTML carries markup it should not:\n%.2000s", h)
	}
}

func TestSaveCharts(t *testing.T) {
	d := testDocument(t)
	dir := t.TempDir()
	for _, format := range []string{"svg", "png"} {
		paths, err := d.SaveCharts(dir, format)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{filepath.Join(dir, "line."+format)}, paths); diff != "" {
			t.Fatalf("paths (-want +got):\n%s", diff)
		}
		b, err := os.ReadFile(paths[0])
		if err != nil {
			t.Fatal(err)
		}
		magic := map[string]string{"svg": "<?xml", "png": "\x89PNG"}[format]
		if !bytes.HasPrefix(b, []byte(magic)) {
			t.Errorf("%s starts %q", paths[0], b[:min(len(b), 8)])
		}
	}
	if _, err := d.SaveCharts(dir, "gif"); err == nil {
		t.Error("a gif chart was written")
	}
	if _, err := os.Stat(filepath.Join(dir, "line.gif")); !os.IsNotExist(err) {
		t.Errorf("a refused format left a file: %v", err)
	}
	if _, ok := d.Chart("line"); !ok {
		t.Error("chart line not found")
	}
	if _, ok := d.Chart("nope"); ok {
		t.Error("chart nope found")
	}
}

// Columns line up on a terminal whatever the script: Hangul takes two
// cells, and the second column starts at one display column on every
// line.
func TestWriteTableEastAsianWidth(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTable(&buf, []string{"BRAND", "SHARE"}, [][]string{{"신라면", "41.2"}, {"Shin Ramyun Black", "7.5"}, {"진라면 매운맛", "22.0"}}); err != nil {
		t.Fatal(err)
	}
	var cols []int
	for _, line := range strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n") {
		i := strings.LastIndex(line, "  ")
		cols = append(cols, uniseg.StringWidth(line[:i+2]))
	}
	if diff := cmp.Diff([]int{19, 19, 19, 19}, cols); diff != "" {
		t.Errorf("second column's display column (-want +got):\n%s\n%s", diff, buf.String())
	}
}
