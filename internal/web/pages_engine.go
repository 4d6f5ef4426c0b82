package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"net/url"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/rules"
)

// The real-time engine's page (issue 16): the triggers with their state,
// errors and uplift, the offer catalogue with how often each offer was
// made and redeemed, and the latest decisions — for those who see every
// customer (pseudonymised for an analyst). A brand manager sees its
// brands' offers.

type engineView struct {
	Triggers, Uplift, Offers, Decisions *table
	// Manage lists the triggers and Levers the offers this user may
	// change (a customer manager: those of its segments).
	Manage []manageTrigger
	Levers []manageOffer
	// DryRun is the answer of a dry run asked from the page.
	DryRun   *table
	DryRunOf string
}

// manageTrigger is a trigger's form.
type manageTrigger struct {
	Name, When string
	Version    int
	Enabled    bool
	Holdout    float64
}

// manageOffer is an offer's lever form.
type manageOffer struct {
	Code, Name string
	Lever      float64
}

func (s *Server) enginePage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	ctx := r.Context()
	d := &engineView{}
	v := &view{Template: "engine.html", TitleKey: "nav.engine", T: t, Data: d}
	p := clientele.PrincipalFromContext(ctx)

	triggers, err := s.db.Triggers(ctx)
	if err != nil {
		return nil, err
	}
	manages, err := s.manages(ctx)
	if err != nil {
		return nil, err
	}
	d.Triggers = &table{ID: "triggers", Columns: cols(t, "trigger", "col.trigger", "version#", "col.version", "state", "col.state", "fires", "col.fires",
		"offers", "col.offers", "holdout#", "col.holdout", "errors#", "col.errors", "when", "col.when"), Empty: t.T("no_triggers")}
	d.Uplift = &table{ID: "uplift", Columns: cols(t, "trigger", "col.trigger", "treated#", "col.treated", "held_out#", "col.held_out",
		"treated_conversion#", "col.treated_conversion", "held_out_conversion#", "col.held_out_conversion", "uplift#", "col.uplift",
		"low#", "col.low", "high#", "col.high", "incremental_margin#", "col.incremental_margin"), Empty: t.T("no_triggers")}
	for _, tr := range triggers {
		state := t.T("state.on")
		if !tr.Enabled {
			state = t.T("state.off")
		}
		fires := t.T("fires.every")
		switch {
		case tr.Once:
			fires = t.T("fires.once")
		case tr.Cooldown > 0:
			fires = t.T("fires.cooldown", tr.Cooldown.String())
		}
		d.Triggers.add(c.text(tr.Name), c.int(int64(tr.Version)), c.text(state), c.text(fires), c.text(strings.Join(tr.Then, ", ")),
			c.pct(tr.Holdout, 0), c.int(tr.Errors), c.text(tr.When))
		if manages(tr.Segment) {
			d.Manage = append(d.Manage, manageTrigger{Name: tr.Name, When: tr.When, Version: tr.Version, Enabled: tr.Enabled, Holdout: tr.Holdout})
		}
		// Built in the background and kept, as the reports are: it reads
		// the purchases of every customer the trigger decided about.
		name := tr.Name
		rep, err := s.kept(r, "uplift?trigger="+name, func(ctx context.Context) (any, error) {
			return report.Uplift(ctx, s.db, report.UpliftOptions{Trigger: name, Currency: s.cfg.Currency})
		})
		switch {
		case err == nil:
			u := rep.(*report.UpliftReport)
			rate := func(x float64, n int64) cell {
				if n == 0 {
					return cell{Text: "-"}
				}
				return c.pct(x, 1)
			}
			d.Uplift.add(c.text(u.Trigger), c.int(u.Treated), c.int(u.HeldOut), rate(u.TreatedRate, u.Treated), rate(u.HeldOutRate, u.HeldOut),
				pctOrNone(c, u.ConversionUplift.Estimate), pctOrNone(c, u.ConversionUplift.Low), pctOrNone(c, u.ConversionUplift.High),
				c.money(u.IncrementalMargin, string(s.cfg.Currency)))
		case errors.Is(err, errPreparing):
			v.Preparing = true
		default:
			return nil, err
		}
	}

	offers, err := s.db.Offers(ctx)
	if err != nil {
		return nil, err
	}
	counts, err := s.db.OfferCounts(ctx)
	if err != nil {
		return nil, err
	}
	made, redeemed := map[string]int64{}, map[string]int64{}
	for _, k := range counts {
		made[k.Offer] += k.Made
		redeemed[k.Offer] += k.Redeemed
	}
	minor := s.minor()
	d.Offers = &table{ID: "offers", Columns: cols(t, "offer", "col.offer", "class", "col.class", "channel", "col.channel", "brand", "col.brand",
		"value#", "col.offer_value", "made#", "col.made", "redeemed#", "col.redeemed", "name", "name"), Empty: t.T("no_offers"), PageSize: 25}
	for _, o := range offers {
		if p.Role == "brand_manager" && len(p.Scopes) > 0 && !slices.Contains(p.Scopes, o.Brand) && !slices.Contains(p.Scopes, o.From) && !slices.Contains(p.Scopes, o.To) {
			continue
		}
		d.Offers.add(c.text(o.Code), c.text(t.T("class."+o.Class)), c.text(t.T("channel."+o.Channel)), c.text(o.Brand),
			c.money(float64(o.Margin-o.Cost)/minor, string(s.cfg.Currency)), c.int(made[o.Code]), c.int(redeemed[o.Code]), c.text(o.Name))
		if manages(o.Segment) {
			d.Levers = append(d.Levers, manageOffer{Code: o.Code, Name: o.Name, Lever: o.Lever})
		}
	}

	// The latest decisions name customers: for the roles that see every
	// customer's scores (an analyst pseudonymised).
	if slices.Contains(scorers, p.Role) {
		ds, err := s.db.Decisions(ctx, "", 50)
		if err != nil {
			return nil, err
		}
		ds = visible(r, decisionsJSON{Items: ds}).Items
		d.Decisions = &table{ID: "decisions", Columns: cols(t, "at", "col.at", "customer", "col.customer_id", "trigger", "col.trigger", "status", "col.status",
			"offers", "col.offers"), Empty: t.T("no_decisions"), PageSize: 25}
		for _, x := range ds {
			var chosen []string
			for _, o := range x.Offers {
				if o.Chosen {
					chosen = append(chosen, o.Offer)
				}
			}
			who := c.text(x.CustomerID)
			if p.Role != "analyst" {
				who = c.link(x.CustomerID, "/customers/"+x.CustomerID)
			}
			d.Decisions.add(c.text(t.Date(x.At.In(s.cfg.Location))+" "+x.At.In(s.cfg.Location).Format("15:04")), who, c.text(x.Trigger+" v"+strconv.Itoa(x.TriggerVersion)),
				c.text(t.T("decision."+x.Status)), c.text(strings.Join(chosen, ", ")))
		}
		v.offer(d.Decisions)
	}
	v.offer(d.Triggers, d.Uplift, d.Offers)
	return v, nil
}

