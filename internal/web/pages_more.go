package web

import (
	"context"
	"errors"
	"maps"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"clientele"
	"clientele/internal/i18n"
	"clientele/internal/report"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

// The dashboard's other pages: segments, brands, models, information
// sharing, the administrator's users and tokens, the audit log, and the
// article's information portfolio.

type segmentsView struct {
	Table *table
	Mine  []string
}

func (s *Server) segmentsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	who := clientele.PrincipalFromContext(r.Context())
	d := &segmentsView{}
	v := &view{Template: "segments.html", TitleKey: "nav.segments", T: t, Data: d}
	rep, err := s.cachedReport(r, "segments", url.Values{})
	if v.absent(err) {
		d.Table = &table{ID: "segments", Empty: t.T("no_scores")}
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	sr := rep.(*report.SegmentsReport)
	// The trend: each segment's lifetime value at the scoring run before.
	before := map[string]float64{}
	comp, err := s.db.Competitors(r.Context())
	if err != nil {
		return nil, err
	}
	if eq, err := s.cachedReport(r, "equity", competitorQuery(comp)); err == nil {
		h := eq.(*report.EquityReport).History
		for i := len(h) - 1; i > 0; i-- {
			if h[i].RunID == sr.RunID {
				if prev, err := s.cachedReport(r, "segments", url.Values{"run": {strconv.FormatInt(h[i-1].RunID, 10)}}); err == nil {
					for _, g := range prev.(*report.SegmentsReport).Segments {
						before[g.Segment] = g.SegmentLifetimeValue
					}
				} else if !v.absent(err) {
					return nil, err
				}
				break
			}
		}
	} else if !v.absent(err) {
		return nil, err
	}
	pol := s.policies()["GET /segments/{name}"]
	d.Table = &table{ID: "segments", Columns: cols(t, "segment", "col.segment", "owner", "col.owner", "level", "col.level", "members#", "col.members",
		"segment_lifetime_value#", "col.slv", "share_of_ce#", "col.share_of_ce", "mean_clv#", "col.mean_clv", "mean_p_alive#", "col.mean_p_alive",
		"slv_change#", "col.trend")}
	for _, g := range sr.Segments {
		trend := cell{Text: "–"}
		if b, ok := before[g.Segment]; ok && b != 0 {
			trend = c.pct(g.SegmentLifetimeValue/b-1, 1)
			if g.SegmentLifetimeValue >= b {
				trend.Text = "+" + trend.Text
			}
		}
		name := c.text(g.Segment)
		if slices.Contains(pol, who.Role) && (who.Role != "customer_manager" || g.Owner == who.UserName) {
			name.Href = "/segments/" + url.PathEscape(g.Segment)
		}
		if g.Owner == who.UserName {
			d.Mine = append(d.Mine, g.Segment)
		}
		level := cell{Plain: g.Level}
		if g.Level != "" {
			level.Text = t.T("seglevel." + g.Level)
		}
		d.Table.add(name, c.text(g.Owner), level, c.int(g.Members), c.money(g.SegmentLifetimeValue, sr.Currency),
			c.pct(g.ShareOfEquity, 1), c.money(g.MeanCLV, sr.Currency), c.num(g.MeanPAlive, 3), trend)
	}
	v.offer(d.Table)
	return v, nil
}

// memberRow is a segment member as the page shows it: the id is
// pseudonymised for a role that sees no customer.
type memberRow struct {
	ID    string `personal:"id"`
	Name  string `personal:"data"`
	CLV   int64
	Alive float64
}

type segmentView struct {
	Segment  clientele.Segment
	Cards    []card
	Charts   []*chart
	BrandMix *chart
	Members  *table
	Notes    []noteView
}

// memberRows is how many of a segment's members its page lists, highest
// CLV first (the CSV has as many).
const memberRows = 200

func (s *Server) segmentPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	ctx := r.Context()
	g, err := s.db.SegmentByName(ctx, r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	d := &segmentView{Segment: *g}
	v := &view{Template: "segment.html", Title: g.Name, T: t, Data: d}
	runID, err := s.db.LatestScoredRun(ctx)
	if err != nil && clientele.ErrorCode(err) != clientele.ENOTFOUND {
		return nil, err
	}
	var scores []store.MemberScore
	cur := s.cfg.Currency
	if runID != 0 {
		// Every member's score: built in the background and kept, as the
		// reports are (a large segment has hundreds of thousands).
		key := "segmentscores?segment=" + strconv.FormatInt(g.ID, 10) + "&run=" + strconv.FormatInt(runID, 10)
		kept, err := s.kept(r, key, func(ctx context.Context) (any, error) { return s.db.SegmentScores(ctx, g.ID, runID) })
		if err == nil {
			scores = kept.([]store.MemberScore)
		} else if !v.absent(err) {
			return nil, err
		}
		if cur, err = s.runCurrency(ctx, runID); err != nil {
			return nil, err
		}
	}
	div := math.Pow10(scaleOf(cur))
	total := 0.0
	clvs := make([]float64, len(scores))
	alive := make([]float64, len(scores))
	for i, m := range scores {
		clvs[i], alive[i] = float64(m.CLV)/div, m.ProbAlive
		total += clvs[i]
	}
	d.Cards = []card{{t.T("col.members"), t.Number(float64(len(scores)), 0), t.T("scored_in_run", runID)},
		{t.T("col.slv"), moneyText(t, total, string(cur)), ""}}
	if n := len(clvs); n > 1 {
		ch, err := histChart("clv", t.T("chart.segment_clv", string(cur)), t.T("clv"), t.T("customers"), clvs, clvs[n-1], clvs[min(n-1, n/100)], 25,
			func(x float64) cell { return c.money(x, string(cur)) }, c)
		if err != nil {
			return nil, err
		}
		ch2, err := histChart("alive", t.T("chart.segment_alive"), t.T("p_alive"), t.T("customers"), alive, 0, 1, 20,
			func(x float64) cell { return c.num(x, 2) }, c)
		if err != nil {
			return nil, err
		}
		d.Charts = []*chart{v.chart(ch), v.chart(ch2)}
	}
	// The brand mix: what the members spent on each brand, built in the
	// background (on a large segment it reads millions of lines).
	mix, err := s.kept(r, "brandmix?segment="+url.QueryEscape(g.Name), func(ctx context.Context) (any, error) {
		return s.db.SegmentBrandSpend(ctx, g.ID)
	})
	if err == nil {
		var names []string
		spend := series{Name: t.T("spend")}
		for _, b := range mix.([]store.SegmentSpend) {
			if b.Currency != cur {
				continue // one currency per chart: the scores'
			}
			name := b.Brand
			if name == "" {
				name = t.T("no_brand")
			}
			names = append(names, name)
			spend.Values = append(spend.Values, float64(b.Amount)/math.Pow10(scaleOf(b.Currency)))
		}
		if len(names) > 0 {
			ch, err := barChart("brands", t.T("chart.brand_mix", string(cur)), t.T("spend"), names, []series{spend}, report.GroupedTicks,
				func(x float64) cell { return c.money(x, string(cur)) }, c)
			if err != nil {
				return nil, err
			}
			d.BrandMix = v.chart(ch)
		}
	} else if !v.absent(err) {
		return nil, err
	}
	rows := make([]memberRow, 0, min(len(scores), memberRows))
	for _, m := range scores[:min(len(scores), memberRows)] {
		rows = append(rows, memberRow{ID: m.CustomerID, CLV: m.CLV, Alive: m.ProbAlive})
	}
	rows = visible(r, rows)
	d.Members = &table{ID: "members", Columns: cols(t, "customer", "col.customer_id", "clv#", "clv", "p_alive#", "p_alive"), Empty: t.T("no_members"), PageSize: 25}
	full := disclosureOf(clientele.PrincipalFromContext(ctx).Role) == discloseAll
	for _, m := range rows {
		id := c.text(m.ID)
		if full {
			id.Href = "/customers/" + url.PathEscape(m.ID)
		}
		d.Members.add(id, c.money(float64(m.CLV)/div, string(cur)), c.num(m.Alive, 3))
	}
	items, err := s.db.Items(ctx, store.ItemFilter{Segment: g.Name, Limit: 50})
	if err != nil {
		return nil, err
	}
	if err := s.retrieved(ctx, items); err != nil {
		return nil, err
	}
	for _, it := range items {
		d.Notes = append(d.Notes, noteOf(t, it, s.cfg.Location))
	}
	v.offer(d.Members)
	return v, nil
}

type brandsView struct {
	Products    *table
	Categories  []string
	Category    string
	Migration   *chart
	Matrix      *table
	Moves       *table
	Surveys     []string
	Survey      string
	Switching   *table
	NoData      bool
	MigrationOK bool
	WhatIf      whatIfForm
}

// whatIfForm is the brands page's what-if of a driver change in the
// switching model: what was asked, and its answer.
type whatIfForm struct {
	Brand, Driver, Delta, Spend string
	Brands, Drivers             []string
	Result                      []card
	Problem                     string
}

func (s *Server) brandsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	d := &brandsView{}
	v := &view{Template: "brands.html", TitleKey: "nav.brands", T: t, Data: d}
	rep, err := s.cachedReport(r, "profitability", url.Values{})
	if v.absent(err) {
		d.NoData = !v.Preparing
		return v, nil
	}
	if err != nil {
		return nil, err
	}
	pr := rep.(*report.ProfitabilityReport)
	d.Products = productTable(t, c, pr)
	d.Products.PageSize = 25
	v.offer(d.Products)
	seen := map[string]bool{}
	for _, p := range pr.Products {
		if p.Category != "" && !seen[p.Category] {
			seen[p.Category] = true
			d.Categories = append(d.Categories, p.Category)
		}
	}
	sort.Strings(d.Categories)
	d.Category = r.URL.Query().Get("category")
	if d.Category == "" {
		d.Category = migrationCategory(pr)
	} else if !slices.Contains(d.Categories, d.Category) {
		// Only a category the products have: each one asked for is a
		// report built and kept in the background.
		return nil, invalidField("category", "must be one of the products' categories: "+strings.Join(d.Categories, ", "))
	}
	if d.Category != "" {
		mrep, err := s.cachedReport(r, "migration", url.Values{"category": {d.Category}})
		if v.absent(err) {
			err = nil
			mrep = nil
		}
		switch clientele.ErrorCode(err) {
		case "":
			if mrep == nil {
				break
			}
			m := visible(r, mrep.(*report.MigrationReport))
			d.MigrationOK = true
			ch, err := migrationChart(t, c, m)
			if err != nil {
				return nil, err
			}
			d.Migration = v.chart(ch)
			d.Matrix = &table{ID: "matrix", Columns: []column{{Key: "from", Label: t.T("from_brand")}}}
			for _, b := range m.Brands {
				d.Matrix.Columns = append(d.Matrix.Columns, column{Key: "to_" + b.Brand, Label: b.Brand, Num: true})
			}
			for i, row := range m.TransitionMatrix {
				cs := []cell{c.text(m.Brands[i].Brand)}
				for _, p := range row {
					cs = append(cs, c.pct(p, 1))
				}
				d.Matrix.add(cs...)
			}
			d.Moves = &table{ID: "candidates", Columns: cols(t, "customer", "col.customer_id", "from", "from_brand", "to", "to_brand", "gain#", "col.gain"),
				Empty: t.T("no_candidates"), PageSize: 10}
			full := disclosureOf(clientele.PrincipalFromContext(r.Context()).Role) == discloseAll
			for _, mv := range m.Recommendations {
				id := c.text(mv.CustomerID)
				if full {
					id.Href = "/customers/" + url.PathEscape(mv.CustomerID)
				}
				d.Moves.add(id, c.text(mv.From), c.text(mv.To), c.money(mv.Gain, m.Currency))
			}
			v.offer(d.Matrix, d.Moves)
		case clientele.ENOTFOUND, clientele.EINVALID, clientele.EFORBIDDEN:
		default:
			return nil, err
		}
	}
	surveys, err := s.db.SwitchingSurveys(r.Context())
	if err != nil {
		return nil, err
	}
	for _, sv := range surveys {
		d.Surveys = append(d.Surveys, sv.Name)
	}
	d.Survey = r.URL.Query().Get("survey")
	if d.Survey == "" && len(d.Surveys) > 0 {
		d.Survey = d.Surveys[0]
	}
	if d.Survey != "" {
		q := url.Values{"survey": {d.Survey}}
		in := r.URL.Query()
		d.WhatIf = whatIfForm{Brand: in.Get("brand"), Driver: in.Get("driver"), Delta: in.Get("delta"), Spend: in.Get("spend")}
		if d.WhatIf.Brand != "" && d.WhatIf.Driver != "" && d.WhatIf.Delta != "" {
			spec := "brand=" + d.WhatIf.Brand + ",driver=" + d.WhatIf.Driver + ",delta=" + d.WhatIf.Delta
			if d.WhatIf.Spend != "" {
				spec += ",spend=" + d.WhatIf.Spend
			}
			if strings.ContainsAny(d.WhatIf.Brand+d.WhatIf.Driver+d.WhatIf.Delta, ",=") {
				return nil, invalidField("what_if", "brand, driver and delta may not hold , or =")
			}
			q.Set("what_if", spec)
		}
		r2 := r.Clone(r.Context())
		r2.URL.RawQuery = q.Encode()
		srep, err := s.buildReport(r2, "switching")
		switch clientele.ErrorCode(err) {
		case "":
			sw := srep.(*report.SwitchingReport)
			d.Switching = &table{ID: "switching", Columns: cols(t, "brand", "col.brand", "owner", "col.firm", "mean_clv#", "col.mean_clv",
				"customer_equity#", "col.customer_equity", "share#", "col.share_of_ce")}
			for _, b := range sw.Brands {
				d.WhatIf.Brands = append(d.WhatIf.Brands, b.Brand)
				d.Switching.add(c.text(b.Brand), c.text(b.Owner), c.num(b.MeanCLV, 2), c.num(b.CustomerEquity, 0), c.pct(b.Share, 1))
			}
			d.WhatIf.Drivers = slices.Sorted(maps.Keys(sw.Coefficients.Drivers))
			if wi := sw.WhatIf; wi != nil {
				d.WhatIf.Result = []card{
					{t.T("delta_ce"), t.Number(wi.DeltaCE, 0), t.T("for_brand", wi.Brand)},
					{t.T("roi"), t.Number(100*wi.ROI, 1) + " %", t.T("discounted_spend", t.Number(wi.DiscountedSpend, 0))},
					{t.T("share_after"), t.Number(100*wi.SharesAfter[wi.Brand], 1) + " %", ""},
				}
			}
			v.offer(d.Switching)
		case clientele.ENOTFOUND, clientele.EFORBIDDEN:
		case clientele.EINVALID:
			if d.WhatIf.Brand == "" {
				break
			}
			d.WhatIf.Problem = err.Error()
		default:
			return nil, err
		}
	}
	return v, nil
}

