package report

import (
	"bytes"
	"image/png"
	"os"
	"strings"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
)

// inked counts the dark pixels of a PNG chart whose title is title, drawn
// in f.
func inked(t *testing.T, f chartFont, title string) int {
	t.Helper()
	font.DefaultCache.Add(font.Collection{{Font: f.Font, Face: f.face}})
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = f.Font
	p.Title.TextStyle.Font.Size = 24
	p.HideAxes()
	var buf bytes.Buffer
	if err := (Chart{Name: "t", Width: 4 * vg.Inch, Height: 2 * vg.Inch, Plot: p}).WriteTo(&buf, "png"); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := img.At(x, y).RGBA(); r+g+bl < 3*0x8000 {
				n++
			}
		}
	}
	return n
}

// Without a CJK font, Hangul vanishes from a PNG chart (the category 라면
// left a title blank), and the document says so and what to install; the
// default face is a sans serif, like the pages around the charts.
func TestChartFontWithoutHangul(t *testing.T) {
	f := loadChartFont("", nil)
	if f.Font.Variant != "Sans" || f.Path != "" {
		t.Fatalf("fallback font %+v, want Liberation Sans", f.Font)
	}
	if got := f.missingGlyphs("Brand A", "라면 share"); got != "라면" {
		t.Errorf("missing glyphs %q, want 라면", got)
	}
	// (A few pixels differ: the title is centred on its measured width.)
	if a, b := inked(t, f, "A"), inked(t, f, "A 라면"); b > a+20 {
		t.Errorf("Liberation Sans drew Hangul? %d dark pixels without, %d with", a, b)
	}
	d := &Document{Title: "Brand migration: 라면", Tables: []Table{{Columns: []Column{Col("brand", "BRAND")}, Rows: [][]Cell{{Txt("신라면")}}}}}
	if w := d.fontWarning(f); !strings.Contains(w, `"라면신"`) || !strings.Contains(w, "fonts-noto-cjk") {
		t.Errorf("font warning %q", w)
	}
	if w := (&Document{Title: "Brand migration"}).fontWarning(f); w != "" {
		t.Errorf("a Latin document warns %q", w)
	}
	bad := loadChartFont("/nonexistent/font.ttf", nil)
	if bad.Problem == "" || !strings.Contains(bad.Problem, FontEnv) {
		t.Errorf("an unreadable %s: %+v", FontEnv, bad)
	}
}

// With a Hangul font (CI installs Debian's fonts-nanum and names it in
// CLIENTELE_TEST_CJK_FONT), Hangul is drawn and nothing is reported
// missing.
func TestChartFontWithHangul(t *testing.T) {
	path := os.Getenv("CLIENTELE_TEST_CJK_FONT")
	if path == "" {
		t.Skip("CLIENTELE_TEST_CJK_FONT is not set: no Hangul font to draw with (apt install fonts-nanum; .ci/run sets it)")
	}
	f := loadChartFont(path, nil)
	if f.Path != path || f.Problem != "" {
		t.Fatalf("CLIENTELE_TEST_CJK_FONT=%s: %+v", path, f)
	}
	f.Font.Typeface = "ClienteleTest" // apart from the active font
	if got := f.missingGlyphs("라면 점유율", "Brand A"); got != "" {
		t.Errorf("%s lacks %q", path, got)
	}
	if a, b := inked(t, f, "A"), inked(t, f, "A 라면"); b < a+50 {
		t.Errorf("Hangul not drawn: %d dark pixels without, %d with", a, b)
	}
}
