package report

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"clientele"
	"clientele/equity"
	"clientele/internal/store"
)

// The uplift report measures what a trigger adds: the customers it sent
// offers to against those its hold-out kept from them (chosen at random,
// fixed per customer), over the same window after each decision. The
// difference is the trigger's incremental effect — what most
// marketing-automation tools, which count redemptions alone, do not
// report.

// UpliftOptions chooses the decisions and the window.
type UpliftOptions struct {
	Trigger   string
	From, To  time.Time     // decisions about facts in [From, To); zero: all
	Window    time.Duration // the outcome window after each decision (30 days)
	Now       time.Time     // decisions whose window has not ended are left out (time.Now)
	Level     float64       // of the intervals (0.95)
	Currency  clientele.Currency
	Catalogue map[string]string // offer code → its SKU, for conversion
}

// UpliftReport compares the treated (sent) and held-out decisions of one
// trigger.
type UpliftReport struct {
	Trigger    string  `json:"trigger"`
	From       string  `json:"from,omitempty"`
	To         string  `json:"to,omitempty"`
	WindowDays int     `json:"window_days"`
	Level      float64 `json:"level"`
	Currency   string  `json:"currency"`
	Treated    int64   `json:"treated"`
	HeldOut    int64   `json:"held_out"`
	Open       int64   `json:"open"` // decisions whose window has not ended, left out
	// Conversion is the share of decisions followed, within the window, by
	// a purchase of an offered product (of any product when no offer names
	// one: ConversionOf says which).
	ConversionOf     string          `json:"conversion_of"`
	TreatedRate      float64         `json:"treated_conversion"`
	HeldOutRate      float64         `json:"held_out_conversion"`
	ConversionUplift equity.Interval `json:"conversion_uplift"`
	// Redeemed is the treated decisions with an offer redeemed (reported
	// by POST /api/v1/responses): what the tools count, which includes
	// the customers who would have bought anyway.
	Redeemed       int64   `json:"redeemed"`
	RedemptionRate float64 `json:"redemption_rate"`
	// Margins are per decision, over the window, in major units.
	TreatedMargin     float64         `json:"treated_margin"`
	HeldOutMargin     float64         `json:"held_out_margin"`
	MarginUplift      equity.Interval `json:"margin_uplift"`
	IncrementalMargin float64         `json:"incremental_margin"` // MarginUplift × Treated
	UnknownMargins    int64           `json:"unknown_margins"`    // purchases without a margin, counted as 0
	// CLV is the customers' latest score, in major units.
	TreatedCLV float64         `json:"treated_clv"`
	HeldOutCLV float64         `json:"held_out_clv"`
	CLVUplift  equity.Interval `json:"clv_uplift"`
	Notes      []string        `json:"notes"`
}