type modelsView struct {
	Runs   *table
	Params []*table
	// The holdout validation of Run, when it was fitted with one.
	Run        int64
	Validation *validationView
}

type validationView struct {
	Cards    []card
	Tracking *chart
	Holdout  *chart
	Alive    *table
}

func (s *Server) modelsPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	runs, err := s.db.RunList(r.Context())
	if err != nil {
		return nil, err
	}
	d := &modelsView{}
	v := &view{Template: "models.html", TitleKey: "nav.models", T: t, Data: d}
	// Each run's count of scores, from the kept equity report (counting
	// them here would read every score on every view).
	scored := map[int64]int64{}
	comp, err := s.db.Competitors(r.Context())
	if err != nil {
		return nil, err
	}
	if eq, err := s.cachedReport(r, "equity", competitorQuery(comp)); err == nil {
		for _, h := range eq.(*report.EquityReport).History {
			scored[h.RunID] = h.Customers
		}
	} else if !v.absent(err) {
		return nil, err
	}
	d.Runs = &table{ID: "runs", Columns: cols(t, "run_id#", "run", "model", "col.model", "spend_model", "col.spend_model", "unit", "col.unit",
		"calibration_end", "col.calibration_end", "holdout_end", "col.holdout_end", "customers#", "customers", "log_likelihood#", "col.log_likelihood",
		"converged", "col.converged", "scored#", "col.scored"), Empty: t.T("no_runs")}
	for _, l := range runs {
		conv := t.T("no")
		if l.Converged {
			conv = t.T("yes")
		}
		d.Runs.add(c.int(l.ID), c.text(l.Model), c.text(l.SpendModel), cell{Text: t.T("units." + l.Unit), Plain: l.Unit}, c.text(l.CalibrationEnd), c.text(l.HoldoutEnd),
			c.num(l.Customers, 0), c.num(l.LogLikelihood, 2), c.text(conv), c.int(scored[l.ID]))
	}
	v.offer(d.Runs)
	for i, l := range runs {
		if i >= 5 {
			break
		}
		pt := &table{ID: "params-" + strconv.FormatInt(l.ID, 10), Caption: t.T("params_of", l.ID, l.Model),
			Columns: cols(t, "parameter", "col.parameter", "estimate#", "col.estimate", "std_error#", "col.std_error")}
		add := func(m, se map[string]float64) {
			names := make([]string, 0, len(m))
			for k := range m {
				names = append(names, k)
			}
			sort.Strings(names)
			for _, k := range names {
				e := cell{Text: "–"}
				if v, ok := se[k]; ok && !math.IsNaN(v) {
					e = c.num(v, 4)
				}
				pt.add(c.text(k), c.num(m[k], 4), e)
			}
		}
		add(l.Params, l.StdErrors)
		add(l.SpendParams, nil)
		d.Params = append(d.Params, pt)
		v.offer(pt)
	}
	// The holdout validation of the run asked for, or of the latest run
	// fitted with a holdout period.
	if q := r.URL.Query().Get("run"); q != "" {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || id <= 0 {
			return nil, invalidField("run", "must be a model run's id")
		}
		d.Run = id
	} else {
		for _, l := range runs {
			if l.HoldoutEnd != "" && l.Source == "database" {
				d.Run = l.ID
				break
			}
		}
	}
	if d.Run != 0 && slices.ContainsFunc(runs, func(l clientele.Run) bool { return l.ID == d.Run }) {
		// Built in the background and kept, as the reports are: it reads
		// every customer's purchases in both periods.
		val, err := s.kept(r, "validation?run="+strconv.FormatInt(d.Run, 10), func(ctx context.Context) (any, error) {
			return valuation.Validate(ctx, s.db, d.Run)
		})
		switch {
		case err == nil:
			if d.Validation, err = validationPage(t, c, val.(*valuation.Validation)); err != nil {
				return nil, err
			}
			v.chart(d.Validation.Tracking)
			v.chart(d.Validation.Holdout)
			v.offer(d.Validation.Alive)
		case errors.Is(err, errPreparing):
			v.Preparing = true
		default:
			return nil, err
		}
	} else if d.Run != 0 {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no model run %d", d.Run)
	}
	return v, nil
}

