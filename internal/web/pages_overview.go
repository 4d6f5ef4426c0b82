package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"gonum.org/v1/plot"

	"clientele"
	"clientele/internal/i18n"
	"clientele/internal/report"
)

// The Chief Customer Officer's overview: the firm measured by its
// customers — customer equity now and at every scoring run, share of
// customer equity, how concentrated it is, segments by their lifetime
// value with their owners, customers with negative CLV, product against
// customer profitability, brand migration and information sharing — from
// stored scores and transactions (cachedReport), never a model fit.

type card struct{ Label, Value, Note string }

type overviewView struct {
	NoScores    bool
	Cards       []card
	Charts      []*chart
	Segments    *table
	Products    *table
	LossLeaders []string
	Migration   *chart
	Category    string
	Sharing     *chart
	Competitors *table
	MayEdit     bool
	Problem     string
}

// words is the reader's language for a page's handler (render uses the
// same).
func words(w http.ResponseWriter, r *http.Request) (i18n.Translator, cells) {
	t := translator(w, r)
	return t, cells{T: t}
}

func (s *Server) overviewPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	v := &view{Template: "overview.html", TitleKey: "nav.overview", T: t}
	d := &overviewView{}
	v.Data = d
	who := clientele.PrincipalFromContext(r.Context())
	d.MayEdit = who.Role == "admin" || who.Role == "cco"
	competitors, err := s.db.Competitors(r.Context())
	if err != nil {
		return nil, err
	}
	rep, err := s.cachedReport(r, "equity", competitorQuery(competitors))
	if clientele.ErrorCode(err) == clientele.ENOTFOUND {
		d.NoScores = true
		return v, nil
	}
	if errors.Is(err, errPreparing) {
		v.Preparing = true
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	eq := rep.(*report.EquityReport)
	cur := eq.Currency
	asOf := ""
	if n := len(eq.History); n > 0 {
		asOf = eq.History[n-1].AsOf
	}
	d.Cards = []card{
		{t.T("customer_equity"), moneyText(t, eq.CustomerEquity, cur), t.T("run_as_of", eq.RunID, asOf)},
		{t.T("share_of_ce"), shareText(t, eq, competitors), t.T("competitors_n", len(competitors))},
		{t.T("customers_scored"), t.Number(float64(eq.Customers), 0), t.T("mean_clv_is", moneyText(t, eq.MeanCLV, cur))},
		{t.T("concentration"), t.Number(100*eq.Top20, 1) + " %", t.T("top_shares", t.Number(100*eq.Top1, 1), t.Number(100*eq.Top10, 1), t.Number(100*eq.Top20, 1))},
		{t.T("negative_clv"), t.Number(float64(eq.NegativeCustomers), 0), t.T("negative_clv_total", moneyText(t, eq.NegativeTotal, cur))},
	}
	money := func(x float64) cell { return c.money(x, cur) }
	// Customer equity at every scoring run.
	var xs, ce, share []float64
	for _, h := range eq.History {
		xs = append(xs, float64(h.RunID))
		ce = append(ce, h.CustomerEquity)
		share = append(share, h.Share)
	}
	trend, err := lineChart("equity", t.T("chart.equity_runs", cur), t.T("run"), t.T("customer_equity"), xs,
		[]series{{Name: t.T("customer_equity"), Values: ce}}, integerTicks{}, report.GroupedTicks,
		func(x float64) cell { return c.int(int64(x)) }, money, t.T("run"), c)
	if err != nil {
		return nil, err
	}
	var cx, cy, diag []float64
	for _, p := range eq.Concentration {
		cx, cy, diag = append(cx, p.Customers), append(cy, p.Equity), append(diag, p.Customers)
	}
	conc, err := lineChart("concentration", t.T("chart.concentration"), t.T("top_customers_share"), t.T("share_of_equity_held"), cx,
		[]series{{Name: t.T("equity_held"), Values: cy}, {Name: t.T("equal_clv"), Values: diag}}, report.PercentTicks, report.PercentTicks,
		func(x float64) cell { return c.pct(x, 0) }, func(x float64) cell { return c.pct(x, 1) }, t.T("top_customers_share"), c)
	if err != nil {
		return nil, err
	}
	lo, hi := eq.Quantiles["p10"], eq.Quantiles["p99"]
	dist, err := histChart("distribution", t.T("chart.clv_distribution", cur), t.T("clv"), t.T("customers"), eq.CLVs(), lo, hi, 30, money, c)
	if err != nil {
		return nil, err
	}
	d.Charts = []*chart{v.chart(trend), v.chart(conc), v.chart(dist)}

	// Segments by their lifetime value, with their owners.
	if rep, err := s.cachedReport(r, "segments", url.Values{}); err == nil {
		sr := rep.(*report.SegmentsReport)
		d.Segments = &table{ID: "segments", Columns: cols(t, "segment", "col.segment", "owner", "col.owner", "members#", "col.members",
			"segment_lifetime_value#", "col.slv", "share_of_ce#", "col.share_of_ce", "mean_clv#", "col.mean_clv", "mean_p_alive#", "col.mean_p_alive")}
		for _, g := range sr.Segments {
			d.Segments.add(c.link(g.Segment, "/segments/"+url.PathEscape(g.Segment)), c.text(g.Owner), c.int(g.Members), c.money(g.SegmentLifetimeValue, sr.Currency),
				c.pct(g.ShareOfEquity, 1), c.money(g.MeanCLV, sr.Currency), c.num(g.MeanPAlive, 3))
		}
		v.offer(d.Segments)
	} else if !v.absent(err) {
		return nil, err
	}

	// Product against customer profitability: the products by their
	// buyers' mean CLV, the loss leaders named.
	if rep, err := s.cachedReport(r, "profitability", url.Values{}); err == nil {
		pr := rep.(*report.ProfitabilityReport)
		d.Products = productTable(t, c, pr)
		d.Products.PageSize = 10
		v.offer(d.Products)
		for _, p := range pr.Products {
			if p.LossLeader {
				d.LossLeaders = append(d.LossLeaders, p.Name)
			}
		}
		d.Category = migrationCategory(pr)
	} else if !v.absent(err) {
		return nil, err
	}
	if d.Category != "" {
		if rep, err := s.cachedReport(r, "migration", url.Values{"category": {d.Category}}); err == nil {
			ch, err := migrationChart(t, c, rep.(*report.MigrationReport))
			if err != nil {
				return nil, err
			}
			d.Migration = v.chart(ch)
		} else if code := clientele.ErrorCode(err); !v.absent(err) && code != clientele.EINVALID && code != clientele.EFORBIDDEN {
			return nil, err
		}
	}
	// Information sharing by department.
	if rep, err := s.report(r, "sharing"); err == nil {
		ch, err := sharingChart(t, c, rep.(*report.SharingReport))
		if err != nil {
			return nil, err
		}
		if ch != nil {
			d.Sharing = v.chart(ch)
		}
	} else {
		return nil, err
	}
	d.Competitors = competitorTable(t, c, competitors, cur)
	v.offer(d.Competitors)
	return v, nil
}

