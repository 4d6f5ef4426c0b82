package web

import (
	"bytes"
	"encoding/csv"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"

	"clientele"
	"clientele/internal/i18n"
)

// The dashboard's frame (issue 15): the menu of the pages the reader's
// role may open, taken from the route table, so that a page the layer
// would refuse is never offered; tables that sort and page in the browser
// and download as CSV; charts drawn on the server as SVG, each with its
// data as a table (the text alternative) and as CSV. What a role may not
// see is left out on the server: handlers build their tables from values
// already passed through redact (visible).

// menu is the dashboard's pages in the order the menu shows them, by the
// key of their name.
var menu = []struct{ key, path string }{
	{"nav.overview", "/overview"},
	{"nav.portfolio", "/portfolio"},
	{"nav.customers", "/customers"},
	{"nav.segments", "/segments"},
	{"nav.brands", "/brands"},
	{"nav.models", "/models"},
	{"nav.sharing", "/sharing"},
	{"nav.engine", "/engine"},
	{"nav.admin", "/admin"},
	{"nav.audit", "/audit"},
}

// landing is the page each role opens on after signing in: the one its
// work starts from.
var landing = map[string]string{
	"admin":            "/overview",
	"cco":              "/overview",
	"customer_manager": "/segments",
	"brand_manager":    "/brands",
	"agent":            "/customers",
	"analyst":          "/models",
}

type navItem struct {
	Key, Path string
	Current   bool
}

// nav is the menu for role, with the page of path marked.
func (s *Server) nav(role, path string) []navItem {
	pol := s.policies()
	var out []navItem
	for _, m := range menu {
		if slices.Contains(pol["GET "+m.path], role) {
			out = append(out, navItem{Key: m.key, Path: m.path, Current: path == m.path || strings.HasPrefix(path, m.path+"/")})
		}
	}
	return out
}

// policies is Policies, computed once.
func (s *Server) policies() map[string][]string {
	s.policyOnce.Do(func() { s.policyMap = s.Policies() })
	return s.policyMap
}

// visible is v as the request's caller may see it: what the adapter would
// send had the handler returned v from the API. Pages build their tables
// from it, so that a pseudonym, not an id, and no contact details reach a
// brand manager's or an analyst's page.
func visible[T any](r *http.Request, v T) T {
	if seen := redact(v, accessFrom(r.Context())); seen != nil {
		return seen.(T)
	}
	return v
}

// A cell is one value of a table: Text for people, Plain for sorting and
// CSV (a plain number, a share as a fraction), and a link.
type cell struct {
	Text, Plain, Href string
}

// A column heads a table's column: Key names it in CSV, Label on the page;
// Num aligns it right and sorts it as a number.
type column struct {
	Key, Label string
	Num        bool
}

// A table is a headed grid of cells with an id, unique on its page: the
// page's URL with ?csv=ID downloads it.
type table struct {
	ID      string
	Caption string
	Columns []column
	Rows    [][]cell
	// Empty is shown instead of the table when it has no rows.
	Empty string
	// PageSize is how many rows the browser shows at a time; 0 for all.
	PageSize int
}

func (t *table) add(cells ...cell) { t.Rows = append(t.Rows, cells) }

// writeCSV writes t as CSV: keys, then the plain values.
func (t *table) writeCSV(w http.ResponseWriter, name string) {
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	head := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		head[i] = c.Key
	}
	cw.Write(head)
	for _, r := range t.Rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = c.Plain
		}
		cw.Write(rec)
	}
	cw.Flush()
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="`+name+"-"+t.ID+`.csv"`)
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	w.Write(b.Bytes())
}

// A chart is a plot drawn as inline SVG, with its data: the table under it
// is its text alternative, and downloads as CSV.
type chart struct {
	ID, Title string
	SVG       template.HTML
	Data      *table
}

// newChart draws p (its title left to the page, as the figure's caption)
// at width × height.
func newChart(id, title string, p *plot.Plot, width, height vg.Length, data *table) (*chart, error) {
	p.Title.Text = ""
	wt, err := p.WriterTo(width, height, "svg")
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := wt.WriteTo(&b); err != nil {
		return nil, err
	}
	svg := b.String()
	if i := strings.Index(svg, "<svg"); i >= 0 {
		svg = svg[i:]
	}
	// role="img" with the caption as its name; the table below is the
	// long description. The SVG is gonum/plot's, drawn from our own data
	// with its text escaped: trusted markup.
	svg = strings.Replace(svg, "<svg", `<svg role="img" aria-labelledby="`+id+`-title"`, 1)
	data.ID = id
	return &chart{ID: id, Title: title, SVG: template.HTML(svg), Data: data}, nil
}

// cells makes the cells of a page in the reader's language.
type cells struct{ T i18n.Translator }

func (c cells) text(s string) cell       { return cell{Text: s, Plain: s} }
func (c cells) link(s, href string) cell { return cell{Text: s, Plain: s, Href: href} }

func (c cells) int(n int64) cell {
	return cell{Text: c.T.Number(float64(n), 0), Plain: strconv.FormatInt(n, 10)}
}

func (c cells) num(v float64, prec int) cell {
	return cell{Text: c.T.Number(v, prec), Plain: strconv.FormatFloat(v, 'f', -1, 64)}
}

func (c cells) pct(share float64, prec int) cell {
	return cell{Text: c.T.Number(100*share, prec) + " %", Plain: strconv.FormatFloat(share, 'f', -1, 64)}
}

// money is an amount in major units of cur.
func (c cells) money(v float64, cur string) cell {
	m := clientele.MoneyOf(v, clientele.Currency(cur))
	scale, _ := m.Currency.Scale()
	return cell{Text: c.T.Money(m.Minor, cur), Plain: clientele.FormatAmount(m.Minor, scale)}
}

// moneyText formats an amount in major units of cur for a sentence.
func moneyText(t i18n.Translator, v float64, cur string) string {
	return t.Money(clientele.MoneyOf(v, clientele.Currency(cur)).Minor, cur)
}

// cols makes columns from key, label-key pairs; a key ending in "#" is a
// number column.
func cols(t i18n.Translator, pairs ...string) []column {
	var out []column
	for i := 0; i+1 < len(pairs); i += 2 {
		k, num := strings.CutSuffix(pairs[i], "#")
		out = append(out, column{Key: k, Label: t.T(pairs[i+1]), Num: num})
	}
	return out
}