// validationPage shows a holdout validation as analysts know it from
// lifetimes: the tracking plot, calibration against holdout purchases by
// frequency, and P(alive) over frequency and recency.
func validationPage(t i18n.Translator, c cells, val *valuation.Validation) (*validationView, error) {
	units := t.T("units." + val.Run.Unit)
	vv := &validationView{Cards: []card{
		{t.T("holdout_purchases"), t.Number(val.ActualTotal, 0), t.T("predicted_n", t.Number(val.PredictedTotal, 0))},
		{t.T("mae"), t.Number(val.MAE, 3), t.T("rmse_corr", t.Number(val.RMSE, 3), t.Number(val.Corr, 3))},
		{t.T("customers"), t.Number(float64(val.Customers), 0), t.T("holdout_units", t.Number(val.HoldoutLength, 1), units)},
	}}
	var xs, act, pred []float64
	for _, p := range val.Tracking {
		xs, act, pred = append(xs, float64(p.Unit)), append(act, p.Actual), append(pred, p.Predicted)
	}
	unit := func(x float64) cell { return c.int(int64(x)) }
	count := func(y float64) cell { return c.num(y, 1) }
	var err error
	vv.Tracking, err = lineChart("tracking", t.T("chart.tracking", val.Run.Model), t.T("units_since", units), t.T("cumulative_repeat"), xs,
		[]series{{Name: t.T("actual"), Values: act}, {Name: val.Run.Model, Values: pred}}, report.GroupedTicks, report.GroupedTicks, unit, count, t.T("units_since", units), c)
	if err != nil {
		return nil, err
	}
	var names []string
	a, p := series{Name: t.T("actual")}, series{Name: val.Run.Model}
	for _, f := range val.ByFrequency {
		n := strconv.Itoa(f.X)
		if f.OrMore {
			n += "+"
		}
		names = append(names, n)
		a.Values, p.Values = append(a.Values, f.Actual), append(p.Values, f.Predicted)
	}
	vv.Holdout, err = barChart("holdout", t.T("chart.holdout"), t.T("mean_holdout"), names, []series{a, p}, report.GroupedTicks,
		func(x float64) cell { return c.num(x, 3) }, c)
	if err != nil {
		return nil, err
	}
	g := val.AliveGrid
	vv.Alive = &table{ID: "palive", Caption: t.T("palive_matrix", t.Number(g.T, 1), units), Columns: []column{{Key: "frequency", Label: t.T("frequency_recency"), Num: true}}}
	// At most a dozen columns and rows: a matrix people read, not the
	// plot's grid.
	every := func(n int) int { return max(1, (n+11)/12) }
	cs, rs := every(len(g.Recency)), every(len(g.Frequency))
	for j := 0; j < len(g.Recency); j += cs {
		rc := g.Recency[j]
		vv.Alive.Columns = append(vv.Alive.Columns, column{Key: "recency_" + strconv.FormatFloat(rc, 'f', -1, 64), Label: t.Number(rc, 0), Num: true})
	}
	for i := 0; i < len(g.Frequency); i += rs {
		row := []cell{c.num(g.Frequency[i], 0)}
		for j := 0; j < len(g.Recency); j += cs {
			row = append(row, c.num(g.P[i][j], 2))
		}
		vv.Alive.add(row...)
	}
	return vv, nil
}