// competitorQuery is the equity report's query for the competitors
// entered.
func competitorQuery(competitors map[string]float64) url.Values {
	q := url.Values{}
	for n, ce := range competitors {
		q.Add("competitor", n+"="+strconv.FormatFloat(ce, 'f', -1, 64))
	}
	return q
}

// shareText is the firm's share of customer equity, or a dash without
// competitors.
func shareText(t i18n.Translator, eq *report.EquityReport, competitors map[string]float64) string {
	if len(competitors) == 0 {
		return "–"
	}
	return t.Number(100*eq.Share, 1) + " %"
}

func competitorTable(t i18n.Translator, c cells, competitors map[string]float64, cur string) *table {
	tb := &table{ID: "competitors", Columns: cols(t, "competitor", "col.competitor", "customer_equity#", "col.customer_equity"), Empty: t.T("no_competitors")}
	names := make([]string, 0, len(competitors))
	for n := range competitors {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		tb.add(c.text(n), c.money(competitors[n], cur))
	}
	return tb
}

// putCompetitors replaces the competitors' customer equity from the
// overview's form: one NAME=CE per line.
func (s *Server) putCompetitors(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	m := map[string]float64{}
	for i, line := range strings.Split(r.PostFormValue("competitors"), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		n, ce, err := report.ParseCompetitor(line)
		if err != nil {
			return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid competitors",
				Details: []clientele.FieldError{{Field: "line " + strconv.Itoa(i+1), Reason: "must be NAME=CUSTOMER_EQUITY, the equity a number ≥ 0"}}}
		}
		m[n] = ce
	}
	if err := s.db.SetCompetitors(r.Context(), m); err != nil {
		return nil, err
	}
	s.reports.forget("equity")
	http.Redirect(w, r, "/overview#competitors", http.StatusSeeOther)
	return nil, nil
}