// Uplift builds the uplift report of a trigger.
func Uplift(ctx context.Context, db *store.DB, opt UpliftOptions) (*UpliftReport, error) {
	if opt.Window <= 0 {
		opt.Window = 30 * 24 * time.Hour
	}
	if opt.Level == 0 {
		opt.Level = 0.95
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	to := opt.To
	if to.IsZero() {
		to = opt.Now
	}
	t, err := db.Trigger(ctx, opt.Trigger)
	if err != nil {
		return nil, err
	}
	scale, err := opt.Currency.Scale()
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	minor := math.Pow10(scale)
	if opt.Catalogue == nil {
		offers, err := db.Offers(ctx)
		if err != nil {
			return nil, err
		}
		opt.Catalogue = map[string]string{}
		for _, o := range offers {
			opt.Catalogue[o.Code] = o.SKU
		}
	}
	ds, err := db.TriggerDecisions(ctx, t.ID, opt.From, to)
	if err != nil {
		return nil, err
	}
	r := &UpliftReport{Trigger: t.Name, WindowDays: int(opt.Window / (24 * time.Hour)), Level: opt.Level, Currency: string(opt.Currency), Notes: []string{}}
	if !opt.From.IsZero() {
		r.From = opt.From.Format(time.DateOnly)
	}
	if !opt.To.IsZero() {
		r.To = opt.To.Format(time.DateOnly)
	}
	var closed []clientele.Decision
	customers := map[string]bool{}
	since := opt.Now
	for _, d := range ds {
		if d.FactAt.Add(opt.Window).After(opt.Now) {
			r.Open++
			continue
		}
		closed = append(closed, d)
		customers[d.CustomerID] = true
		since = minTime(since, d.FactAt)
	}
	ids := make([]string, 0, len(customers))
	for c := range customers {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	purchases, err := db.Purchases(ctx, ids, since)
	if err != nil {
		return nil, err
	}
	standing, err := db.Standings(ctx, ids, opt.Now)
	if err != nil {
		return nil, err
	}
	var decisionIDs []int64
	for _, d := range closed {
		if d.Status == clientele.DecisionSent {
			decisionIDs = append(decisionIDs, d.ID)
		}
	}
	redeemed, err := db.Redemptions(ctx, decisionIDs)
	if err != nil {
		return nil, err
	}
	var conv [2]int64 // treated, held out
	var margin, clv [2][]float64
	anySKU := false
	for _, d := range closed {
		arm := 0
		if d.Status == clientele.DecisionHeldOut {
			arm = 1
			r.HeldOut++
		} else {
			r.Treated++
			if redeemed[d.ID] > 0 {
				r.Redeemed++
			}
		}
		// The offers made, or that would have been (held out).
		skus := map[string]bool{}
		for _, o := range d.Offers {
			if o.Chosen || strings.HasPrefix(o.Reason, "held out") {
				if sku := opt.Catalogue[o.Offer]; sku != "" {
					skus[sku] = true
				}
			}
		}
		anySKU = anySKU || len(skus) > 0
		end := d.FactAt.Add(opt.Window)
		converted := false
		var m int64
		for _, p := range purchases[d.CustomerID] {
			if !p.At.After(d.FactAt) || p.At.After(end) {
				continue
			}
			m = clientele.SatAdd(m, p.Margin)
			if !p.Known {
				r.UnknownMargins++
			}
			if len(skus) == 0 || slices.ContainsFunc(p.SKUs, func(s string) bool { return skus[s] }) {
				converted = true
			}
		}
		if converted {
			conv[arm]++
		}
		margin[arm] = append(margin[arm], float64(m)/minor)
		if s := standing[d.CustomerID]; s != nil && s.Score != nil {
			clv[arm] = append(clv[arm], float64(s.Score.CLV)/minor)
		}
	}
	r.ConversionOf = "an offered product"
	if !anySKU {
		r.ConversionOf = "any product (the offers name none)"
	}
	r.ConversionUplift = equity.DiffProportions(conv[0], r.Treated, conv[1], r.HeldOut, opt.Level)
	r.TreatedRate, r.HeldOutRate = ratio(conv[0], r.Treated), ratio(conv[1], r.HeldOut)
	r.RedemptionRate = ratio(r.Redeemed, r.Treated)
	mt, mh := equity.Summarise(margin[0]), equity.Summarise(margin[1])
	r.TreatedMargin, r.HeldOutMargin = mt.Mean, mh.Mean
	r.MarginUplift = equity.DiffMeans(mt, mh, opt.Level)
	r.IncrementalMargin = r.MarginUplift.Estimate * float64(r.Treated)
	ct, ch := equity.Summarise(clv[0]), equity.Summarise(clv[1])
	r.TreatedCLV, r.HeldOutCLV = ct.Mean, ch.Mean
	r.CLVUplift = equity.DiffMeans(ct, ch, opt.Level)
	switch {
	case r.Treated+r.HeldOut == 0:
		r.Notes = append(r.Notes, "no decision of this trigger has a closed window yet")
	case r.HeldOut == 0:
		r.Notes = append(r.Notes, "no customer was held out (the trigger's holdout is 0): the uplift cannot be measured")
	case r.ConversionUplift.Low > 0:
		r.Notes = append(r.Notes, fmt.Sprintf("the offers raise conversion by %.1f points (%.1f to %.1f, %g %% interval)",
			100*r.ConversionUplift.Estimate, 100*r.ConversionUplift.Low, 100*r.ConversionUplift.High, 100*opt.Level))
	default:
		r.Notes = append(r.Notes, "the interval of the conversion uplift includes 0: no effect is shown yet")
	}
	if r.UnknownMargins > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d purchases in the windows have no margin; they count as 0", r.UnknownMargins))
	}
	if r.Open > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d decisions whose %d-day window has not ended are left out", r.Open, r.WindowDays))
	}
	return r, nil
}

// ratio is a / b, 0 when b is.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// Document lays the report out for the command line and HTML.
func (r *UpliftReport) Document() (*Document, error) {
	d := &Document{Title: "Uplift of trigger " + r.Trigger}
	d.Notes = append(d.Notes, fmt.Sprintf("%d treated and %d held-out decisions, outcomes over %d days after each; conversion is a purchase of %s",
		r.Treated, r.HeldOut, r.WindowDays, r.ConversionOf))
	d.Notes = append(d.Notes, r.Notes...)
	level := fmt.Sprintf(" (%g %%)", 100*r.Level)
	t := Table{Heading: "treated against held out", Currency: r.Currency, Columns: []Column{Col("measure", "MEASURE"), Col("treated", "TREATED"),
		Col("held_out", "HELD OUT"), Col("uplift", "UPLIFT"), Col("low", "LOW"+level), Col("high", "HIGH"+level)}}
	pct := func(x float64) Cell { return Pct(x, 1) }
	t.Rows = append(t.Rows,
		[]Cell{Txt("conversion"), pct(r.TreatedRate), pct(r.HeldOutRate), pct(r.ConversionUplift.Estimate), pct(r.ConversionUplift.Low), pct(r.ConversionUplift.High)},
		[]Cell{Txt("margin per decision"), Num(r.TreatedMargin, 2), Num(r.HeldOutMargin, 2), Num(r.MarginUplift.Estimate, 2), Num(r.MarginUplift.Low, 2), Num(r.MarginUplift.High, 2)},
		[]Cell{Txt("CLV"), Num(r.TreatedCLV, 2), Num(r.HeldOutCLV, 2), Num(r.CLVUplift.Estimate, 2), Num(r.CLVUplift.Low, 2), Num(r.CLVUplift.High, 2)},
	)
	s := Table{Heading: "what it adds", Currency: r.Currency, Columns: []Column{Col("measure", "MEASURE"), Col("value", "VALUE")}}
	s.Rows = append(s.Rows,
		[]Cell{Txt("incremental margin (uplift × treated)"), Num(r.IncrementalMargin, 2)},
		[]Cell{Txt("redemption rate of the treated (what redemptions alone show)"), pct(r.RedemptionRate)},
		[]Cell{Txt("decisions left out (window still open)"), Int(r.Open)},
	)
	d.Tables = append(d.Tables, t, s)
	return d, nil
}
