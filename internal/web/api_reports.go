package web

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"time"

	"clientele"
	"clientele/internal/report"
)

// documented is a report with a readable form and charts.
type documented interface {
	Document() (*report.Document, error)
}

// buildReport builds the report named name from the request's query, as
// the caller may see it (brandScope).
func (s *Server) buildReport(r *http.Request, name string) (documented, error) {
	rep, err := s.report(r, name)
	if err != nil {
		return nil, err
	}
	return brandScope(clientele.PrincipalFromContext(r.Context()), rep)
}

// brandScope narrows a report to a brand manager's brands, the scopes of
// its user: the profitability report keeps its brands' products only; the
// migration and switching reports, which compare a category's or a
// survey's brands with each other, are refused unless one of its brands is
// among them. A brand manager without scopes, and every other role, sees
// every brand.
func brandScope(p *clientele.Principal, rep documented) (documented, error) {
	if p == nil || p.Role != "brand_manager" || len(p.Scopes) == 0 {
		return rep, nil
	}
	mine := func(brand string) bool { return slices.Contains(p.Scopes, brand) }
	refuse := func(what string) error {
		return clientele.Errorf(clientele.EFORBIDDEN, "%s holds none of your brands (%s)", what, strings.Join(p.Scopes, ", "))
	}
	switch r := rep.(type) {
	case *report.ProfitabilityReport:
		c := *r
		c.Products = slices.DeleteFunc(slices.Clone(r.Products), func(x report.ProductProfit) bool { return !mine(x.Brand) })
		return &c, nil
	case *report.MigrationReport:
		if !slices.ContainsFunc(r.Brands, func(b report.MigrationBrand) bool { return mine(b.Brand) }) {
			return nil, refuse("category " + r.Category)
		}
	case *report.SwitchingReport:
		if !slices.ContainsFunc(r.Brands, func(b report.SwitchingBrand) bool { return mine(b.Brand) }) {
			return nil, refuse("survey " + r.Survey)
		}
	}
	return rep, nil
}

// report builds the report named name from the request's query.
func (s *Server) report(r *http.Request, name string) (documented, error) {
	p := &params{r: r, loc: s.cfg.Location}
	ctx := r.Context()
	switch name {
	case "equity":
		competitors := map[string]float64{}
		for _, c := range r.URL.Query()["competitor"] {
			n, ce, err := report.ParseCompetitor(c)
			if err != nil {
				p.bad("competitor", "must be NAME=CUSTOMER_EQUITY, the equity a number ≥ 0")
				continue
			}
			competitors[n] = ce
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		return report.Equity(ctx, s.db, competitors, s.cfg.Location)
	case "segments":
		run := p.integer("run", 0, 0, 1<<31-1)
		if err := p.err(); err != nil {
			return nil, err
		}
		return report.Segments(ctx, s.db, int64(run))
	case "profitability":
		scale, _ := s.cfg.Currency.Scale()
		opt := report.ProfitabilityOptions{From: p.date("from"), To: p.date("to"), Currency: s.cfg.Currency, Location: s.cfg.Location,
			CallType: p.str("call_type", "service_call"), CallCost: p.amount("call_cost", scale), ContactCost: p.amount("contact_cost", scale),
			Top: p.integer("top", 10, 1, 1000)}
		for _, t := range strings.Split(p.str("contact_types", "mailing,offer_sent,contact"), ",") {
			if t = strings.TrimSpace(t); t != "" {
				opt.ContactTypes = append(opt.ContactTypes, t)
			}
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		return report.Profitability(ctx, s.db, opt)
	case "migration":
		opt := report.MigrationOptions{Category: p.str("category", ""), From: p.date("from"), To: p.date("to"), Currency: s.cfg.Currency, Location: s.cfg.Location,
			Period:  time.Duration(p.integer("period_days", 182, 1, 3660)) * 24 * time.Hour,
			Horizon: p.integer("horizon", 4, 1, 100), Top: p.integer("top", 20, 1, 10000)}
		if opt.Category == "" {
			p.bad("category", "required: the product category whose brands to compare")
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		return report.Migration(ctx, s.db, opt)
	case "switching":
		name := p.str("survey", "")
		if name == "" {
			p.bad("survey", "required: the name of a stored survey")
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		st, err := s.db.SwitchingSurvey(ctx, name)
		if err != nil {
			return nil, err
		}
		if st.Market == nil {
			return nil, clientele.Errorf(clientele.EINVALID, "switching survey %s was stored without a market description", name)
		}
		rep, err := report.Switching(st, st.Market, p.str("what_if", ""))
		if err != nil {
			return nil, err
		}
		rep.Survey = name
		return rep, nil
	case "sharing":
		from, to := p.date("from"), p.date("to")
		if err := p.err(); err != nil {
			return nil, err
		}
		if !to.IsZero() {
			to = to.AddDate(0, 0, 1) // through the day given
		}
		return report.Sharing(ctx, s.db, from, to)
	case "uplift":
		opt := report.UpliftOptions{Trigger: p.str("trigger", ""), From: p.date("from"), To: p.date("to"), Currency: s.cfg.Currency,
			Window: time.Duration(p.integer("window_days", 30, 1, 400)) * 24 * time.Hour}
		if opt.Trigger == "" {
			p.bad("trigger", "required: the name of the trigger to measure")
		}
		if err := p.err(); err != nil {
			return nil, err
		}
		if !opt.To.IsZero() {
			opt.To = opt.To.AddDate(0, 0, 1) // through the day given
		}
		return report.Uplift(ctx, s.db, opt)
	}
	return nil, clientele.Errorf(clientele.ENOTFOUND, "no report %q: equity, segments, profitability, migration, switching, sharing or uplift", name)
}

func (s *Server) upliftReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "uplift")
}

func (s *Server) switchingReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "switching")
}

