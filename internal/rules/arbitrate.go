package rules

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"clientele"
	"clientele/internal/store"
)

// Propensity is the expected chance that a customer of a segment redeems
// an offer: a Beta-binomial estimate in two levels. The offer's prior
// Beta(a, b), a = mean × strength and b = (1 − mean) × strength, learns
// from every time the offer was made (made, redeemed: the offer's mean
// m = (a + redeemed) / (strength + made)); the segment's estimate starts
// from m with the same strength and learns from the segment's own
// responses: (strength × m + segRedeemed) / (strength + segMade).
func Propensity(mean, strength float64, made, redeemed, segMade, segRedeemed int64) float64 {
	m := (mean*strength + float64(redeemed)) / (strength + float64(made))
	return (strength*m + float64(segRedeemed)) / (strength + float64(segMade))
}

// arbitrate ranks the offers codes for the customer of st at at: each is
// refused (with the reason) or scored, and the best are chosen — every
// eligible care action, and up to the policy's offers per message of the
// rest, if the contact policy allows a sales contact now.
// migrationValue is the value of migration offer o to the firm for the
// customer of st, by the migration model (valuation.BrandMigration): the
// customer's discounted expected spend (DERT × expected spend per
// transaction, from the latest score) × the share of their spend that goes
// to the brand o moves them from × the difference of the two brands'
// margin rates, less o's cost. A customer who does not buy the brand has
// nothing to move (the value is minus the cost). Without a score or the
// brands' rates, the offer's margin less its cost stands in, and basis
// says so.
func (e *Engine) migrationValue(o *clientele.Offer, st *custState, rates map[string]float64) (value float64, basis string) {
	fallback := float64(o.Margin-o.Cost) / e.minor
	sc := st.standing.Score
	rFrom, okFrom := rates[o.From]
	rTo, okTo := rates[o.To]
	switch {
	case sc == nil:
		return fallback, "the offer's margin: the customer has no score"
	case rates == nil:
		return fallback, "the offer's margin: the brands' margin rates are being read"
	case !okFrom || !okTo:
		return fallback, fmt.Sprintf("the offer's margin: no sales of %s or %s to reckon margin rates from", o.From, o.To)
	}
	total, from := st.all["purchase"].Sum, st.all["brand:"+o.From].Sum
	if total <= 0 || from <= 0 {
		return -float64(o.Cost) / e.minor, fmt.Sprintf("migration model: the customer buys no %s", o.From)
	}
	share := min(float64(from)/float64(total), 1)
	future := sc.DERT * float64(sc.ExpectedSpend)
	gain := future * share * (rTo - rFrom)
	return (gain - float64(o.Cost)) / e.minor, fmt.Sprintf("migration model: discounted expected spend %.2f × %.1f %% on %s × margin rate %.1f %% (%s) − %.1f %% (%s), less the cost %.2f",
		future/e.minor, 100*share, o.From, 100*rTo, o.To, 100*rFrom, o.From, float64(o.Cost)/e.minor)
}

func (e *Engine) arbitrate(cfg *config, mk *market, codes []string, weight float64,
	st *custState, ev *evaluation, segment string, at time.Time) []clientele.Option {
	return e.arbitrateWeighted(cfg, mk, codes, func(string) float64 { return weight }, st, ev, segment, at)
}

// arbitrateWeighted is arbitrate with a context weight per offer.
func (e *Engine) arbitrateWeighted(cfg *config, mk *market, codes []string, weight func(string) float64,
	st *custState, ev *evaluation, segment string, at time.Time) []clientele.Option {
	opts := make([]clientele.Option, 0, len(codes))
	sales7, sales30 := 0, 0
	var suppressUntil time.Time
	lastSent := map[string]time.Time{}
	for _, c := range st.standing.Contacts {
		if c.Sales && !c.At.After(at) {
			if at.Sub(c.At) < 7*24*time.Hour {
				sales7++
			}
			if at.Sub(c.At) < 30*24*time.Hour {
				sales30++
			}
		}
		for _, o := range c.Offers {
			lastSent[o] = maxTime(lastSent[o], c.At)
			if x := cfg.offers[o]; x != nil && x.def.Class == clientele.OfferCare {
				suppressUntil = maxTime(suppressUntil, c.At.Add(time.Duration(x.def.SuppressSales)))
			}
		}
	}
	for _, code := range codes {
		opt := clientele.Option{Offer: code, Context: weight(code)}
		x := cfg.offers[code]
		if x == nil {
			opt.Reason = "not in the offer catalogue"
			opts = append(opts, opt)
			continue
		}
		o := &x.def
		opt.Class, opt.Channel, opt.Lever = o.Class, o.Channel, o.Lever
		s := mk.stats[code]
		var made, redeemed int64
		for _, c := range s {
			made += c.Made
			redeemed += c.Redeemed
		}
		opt.Propensity = Propensity(o.PriorMean, o.PriorStrength, made, redeemed, s[segment].Made, s[segment].Redeemed)
		opt.Value = float64(o.Margin-o.Cost) / e.minor
		if o.Class == clientele.OfferMigration {
			opt.Value, opt.ValueBasis = e.migrationValue(o, st, mk.rates)
		}
		if o.Class == clientele.OfferCare {
			// Care is not sold: its value is what it is worth to the
			// customer, and it is chosen whatever its score.
			opt.Value = max(float64(o.Value)/e.minor, 1)
		}
		opt.Priority = opt.Propensity * opt.Context * opt.Value * opt.Lever
		opt.Reason = e.refusal(o, x, st, ev, at, lastSent, suppressUntil, sales7, sales30, cfg.policy)
		opts = append(opts, opt)
	}
	// Choose: every eligible care action, then the best of the rest.
	order := make([]int, len(opts))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(opts[b].Priority, opts[a].Priority) })
	chosen := 0
	for _, i := range order {
		o := &opts[i]
		switch {
		case o.Reason != "":
		case o.Class == clientele.OfferCare:
			o.Chosen, o.Reason = true, "care action: chosen whatever the sales offers"
		case o.Priority <= 0:
			o.Reason = "no expected gain (priority ≤ 0)"
		case chosen >= cfg.policy.MaxOffers:
			o.Reason = fmt.Sprintf("outranked: a message carries at most %d offers", cfg.policy.MaxOffers)
		default:
			chosen++
			o.Chosen, o.Reason = true, fmt.Sprintf("ranked %d of the eligible offers", chosen)
		}
	}
	slices.SortStableFunc(opts, func(a, b clientele.Option) int {
		if a.Chosen != b.Chosen {
			if a.Chosen {
				return -1
			}
			return 1
		}
		return cmp.Compare(b.Priority, a.Priority)
	})
	return opts
}

