package clientele

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
)

// Trigger is a rule of the real-time engine: when a stored fact (a
// transaction or an event) makes When true for its customer, the trigger
// fires — at most once per customer, or not again within Cooldown — and
// the offers it names go to arbitration (the next best action). A share
// Holdout of the customers it fires for, fixed per customer and trigger,
// is held out and gets nothing, so that the trigger's uplift is measured.
//
// Every change makes a new version; decisions name the version that made
// them.
type Trigger struct {
	ID          int64  `json:"id,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Segment, when set, is the segment whose manager owns the trigger.
	Segment string `json:"segment,omitempty"`
	Version int    `json:"version,omitempty"`
	// On lists the facts the trigger looks at: "transaction", "event" (any
	// event) or "event:TYPE"; empty, every fact.
	On   []string `json:"on,omitempty"`
	When string   `json:"when"`
	// Once fires the trigger at most once per customer; Cooldown, else,
	// is the least time between two firings for one customer.
	Once     bool   `json:"once_per_customer,omitempty"`
	Cooldown Window `json:"cooldown,omitzero"`
	// Then names the offers (by code) the trigger puts to arbitration;
	// Weight is their context weight in the priority (1 by default).
	Then   []string `json:"then"`
	Weight float64  `json:"weight"`
	// Holdout is the share of customers held out (default 0.1).
	Holdout float64 `json:"holdout"`
	// MaxAge: a fact older than this when it is stored (an import of
	// history) updates counters but fires nothing (default 7 days).
	MaxAge  Window `json:"max_age,omitzero"`
	Enabled bool   `json:"enabled"`

	// Read only: the errors of the rule at run time.
	Errors      int64     `json:"errors,omitempty"`
	LastError   string    `json:"last_error,omitempty"`
	LastErrorAt time.Time `json:"last_error_at,omitzero"`
	UpdatedAt   time.Time `json:"updated_at,omitzero"`
}

// NewTrigger returns a trigger with the defaults a definition leaves out;
// decode a definition into it.
func NewTrigger() Trigger {
	return Trigger{Weight: 1, Holdout: 0.1, MaxAge: 7 * Day, Enabled: true}
}

// MaxTriggerOffers bounds the offers one trigger names.
const MaxTriggerOffers = 20

// Validate reports every invalid field of t (the expression is checked by
// the engine, which knows its variables).
func (t *Trigger) Validate() error {
	v := invalid{item: "trigger " + t.Name}
	if t.Name == "" {
		v.add("name", "is empty")
	}
	checkID(&v, "name", t.Name)
	checkProse(&v, "description", t.Description, 1000)
	checkText(&v, "segment", t.Segment, 128)
	for i, on := range t.On {
		kind, typ, _ := strings.Cut(on, ":")
		switch {
		case on == "transaction", on == "event":
		case kind == "event" && typ != "":
			checkText(&v, fmt.Sprintf("on[%d]", i), typ, 64)
		default:
			v.add(fmt.Sprintf("on[%d]", i), "%q: want transaction, event or event:TYPE", Excerpt(on))
		}
	}
	if strings.TrimSpace(t.When) == "" {
		v.add("when", "is empty")
	}
	checkProse(&v, "when", t.When, MaxExpression)
	if t.Once && t.Cooldown != 0 {
		v.add("cooldown", "a trigger fires once per customer or with a cooldown, not both")
	}
	if t.Cooldown < 0 || t.Cooldown > MaxWindow {
		v.add("cooldown", "must be from 0 to %d days", MaxWindow/Day)
	}
	if len(t.Then) == 0 {
		v.add("then", "names no offer")
	}
	if len(t.Then) > MaxTriggerOffers {
		v.add("then", "names %d offers: at most %d", len(t.Then), MaxTriggerOffers)
	}
	seen := map[string]bool{}
	for i, code := range t.Then {
		checkID(&v, fmt.Sprintf("then[%d]", i), code)
		if seen[code] {
			v.add(fmt.Sprintf("then[%d]", i), "%q is named twice", Excerpt(code))
		}
		seen[code] = true
	}
	if math.IsNaN(t.Weight) || t.Weight <= 0 || t.Weight > 1000 {
		v.add("weight", "must be above 0 and at most 1000")
	}
	if !(t.Holdout >= 0 && t.Holdout < 1) {
		v.add("holdout", "must be from 0 up to, not including, 1")
	}
	if t.MaxAge <= 0 || t.MaxAge > MaxWindow {
		v.add("max_age", "must be from 1 hour to %d days", MaxWindow/Day)
	}
	return v.err("trigger")
}

// Listens reports whether t looks at a fact of kind ("transaction" or
// "event") and, for an event, type.
func (t *Trigger) Listens(kind, typ string) bool {
	if len(t.On) == 0 {
		return true
	}
	for _, on := range t.On {
		if on == kind || (kind == "event" && on == "event:"+typ) {
			return true
		}
	}
	return false
}

// Decision statuses.
const (
	DecisionSent       = "sent"       // offers chosen and written to the outbox
	DecisionHeldOut    = "held_out"   // the customer is in the trigger's control group
	DecisionSuppressed = "suppressed" // every offer was refused (consent, policy, eligibility)
)

// Decision is what one firing of a trigger led to for one customer.
type Decision struct {
	ID             int64     `json:"id"`
	CustomerID     string    `json:"customer_id" personal:"id"`
	At             time.Time `json:"at"`
	FactAt         time.Time `json:"fact_at"`
	TriggerID      int64     `json:"trigger_id,omitempty"`
	Trigger        string    `json:"trigger,omitempty"`
	TriggerVersion int       `json:"trigger_version,omitempty"`
	// Fact names what fired the trigger: "transaction:ID" or "event:ID".
	Fact   string   `json:"fact"`
	Status string   `json:"status"`
	Offers []Option `json:"offers"`
}

// Option is one offer as arbitration saw it for one customer: its score
// and its parts, and, when it was not chosen, why.
type Option struct {
	Offer      string  `json:"offer"`
	Class      string  `json:"class"`
	Channel    string  `json:"channel"`
	Priority   float64 `json:"priority"`
	Propensity float64 `json:"propensity"`
	Context    float64 `json:"context_weight"`
	Value      float64 `json:"value"` // in major units
	// ValueBasis says how Value was reckoned when not from the offer's
	// margin alone: for a migration offer, the customer's gain by the
	// migration model.
	ValueBasis string  `json:"value_basis,omitempty"`
	Lever      float64 `json:"lever"`
	Chosen     bool    `json:"chosen"`
	// Reason says, in words, why the option was chosen or refused.
	Reason string `json:"reason"`
}

// UnmarshalJSON decodes a trigger, naming a bad window's field.
func (t *Trigger) UnmarshalJSON(b []byte) error {
	type plain Trigger
	var aux struct {
		*plain
		Cooldown json.RawMessage `json:"cooldown"`
		MaxAge   json.RawMessage `json:"max_age"`
	}
	aux.plain = (*plain)(t)
	return windowFields(b, func(d *json.Decoder) error { return d.Decode(&aux) },
		map[string]*Window{"cooldown": &t.Cooldown, "max_age": &t.MaxAge}, "trigger")
}