type sharingView struct {
	Chart       *chart
	Departments *table
	Items       *table
	Authors     *table
	Notes       []noteView
}

func (s *Server) sharingPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	rep, err := s.report(r, "sharing")
	if err != nil {
		return nil, err
	}
	sr := rep.(*report.SharingReport)
	d := &sharingView{}
	v := &view{Template: "sharing.html", TitleKey: "nav.sharing", T: t, Data: d}
	if d.Chart, err = sharingChart(t, c, sr); err != nil {
		return nil, err
	}
	if d.Chart != nil {
		v.chart(d.Chart)
	}
	d.Departments = &table{ID: "departments", Columns: cols(t, "department", "col.department", "stored#", "stored", "retrieved#", "retrieved", "mean_rating#", "col.mean_rating")}
	for _, g := range sr.Departments {
		d.Departments.add(c.text(g.Name), c.int(int64(g.Stored)), c.int(int64(g.Retrieved)), c.num(g.MeanRating, 2))
	}
	d.Authors = &table{ID: "authors", Columns: cols(t, "author", "col.author", "department", "col.department", "items#", "items", "reads#", "col.reads", "mean_rating#", "col.mean_rating")}
	for _, a := range sr.Authors {
		d.Authors.add(c.text(a.Author), c.text(a.Department), c.int(int64(a.Items)), c.int(int64(a.Reads)), c.num(a.MeanRating, 2))
	}
	d.Items = &table{ID: "items", Columns: cols(t, "id#", "col.item", "kind", "note_kind", "about", "col.about", "author", "col.author", "reads#", "col.reads", "mean_rating#", "col.mean_rating")}
	for _, it := range sr.Items {
		// The report says what an item is about in English ("segment
		// NAME", "a customer"): said again in the reader's language.
		about := cell{Text: it.About, Plain: it.About}
		if name, ok := strings.CutPrefix(it.About, "segment "); ok {
			about.Text = t.T("about_segment", name)
		} else if it.About == "a customer" {
			about.Text = t.T("about_customer")
		}
		d.Items.add(c.int(it.ID), c.text(t.T("kind."+it.Kind)), about, c.text(it.Author), c.int(int64(it.Reads)), c.num(it.MeanRating, 2))
	}
	// The segments' items, to read and rate here: an item about a customer
	// is rated on the customer's page, by those who see the customer.
	segs, err := s.db.Segments(r.Context())
	if err != nil {
		return nil, err
	}
	var items []clientele.InfoItem
	for _, g := range segs {
		its, err := s.db.Items(r.Context(), store.ItemFilter{Segment: g.Name, Limit: 10})
		if err != nil {
			return nil, err
		}
		items = append(items, its...)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].CreatedAt.After(items[j].CreatedAt) })
	items = items[:min(len(items), 20)]
	if err := s.retrieved(r.Context(), items); err != nil {
		return nil, err
	}
	for _, it := range items {
		n := noteOf(t, it, s.cfg.Location)
		n.Kind = it.Kind
		d.Notes = append(d.Notes, n)
	}
	v.offer(d.Departments, d.Authors, d.Items)
	return v, nil
}