func (s *Server) listSwitchingSurveys(w http.ResponseWriter, r *http.Request) (any, error) {
	ss, err := s.db.SwitchingSurveys(r.Context())
	if err != nil {
		return nil, err
	}
	out := []clientele.SwitchingSurveyJSON{}
	for _, v := range ss {
		out = append(out, v.JSON(s.cfg.Location))
	}
	return map[string]any{"items": out}, nil
}

func (s *Server) equityReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "equity")
}

func (s *Server) segmentsReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "segments")
}

func (s *Server) profitabilityReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "profitability")
}

func (s *Server) sharingReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "sharing")
}

func (s *Server) migrationReport(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.buildReport(r, "migration")
}

// reportChart draws one chart of a report, as SVG (the default) or PNG.
func (s *Server) reportChart(w http.ResponseWriter, r *http.Request) (any, error) {
	format := r.URL.Query().Get("format")
	types := map[string]string{"svg": "image/svg+xml", "png": "image/png", "": "image/svg+xml"}
	ct, ok := types[format]
	if !ok {
		return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid query parameter",
			Details: []clientele.FieldError{{Field: "format", Reason: "must be svg or png"}}}
	}
	if format == "" {
		format = "svg"
	}
	rep, err := s.buildReport(r, r.PathValue("report"))
	if err != nil {
		return nil, err
	}
	d, err := rep.Document()
	if err != nil {
		return nil, err
	}
	c, ok := d.Chart(r.PathValue("chart"))
	if !ok {
		var names []string
		for _, c := range d.Charts {
			names = append(names, c.Name)
		}
		return nil, clientele.Errorf(clientele.ENOTFOUND, "report %s has no chart %q (charts: %s)", r.PathValue("report"), r.PathValue("chart"), strings.Join(names, ", "))
	}
	var b bytes.Buffer
	if err := c.WriteTo(&b, format); err != nil {
		return nil, err
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("X-Content-Type-Options", "nosniff")
	// A chart is an image: nothing in it may run or load.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	_, err = w.Write(b.Bytes())
	return nil, err
}

// getCompetitors lists the competitors' customer equity, in major units of
// the firm's currency.
func (s *Server) getCompetitors(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.db.Competitors(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"competitors": c}, nil
}

// setCompetitors replaces them: {"competitors": {"NAME": CE, …}}.
func (s *Server) setCompetitors(w http.ResponseWriter, r *http.Request) (any, error) {
	var body struct {
		Competitors map[string]float64 `json:"competitors"`
	}
	if err := decodeBody(w, r, &body); err != nil {
		return nil, err
	}
	if body.Competitors == nil {
		return nil, invalidField("competitors", "required: an object of name to customer equity ({} for none)")
	}
	if err := s.db.SetCompetitors(r.Context(), body.Competitors); err != nil {
		return nil, err
	}
	s.reports.forget("equity")
	return map[string]any{"competitors": body.Competitors}, nil
}