// refusal says why offer o may not go to the customer at at, or "".
func (e *Engine) refusal(o *clientele.Offer, x *offer, st *custState, ev *evaluation, at time.Time,
	lastSent map[string]time.Time, suppressUntil time.Time, sales7, sales30 int, p clientele.ContactPolicy) string {
	switch {
	case o.Lever == 0:
		return "retired (lever 0)"
	case !o.ActiveAt(at):
		return "not valid at this time"
	}
	if o.Purpose != "" && st.standing.Consents[o.Purpose] != clientele.ConsentGranted {
		status := st.standing.Consents[o.Purpose]
		if status == "" {
			status = "not given"
		}
		return fmt.Sprintf("no consent for %s (%s)", o.Purpose, status)
	}
	if last, ok := lastSent[o.Code]; ok && at.Sub(last) < time.Duration(o.Cooldown) {
		return fmt.Sprintf("sent %s ago; its cooldown is %s", days(at.Sub(last)), o.Cooldown)
	}
	if o.Sales() {
		if at.Before(suppressUntil) {
			return "sales offers are suppressed after a care action until " + suppressUntil.Format(time.DateOnly)
		}
		if sales7 >= p.Per7 {
			return fmt.Sprintf("contact policy: %d sales contacts in the last 7 days (at most %d)", sales7, p.Per7)
		}
		if sales30 >= p.Per30 {
			return fmt.Sprintf("contact policy: %d sales contacts in the last 30 days (at most %d)", sales30, p.Per30)
		}
	}
	if x.prg != nil {
		ok, err := x.prg.eval(ev)
		if err != nil {
			return "eligibility could not be decided: " + clientele.Excerpt(err.Error())
		}
		if !ok {
			return "not eligible: " + clientele.Excerpt(o.Eligible)
		}
	}
	return ""
}

func days(d time.Duration) string {
	n := int(d.Hours() / 24)
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// NextBestActions ranks the offers open to customer now, for a request
// with no triggering fact (an agent's screen, a web page): the standing
// offers — those no trigger names — with context weight 1, and the offers
// of every trigger that fired for the customer in the last 30 days, with
// that trigger's weight (a care action among them is chosen whatever the
// rest). The chosen come first, then the refused with their reasons.
// Nothing is stored.
func (e *Engine) NextBestActions(ctx context.Context, customer string) ([]clientele.Option, error) {
	cfg, err := e.config(ctx)
	if err != nil {
		return nil, err
	}
	now := e.Now().UTC()
	standing, err := e.db.Standing(ctx, customer, now.Add(-cfg.lookback))
	if err != nil {
		return nil, err
	}
	since := int64(0)
	if cfg.maxDays > 0 {
		since = store.Day(now) - cfg.maxDays
	}
	cs, err := e.db.CustomerCounters(ctx, customer, since)
	if err != nil {
		return nil, err
	}
	st := newState(cs, standing, e.minor)
	ev := newEvaluation()
	ev.state, ev.at = st, now
	e.vars(ev, nil, standing, now)
	segment := ""
	if len(standing.Segments) > 0 {
		segment = standing.Segments[0]
	}
	mk := e.market(ctx, cfg)
	named := map[string]bool{}
	weight := map[string]float64{}
	for _, t := range cfg.triggers {
		fired, ok := standing.Triggers[t.def.ID]
		recent := ok && now.Sub(fired.Last) <= 30*24*time.Hour && !HeldOut(customer, t.def.ID, t.def.Holdout)
		for _, code := range t.def.Then {
			named[code] = true
			if recent {
				weight[code] = max(weight[code], t.def.Weight)
			}
		}
	}
	byWeight := map[float64][]string{}
	for code := range cfg.offers {
		switch {
		case !named[code]:
			byWeight[1] = append(byWeight[1], code)
		case weight[code] > 0:
			byWeight[weight[code]] = append(byWeight[weight[code]], code)
		}
	}
	// One arbitration: the context weights differ per offer, so each
	// group is scored with its own and the choice is made over all.
	var codes []string
	ctxWeight := map[string]float64{}
	for w, cs := range byWeight {
		for _, c := range cs {
			codes = append(codes, c)
			ctxWeight[c] = w
		}
	}
	slices.Sort(codes)
	return e.arbitrateWeighted(cfg, mk, codes, func(code string) float64 { return ctxWeight[code] }, st, ev, segment, now), nil
}