type adminView struct {
	Users, Tokens *table
	Secret        string // a token just created: shown once
	Roles         []string
	UserNames     []string
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	return s.adminWith(w, r, "")
}

func (s *Server) adminWith(w http.ResponseWriter, r *http.Request, secret string) (*view, error) {
	t, c := words(w, r)
	users, err := s.db.Users(r.Context())
	if err != nil {
		return nil, err
	}
	tokens, err := s.db.Tokens(r.Context())
	if err != nil {
		return nil, err
	}
	d := &adminView{Secret: secret, Roles: clientele.Roles}
	v := &view{Template: "admin.html", TitleKey: "nav.admin", T: t, Data: d}
	w.Header().Set("Cache-Control", "no-store")
	d.Users = &table{ID: "users", Columns: cols(t, "name", "user_name", "display_name", "col.display_name", "role", "col.role", "department", "col.department",
		"scopes", "col.scopes", "disabled", "col.disabled")}
	for _, u := range users {
		dis := ""
		if u.Disabled {
			dis = t.T("yes")
		}
		d.Users.add(c.text(u.Name), c.text(u.DisplayName), c.text(t.T("role."+u.Role)), c.text(u.Department), c.text(strings.Join(u.Scopes, ", ")), c.text(dis))
		d.UserNames = append(d.UserNames, u.Name)
	}
	d.Tokens = &table{ID: "tokens", Columns: cols(t, "id#", "col.token_id", "name", "col.token_name", "user", "user_name", "role", "col.role",
		"created_at", "col.created", "last_used", "col.last_used", "revoked", "col.revoked")}
	for _, k := range tokens {
		rev := ""
		if k.Revoked {
			rev = t.T("yes")
		}
		last := ""
		if !k.LastUsed.IsZero() {
			last = t.Date(k.LastUsed.In(s.cfg.Location))
		}
		d.Tokens.add(c.int(k.ID), c.text(k.Name), c.text(k.UserName), c.text(t.T("role."+k.Role)), c.text(t.Date(k.CreatedAt.In(s.cfg.Location))), c.text(last), c.text(rev))
	}
	v.offer(d.Users, d.Tokens)
	return v, nil
}

