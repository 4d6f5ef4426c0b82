package web

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"clientele"
	"clientele/internal/report"
)

// The real-time engine's page (issue 16): the triggers with their state,
// errors and uplift, the offer catalogue with how often each offer was
// made and redeemed, and the latest decisions — for those who see every
// customer (pseudonymised for an analyst). A brand manager sees its
// brands' offers.

type engineView struct {
	Triggers, Uplift, Offers, Decisions *table
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

// pctOrNone is a share, or "-" when it cannot be estimated.
func pctOrNone(c cells, x float64) cell {
	if x != x { // NaN
		return cell{Text: "-"}
	}
	return c.pct(x, 1)
}
