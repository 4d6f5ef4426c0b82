package report

import (
	"fmt"
	"os"
	"strings"
	"sync"

	"golang.org/x/image/font/opentype"
	"golang.org/x/image/font/sfnt"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/font/liberation"
	"gonum.org/v1/plot/plotter"
)

// FontEnv names the environment variable that gives the charts' font: a
// .ttf, .otf or .ttc file.
const FontEnv = "CLIENTELE_FONT"

// fontCandidates are font files with Hangul (and CJK, and Latin) that
// systems ship, tried in order when FontEnv is not set: Debian's and
// Ubuntu's fonts-noto-cjk, fonts-nanum, fonts-unfonts-core,
// fonts-baekmuk, fonts-droid-fallback and fonts-wqy-zenhei; macOS's Apple
// SD Gothic Neo; Windows's Malgun Gothic.
var fontCandidates = []string{
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/nanum/NanumGothic.ttf",
	"/usr/share/fonts/truetype/nanum/NanumBarunGothic.ttf",
	"/usr/share/fonts/truetype/unfonts-core/UnDotum.ttf",
	"/usr/share/fonts/truetype/baekmuk/gulim.ttf",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/System/Library/Fonts/AppleSDGothicNeo.ttc",
	`C:\Windows\Fonts\malgun.ttf`,
}

// chartFont is the typeface the charts are drawn in.
type chartFont struct {
	Path string // the font file; "" for Liberation Sans, gonum's own
	Font font.Font
	face *opentype.Font
	// Problem says what went wrong with the font asked for, if anything.
	Problem string
}

// chartTypeface is the name the chosen system font is registered under in
// gonum's font cache.
const chartTypeface = "Clientele"

// loadChartFont picks the charts' font: the file env names, else the first
// of candidates that exists, else Liberation Sans (which has no Hangul).
func loadChartFont(env string, candidates []string) chartFont {
	paths := candidates
	var problem string
	if env != "" {
		paths = []string{env}
	}
	for _, p := range paths {
		f, err := parseFontFile(p)
		if err == nil {
			return chartFont{Path: p, Font: font.Font{Typeface: chartTypeface}, face: f}
		}
		if env != "" {
			problem = fmt.Sprintf("%s=%s: %v", FontEnv, env, err)
		}
	}
	sans := font.Font{Typeface: "Liberation", Variant: "Sans"}
	var face *opentype.Font
	for _, f := range liberation.Collection() {
		if f.Font == sans {
			face = f.Face
		}
	}
	return chartFont{Font: sans, face: face, Problem: problem}
}

// parseFontFile reads a font file: one font, or the first of a collection
// (.ttc, as Noto Sans CJK ships).
func parseFontFile(path string) (*opentype.Font, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if f, err := opentype.Parse(b); err == nil {
		return f, nil
	}
	c, err := opentype.ParseCollection(b)
	if err != nil {
		return nil, fmt.Errorf("%s is not a font file (.ttf, .otf, .ttc): %w", path, err)
	}
	return c.Font(0)
}

var chartFonts struct {
	once sync.Once
	font chartFont
}

// activeFont returns the charts' font, choosing it on first use and making
// it gonum's default, so that every chart drawn after is in it: a sans
// serif, as the pages around the charts are, and one with Hangul where the
// system has one.
func activeFont() chartFont {
	chartFonts.once.Do(func() {
		f := loadChartFont(os.Getenv(FontEnv), fontCandidates)
		if f.Path != "" {
			font.DefaultCache.Add(font.Collection{{Font: f.Font, Face: f.face}})
		}
		plot.DefaultFont = f.Font
		plotter.DefaultFont = f.Font // value labels: a copy of plot's, taken at start-up
		chartFonts.font = f
	})
	return chartFonts.font
}

// newPlot returns a plot in the charts' font, its title clear of the data.
func newPlot() *plot.Plot {
	activeFont()
	p := plot.New()
	deckReady(p)
	return p
}

// missingGlyphs returns the characters of texts that f has no glyph for,
// each once, in the order met.
func (f chartFont) missingGlyphs(texts ...string) string {
	if f.face == nil {
		return ""
	}
	var buf sfnt.Buffer
	seen := map[rune]bool{}
	var out strings.Builder
	for _, s := range texts {
		for _, r := range s {
			if r < 0x80 || seen[r] {
				continue
			}
			seen[r] = true
			if i, err := f.face.GlyphIndex(&buf, r); err != nil || i == 0 {
				out.WriteRune(r)
			}
		}
	}
	return out.String()
}

// FontWarning says, when the charts' font lacks characters of the
// document's text (Hangul in a brand, a category or a segment name, with no
// CJK font installed), that PNG charts lose them and what to install;
// "" when nothing is lost.
func (d *Document) FontWarning() string { return d.fontWarning(activeFont()) }

func (d *Document) fontWarning(f chartFont) string {
	all := []string{d.Title}
	all = append(all, d.Notes...)
	for _, t := range d.Tables {
		all = append(all, t.Heading)
		all = append(all, titles(t.Columns)...)
		for _, r := range t.Rows {
			for _, c := range r {
				all = append(all, c.Text)
			}
		}
	}
	for _, c := range d.Charts {
		all = append(all, c.Title, c.Plot.Title.Text, c.Plot.X.Label.Text, c.Plot.Y.Label.Text)
	}
	missing := f.missingGlyphs(all...)
	if missing == "" && f.Problem == "" {
		return ""
	}
	var w strings.Builder
	if f.Problem != "" {
		fmt.Fprintf(&w, "%s; ", f.Problem)
	}
	if missing != "" {
		name := f.Path
		if name == "" {
			name = "Liberation Sans"
		}
		r := []rune(missing)
		fmt.Fprintf(&w, "the charts' font (%s) has no glyph for %q: PNG and PDF charts leave that text out. ", name, string(r[:min(len(r), 8)]))
	}
	w.WriteString("Install a font with it (Debian, Ubuntu: apt install fonts-noto-cjk, or fonts-nanum) or set " + FontEnv +
		" to a .ttf, .otf or .ttc file; SVG charts leave the glyphs to the browser's fonts")
	return w.String()
}