// createTokenSubmit creates a token for a user, or a service token with a
// role, and shows its secret once.
func (s *Server) createTokenSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	name, user, role := r.PostFormValue("name"), r.PostFormValue("user"), r.PostFormValue("role")
	if name == "" {
		return nil, invalidField("name", "required: what the token is for")
	}
	var secret string
	var err error
	if user != "" {
		secret, err = s.db.CreateUserToken(r.Context(), name, user)
	} else {
		secret, err = s.db.CreateServiceToken(r.Context(), name, role)
	}
	if err != nil {
		return nil, err
	}
	return s.adminWith(w, r, secret)
}

// revokeTokenSubmit revokes a token.
func (s *Server) revokeTokenSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PostFormValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, invalidField("id", "must be a token id")
	}
	if err := s.db.RevokeToken(r.Context(), id); err != nil {
		return nil, err
	}
	http.Redirect(w, r, "/admin", http.StatusSeeOther)
	return nil, nil
}

type auditView struct {
	Filter url.Values
	Table  *table
	Next   string
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	raw, err := s.auditLog(w, r)
	if err != nil {
		return nil, err
	}
	pg := raw.(page[clientele.AuditEntryJSON])
	d := &auditView{Filter: r.URL.Query(), Next: pg.Next}
	v := &view{Template: "audit.html", TitleKey: "nav.audit", T: t, Data: d}
	d.Table = &table{ID: "audit", Columns: cols(t, "at", "col.date", "user", "user_name", "role", "col.role", "action", "col.action", "customer_id", "col.customer_id",
		"subject", "col.subject", "route", "col.route", "reason", "col.reason"), Empty: t.T("no_rows")}
	for _, e := range pg.Items {
		at, _ := e.At.(string)
		tm, _ := time.Parse(time.RFC3339Nano, at)
		d.Table.add(cell{Text: tm.In(s.cfg.Location).Format(time.DateTime), Plain: at}, c.text(e.UserName), c.text(e.Role), c.text(e.Action),
			c.text(e.CustomerID), c.text(e.Subject), c.text(e.Route), c.text(e.Reason))
	}
	v.offer(d.Table)
	return v, nil
}