// manages returns whether the user may change the triggers and offers of
// a segment ("" for none): every campaigner, but a customer manager only
// those of its own segments.
func (s *Server) manages(ctx context.Context) (func(segment string) bool, error) {
	p := clientele.PrincipalFromContext(ctx)
	if !slices.Contains(campaigners, p.Role) {
		return func(string) bool { return false }, nil
	}
	if p.Role != "customer_manager" {
		return func(string) bool { return true }, nil
	}
	segs, err := s.db.Segments(ctx)
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	for _, g := range segs {
		if g.Owner == p.UserName {
			own[g.Name] = true
		}
	}
	return func(segment string) bool { return own[segment] }, nil
}

// triggerForm reads the form of the trigger the path names, which the
// user must manage.
func (s *Server) triggerForm(w http.ResponseWriter, r *http.Request) (*rules.Engine, clientele.Trigger, error) {
	if err := parseForm(w, r); err != nil {
		return nil, clientele.Trigger{}, err
	}
	e, err := s.engine()
	if err != nil {
		return nil, clientele.Trigger{}, err
	}
	name := r.PathValue("name")
	tr, err := s.db.Trigger(r.Context(), name)
	if err != nil {
		return nil, clientele.Trigger{}, err
	}
	if err := s.ownsSegment(r.Context(), tr.Segment, "trigger "+name); err != nil {
		return nil, clientele.Trigger{}, err
	}
	return e, tr, nil
}

