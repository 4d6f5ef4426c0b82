package clientele

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Offer classes. A sales offer sells; a migration offer moves a customer
// from one brand to another (its value is the CLV gain of the move); a
// service offer helps with what the customer has; a care action answers a
// hard moment in the customer's life (a bereavement) and is never crowded
// out by, or counted against, sales.
const (
	OfferSales     = "sales"
	OfferMigration = "migration"
	OfferService   = "service"
	OfferCare      = "care"
)

// OfferClasses lists the offer classes.
var OfferClasses = []string{OfferSales, OfferMigration, OfferService, OfferCare}

// Channels an offer is delivered through, and the consent purpose each
// needs for a sales or migration offer. An agent task goes to the contact
// centre or the customer's manager, who speaks to the customer in service:
// it needs no marketing consent.
var Channels = map[string]string{
	"email": PurposeEmail,
	"sms":   PurposeSMS,
	"phone": PurposePhone,
	"agent": "",
}

// Offer is an entry of the offer catalogue. Money is in minor units of the
// firm's currency.
type Offer struct {
	Code  string `json:"code"`
	Name  string `json:"name"`
	Class string `json:"class"`
	// Brand and SKU name what is offered; Segment, when set, is the
	// segment whose manager owns the offer.
	Brand   string `json:"brand,omitempty"`
	SKU     string `json:"sku,omitempty"`
	Segment string `json:"segment,omitempty"`
	Channel string `json:"channel"`
	// Purpose is the consent the offer needs; empty means the channel's
	// (Channels) for sales and migration offers, and none for service and
	// care.
	Purpose string `json:"purpose,omitempty"`
	// Value is what the offer is worth to the customer (a coupon's face
	// value); Cost what it costs the firm when redeemed; Margin the
	// expected margin a redemption brings (before Cost).
	Value  int64 `json:"value"`
	Cost   int64 `json:"cost"`
	Margin int64 `json:"margin"`
	// From and To are the brands of a migration offer.
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// Lever is the business lever, a weight the firm sets (1 when a
	// definition leaves it out; see NewOffer): 2 doubles the offer's
	// priority, 0 retires it from arbitration.
	Lever float64 `json:"lever"`
	// ValidFrom and ValidUntil bound when the offer may be made (zero:
	// unbounded).
	ValidFrom  time.Time `json:"valid_from,omitzero"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
	// Eligible is a CEL expression over the customer (as a trigger's
	// condition), empty for everyone.
	Eligible string `json:"eligible,omitempty"`
	// Cooldown is the least time between two sends of this offer to one
	// customer (default 30 days).
	Cooldown Window `json:"cooldown,omitzero"`
	// SuppressSales, for a care action, is how long after it no sales
	// offer goes to the customer (default 90 days).
	SuppressSales Window `json:"suppress_sales,omitzero"`
	// Prior is the Beta prior of the offer's propensity, as its mean and
	// strength in responses (defaults 0.05 and 20: Beta(1, 19)).
	PriorMean     float64 `json:"prior_mean,omitempty"`
	PriorStrength float64 `json:"prior_strength,omitempty"`
}

// NewOffer returns an offer with the defaults a definition leaves out;
// decode a definition into it.
func NewOffer() Offer { return Offer{Lever: 1} }

// Normalize fills o's defaults.
func (o *Offer) Normalize() {
	if o.Cooldown == 0 {
		o.Cooldown = 30 * Day
	}
	if o.Class == OfferCare && o.SuppressSales == 0 {
		o.SuppressSales = 90 * Day
	}
	if o.PriorMean == 0 {
		o.PriorMean = 0.05
	}
	if o.PriorStrength == 0 {
		o.PriorStrength = 20
	}
	if o.Purpose == "" && (o.Class == OfferSales || o.Class == OfferMigration) {
		o.Purpose = Channels[o.Channel]
	}
}

// Validate reports every invalid field of o; call Normalize first.
func (o *Offer) Validate() error {
	v := invalid{item: "offer " + o.Code}
	checkID(&v, "code", o.Code)
	checkText(&v, "name", o.Name, 256)
	if !slices.Contains(OfferClasses, o.Class) {
		v.add("class", "%q: want one of %s", Excerpt(o.Class), strings.Join(OfferClasses, ", "))
	}
	checkText(&v, "brand", o.Brand, 128)
	checkText(&v, "sku", o.SKU, MaxIDLength)
	checkText(&v, "segment", o.Segment, 128)
	if _, ok := Channels[o.Channel]; !ok {
		v.add("channel", "%q: want one of email, sms, phone, agent", Excerpt(o.Channel))
	}
	if o.Purpose != "" && !slices.Contains(Purposes, o.Purpose) {
		v.add("purpose", "%q: want one of %s", Excerpt(o.Purpose), strings.Join(Purposes, ", "))
	}
	if (o.Class == OfferSales || o.Class == OfferMigration) && o.Purpose == "" && o.Channel != "agent" {
		v.add("purpose", "a %s offer by %s needs a consent purpose", o.Class, o.Channel)
	}
	for _, f := range []struct {
		name string
		x    int64
	}{{"value", o.Value}, {"cost", o.Cost}, {"margin", o.Margin}} {
		checkAmount(&v, f.name, f.x)
		if f.x < 0 && f.name != "margin" {
			v.add(f.name, "is negative")
		}
	}
	if o.Class == OfferMigration {
		if o.From == "" || o.To == "" {
			v.add("from", "a migration offer names the brand it moves customers from and to (from, to)")
		} else if o.From == o.To {
			v.add("to", "is the brand it moves from")
		}
	} else if o.From != "" || o.To != "" {
		v.add("from", "only a migration offer moves customers between brands")
	}
	checkText(&v, "from", o.From, 128)
	checkText(&v, "to", o.To, 128)
	if math.IsNaN(o.Lever) || math.IsInf(o.Lever, 0) || o.Lever < 0 || o.Lever > 1000 {
		v.add("lever", "must be a number from 0 to 1000")
	}
	if !o.ValidFrom.IsZero() && !o.ValidUntil.IsZero() && !o.ValidUntil.After(o.ValidFrom) {
		v.add("valid_until", "is not after valid_from")
	}
	checkProse(&v, "eligible", o.Eligible, MaxExpression)
	if o.Cooldown < 0 || o.SuppressSales < 0 {
		v.add("cooldown", "is negative")
	}
	if o.SuppressSales != 0 && o.Class != OfferCare {
		v.add("suppress_sales", "only a care action suppresses sales offers")
	}
	if !(o.PriorMean > 0 && o.PriorMean < 1) {
		v.add("prior_mean", "must be between 0 and 1, exclusive")
	}
	if !(o.PriorStrength > 0 && o.PriorStrength <= 1e6) {
		v.add("prior_strength", "must be above 0 and at most 1,000,000")
	}
	return v.err("offer")
}

// Sales reports whether the offer counts against the contact policy.
func (o *Offer) Sales() bool { return o.Class == OfferSales || o.Class == OfferMigration }

// ActiveAt reports whether o may be made at t.
func (o *Offer) ActiveAt(t time.Time) bool {
	return o.Lever > 0 && (o.ValidFrom.IsZero() || !t.Before(o.ValidFrom)) && (o.ValidUntil.IsZero() || t.Before(o.ValidUntil))
}

// MaxExpression bounds a CEL expression of a trigger, an offer or a
// segment, in bytes.
const MaxExpression = 4096

// Day is a Window of one day.
const Day = Window(24 * time.Hour)

// MaxWindow bounds a counter's rolling window and a cooldown.
const MaxWindow = 3660 * Day

// Window is a span of time written as a whole number of hours, days or
// weeks: "24h", "30d", "12w".
type Window time.Duration

// ParseWindow parses "Nh", "Nd" or "Nw", N a whole number from 1.
func ParseWindow(s string) (Window, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("window %q: want a whole number and h, d or w, as 30d", Excerpt(s))
	}
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if err != nil || n < 1 || s[0] == '+' {
		return 0, fmt.Errorf("window %q: want a whole number from 1 and h, d or w, as 30d", Excerpt(s))
	}
	var unit Window
	switch s[len(s)-1] {
	case 'h':
		unit = Window(time.Hour)
	case 'd':
		unit = Day
	case 'w':
		unit = 7 * Day
	default:
		return 0, fmt.Errorf("window %q: the unit must be h, d or w", Excerpt(s))
	}
	if n > int64(MaxWindow/unit) {
		return 0, fmt.Errorf("window %q: at most %d days", Excerpt(s), MaxWindow/Day)
	}
	return Window(n) * unit, nil
}

// Days returns the window in whole days, rounded up.
func (w Window) Days() int64 { return int64((w + Day - 1) / Day) }

// String writes w in the largest unit that divides it.
func (w Window) String() string {
	switch {
	case w == 0:
		return "0d"
	case w%(7*Day) == 0:
		return strconv.FormatInt(int64(w/(7*Day)), 10) + "w"
	case w%Day == 0:
		return strconv.FormatInt(int64(w/Day), 10) + "d"
	}
	return strconv.FormatInt(int64(time.Duration(w)/time.Hour), 10) + "h"
}

// MarshalText writes w as String does.
func (w Window) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// UnmarshalText parses w as ParseWindow does.
func (w *Window) UnmarshalText(b []byte) error {
	x, err := ParseWindow(string(b))
	if err != nil {
		return err
	}
	*w = x
	return nil
}

// ContactPolicy bounds how often a customer hears from the firm: at most
// Per7 sales contacts in 7 days and Per30 in 30 days. A contact is one
// decision that sends sales or migration offers, whatever their number.
// Care actions are never counted nor refused.
type ContactPolicy struct {
	Per7  int `json:"per_7_days"`
	Per30 int `json:"per_30_days"`
	// MaxOffers bounds the offers (care actions aside) one message
	// carries.
	MaxOffers int `json:"max_offers_per_message"`
}

// DefaultContactPolicy is the policy until one is set.
var DefaultContactPolicy = ContactPolicy{Per7: 2, Per30: 4, MaxOffers: 3}

// Validate reports an impossible policy.
func (p *ContactPolicy) Validate() error {
	v := invalid{item: "contact policy"}
	if p.Per7 < 0 || p.Per7 > 100 {
		v.add("per_7_days", "must be from 0 to 100")
	}
	if p.Per30 < 0 || p.Per30 > 1000 {
		v.add("per_30_days", "must be from 0 to 1000")
	}
	if p.Per30 < p.Per7 {
		v.add("per_30_days", "is below per_7_days")
	}
	if p.MaxOffers < 1 || p.MaxOffers > 20 {
		v.add("max_offers_per_message", "must be from 1 to 20")
	}
	return v.err("contact policy")
}

// Counter is one of a customer's counters: how many stored facts touched
// its key, the sum of their amounts (minor units), and the first and last
// time. Keys are "purchase", "product:SKU", "category:C", "brand:B",
// "event:TYPE" and "event:TYPE:PROPERTY=VALUE".
type Counter struct {
	Key   string    `json:"key"`
	Count int64     `json:"count"`
	Sum   int64     `json:"sum"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// windowFields decodes b into v, whose window fields (by JSON name) are
// read as text here so that a bad one is refused naming its field, which
// encoding/json does not do for a value's own decoder: the plain decoding
// of v goes through decode, with unknown fields refused.
func windowFields(b []byte, decode func(*json.Decoder) error, fields map[string]*Window, item string) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := decode(dec); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	v := invalid{item: item}
	for name, w := range fields {
		r, ok := raw[name]
		if !ok || string(r) == "null" {
			continue
		}
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			v.add(name, "want a string such as \"30d\"")
			continue
		}
		x, err := ParseWindow(s)
		if err != nil {
			v.add(name, "%v", err)
			continue
		}
		*w = x
	}
	return v.err(item)
}

// UnmarshalJSON decodes an offer, naming a bad window's field.
func (o *Offer) UnmarshalJSON(b []byte) error {
	type plain Offer
	var aux struct {
		*plain
		Cooldown      json.RawMessage `json:"cooldown"`
		SuppressSales json.RawMessage `json:"suppress_sales"`
	}
	aux.plain = (*plain)(o)
	return windowFields(b, func(d *json.Decoder) error { return d.Decode(&aux) },
		map[string]*Window{"cooldown": &o.Cooldown, "suppress_sales": &o.SuppressSales}, "offer")
}