// The information portfolio of Rust, Moorman & Bhalla (2010): for each
// level, the metric, the marketing it steers and where its information
// comes from, with today's figure and the page behind it.
type portfolioRow struct {
	Level, Metric, Activity, Source, Figure, Href string
}

func (s *Server) portfolioPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, _ := words(w, r)
	v := &view{Template: "portfolio.html", TitleKey: "nav.portfolio", T: t}
	rows := []portfolioRow{
		{t.T("level.customer"), t.T("metric.clv"), t.T("activity.direct"), t.T("source.database"), "", "/customers"},
		{t.T("level.segment"), t.T("metric.slv"), t.T("activity.niche"), t.T("source.panels"), "", "/segments"},
		{t.T("level.market"), t.T("metric.ce"), t.T("activity.mass"), t.T("source.aggregate"), "", "/overview"},
	}
	comp, err := s.db.Competitors(r.Context())
	if err != nil {
		return nil, err
	}
	if rep, err := s.cachedReport(r, "equity", competitorQuery(comp)); err == nil {
		eq := rep.(*report.EquityReport)
		rows[0].Figure = t.T("mean_clv_is", moneyText(t, eq.MeanCLV, eq.Currency))
		rows[2].Figure = moneyText(t, eq.CustomerEquity, eq.Currency)
		if len(comp) > 0 {
			market := eq.CustomerEquity
			for _, v := range comp {
				market += v
			}
			if market > 0 {
				rows[2].Figure += " · " + t.T("share_of_ce") + " " + t.Number(100*eq.CustomerEquity/market, 1) + " %"
			}
		}
	} else if !v.absent(err) {
		return nil, err
	}
	if rep, err := s.cachedReport(r, "segments", url.Values{}); err == nil {
		sr := rep.(*report.SegmentsReport)
		if len(sr.Segments) > 0 {
			top := sr.Segments[0]
			rows[1].Figure = t.T("top_segment", top.Segment, moneyText(t, top.SegmentLifetimeValue, sr.Currency))
		}
	} else if !v.absent(err) {
		return nil, err
	}
	v.Data = rows
	return v, nil
}