// triggerSubmit saves a trigger's form as its next version: its
// condition (checked, a bad one refused with its position), whether it is
// on, and its hold-out share.
func (s *Server) triggerSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	e, tr, err := s.triggerForm(w, r)
	if err != nil {
		return nil, err
	}
	ctx, name := r.Context(), tr.Name
	when := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("when"), "\r\n", "\n"))
	if when == "" {
		return nil, invalidField("when", "the condition is required (true fires on every fact it listens to)")
	}
	holdout, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("holdout")), 64)
	if err != nil || !(holdout >= 0 && holdout < 1) {
		return nil, invalidField("holdout", "a share from 0 to less than 1, as 0.1")
	}
	tr.When, tr.Holdout, tr.Enabled = when, holdout, r.PostFormValue("enabled") == "on"
	if err := e.CheckTrigger(ctx, &tr); err != nil {
		return nil, err
	}
	if _, err := s.db.PutTrigger(ctx, tr, clientele.PrincipalFromContext(ctx).Name()); err != nil {
		return nil, err
	}
	s.reloadEngine(ctx)
	http.Redirect(w, r, "/engine#manage-"+url.PathEscape(name), http.StatusSeeOther)
	return nil, nil
}

// offerSubmit sets an offer's business lever (0 retires it).
func (s *Server) offerSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	ctx := r.Context()
	code := r.PathValue("code")
	o, err := s.offer(ctx, code)
	if err != nil {
		return nil, err
	}
	if err := s.ownsSegment(ctx, o.Segment, "offer "+code); err != nil {
		return nil, err
	}
	lever, err := strconv.ParseFloat(strings.TrimSpace(r.PostFormValue("lever")), 64)
	if err != nil || !(lever >= 0 && lever <= 100) {
		return nil, invalidField("lever", "a weight from 0 (retired) to 100, 1 by default")
	}
	o.Lever = lever
	if err := rules.CheckOffer(o); err != nil {
		return nil, err
	}
	if err := s.db.PutOffer(ctx, *o); err != nil {
		return nil, err
	}
	s.reloadEngine(ctx)
	http.Redirect(w, r, "/engine#levers", http.StatusSeeOther)
	return nil, nil
}

// dryRunSubmit replays the stored trigger over the last days and shows
// the engine page with what it would have done, in counts (the examples,
// which name customers, are the API's and the command line's).
func (s *Server) dryRunSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	e, tr, err := s.triggerForm(w, r)
	if err != nil {
		return nil, err
	}
	ctx, name := r.Context(), tr.Name
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil || days < 1 || days > int(clientele.MaxWindow/clientele.Day) {
		return nil, invalidField("days", "a whole number of days from 1 to "+strconv.Itoa(int(clientele.MaxWindow/clientele.Day)))
	}
	until := e.Now().UTC()
	res, err := e.DryRun(ctx, tr, until.AddDate(0, 0, -days), until, nil)
	if err != nil {
		return nil, err
	}
	v, err := s.enginePage(w, r)
	if err != nil {
		return nil, err
	}
	t, c := words(w, r)
	d := v.Data.(*engineView)
	d.DryRunOf = t.T("dry_run_of", name, strconv.Itoa(days))
	d.DryRun = &table{ID: "dry-run", Columns: cols(t, "measure", "col.measure", "value#", "col.count")}
	for _, row := range []struct {
		key string
		n   int64
	}{{"dry.customers", res.Customers}, {"dry.facts", res.Facts}, {"dry.fired", res.Fired}, {"dry.fired_customers", res.FiredCustomers},
		{"dry.held_out", res.HeldOut}, {"dry.sent", res.Sent}, {"dry.suppressed", res.Suppressed}, {"dry.errors", res.Errors}} {
		d.DryRun.add(c.text(t.T(row.key)), c.int(row.n))
	}
	codes := make([]string, 0, len(res.Offers))
	for code := range res.Offers {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		d.DryRun.add(c.text(t.T("dry.offer", code)), c.int(res.Offers[code]))
	}
	v.offer(d.DryRun)
	return v, nil
}

// pctOrNone is a share, or "-" when it cannot be estimated.
func pctOrNone(c cells, x float64) cell {
	if x != x { // NaN
		return cell{Text: "-"}
	}
	return c.pct(x, 1)
}