// parseForm reads a page's form (application/x-www-form-urlencoded, at
// most maxForm bytes).
func parseForm(w http.ResponseWriter, r *http.Request) error {
	if !isForm(r) {
		return clientele.Errorf(clientele.EUNSUPPORTED, "send the form as application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return clientele.Errorf(clientele.EINVALID, "the form could not be read: %v", err)
	}
	return nil
}

// productTable is product against customer profitability.
func productTable(t i18n.Translator, c cells, pr *report.ProfitabilityReport) *table {
	tb := &table{ID: "products", Columns: cols(t, "sku", "col.sku", "name", "col.product", "brand", "col.brand", "category", "col.category",
		"buyers#", "col.buyers", "margin#", "col.margin", "buyers_mean_clv#", "col.buyers_mean_clv", "loss_leader", "col.loss_leader")}
	for _, p := range pr.Products {
		ll := ""
		if p.LossLeader {
			ll = t.T("yes")
		}
		tb.add(c.text(p.SKU), c.text(p.Name), c.text(p.Brand), c.text(p.Category), c.int(p.Buyers), c.money(p.Margin, pr.Currency),
			c.money(p.BuyersMeanCLV, pr.Currency), c.text(ll))
	}
	return tb
}

// migrationCategory is the category with the most brands (at least two),
// the first by name among equals: the one whose migration the overview
// shows.
func migrationCategory(pr *report.ProfitabilityReport) string {
	brands := map[string]map[string]bool{}
	for _, p := range pr.Products {
		if p.Category == "" || p.Brand == "" {
			continue
		}
		if brands[p.Category] == nil {
			brands[p.Category] = map[string]bool{}
		}
		brands[p.Category][p.Brand] = true
	}
	best := ""
	for cat, b := range brands {
		if len(b) >= 2 && (best == "" || len(b) > len(brands[best]) || (len(b) == len(brands[best]) && cat < best)) {
			best = cat
		}
	}
	return best
}

// migrationChart draws a category's brand migration: each brand's share of
// its customers now and in the projection's last period.
func migrationChart(t i18n.Translator, c cells, m *report.MigrationReport) (*chart, error) {
	var names []string
	now := series{Name: t.T("share_now")}
	later := series{Name: t.T("share_projected", len(m.Projection)-1)}
	for i, b := range m.Brands {
		names = append(names, b.Brand)
		now.Values = append(now.Values, b.Share)
		if n := len(m.Projection); n > 0 && i < len(m.Projection[n-1]) {
			later.Values = append(later.Values, m.Projection[n-1][i])
		} else {
			later.Values = append(later.Values, b.Share)
		}
	}
	return barChart("migration", t.T("chart.migration", m.Category), t.T("share_of_customers"), names, []series{now, later}, report.PercentTicks,
		func(x float64) cell { return c.pct(x, 1) }, c)
}

// sharingChart draws information stored and retrieved by department; nil
// when nothing was.
func sharingChart(t i18n.Translator, c cells, sr *report.SharingReport) (*chart, error) {
	if len(sr.Departments) == 0 {
		return nil, nil
	}
	var names []string
	stored, read := series{Name: t.T("stored")}, series{Name: t.T("retrieved")}
	for _, g := range sr.Departments {
		names = append(names, g.Name)
		stored.Values = append(stored.Values, float64(g.Stored))
		read.Values = append(read.Values, float64(g.Retrieved))
	}
	return barChart("sharing", t.T("chart.sharing"), t.T("items"), names, []series{stored, read}, report.GroupedTicks,
		func(x float64) cell { return c.int(int64(x)) }, c)
}

// integerTicks labels an axis of whole numbers (run ids) at whole numbers
// only.
type integerTicks struct{}

func (integerTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	step := max(1, int((hi-lo)/8))
	for v := int(lo); v <= int(hi); v += step {
		if float64(v) >= lo {
			out = append(out, plot.Tick{Value: float64(v), Label: strconv.Itoa(v)})
		}
	}
	return out
}
