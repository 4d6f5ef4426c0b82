// Package rules is the real-time engine of the customer-centric firm: it
// sees every transaction and event as the store writes it, in the same
// database transaction, with the customer's counters (package store),
// evaluates the triggers — CEL conditions (cel.dev/cel-go) over the fact,
// the customer, the counters, the CLV score and the segments — and turns a
// trigger that fires into a decision: the offers it names, arbitrated
// into the next best action under the contact policy and the customer's
// consent, or nothing for the customers held out as the trigger's control
// group. A decision that sends something writes its messages to the
// outbox in the same transaction; package delivery delivers them.
//
// It knows no HTTP. Priority = propensity × context weight × value ×
// business lever; see docs/engine.md for the worked example.
package rules

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"sync"
	"time"

	"clientele"
	"clientele/internal/segment"
	"clientele/internal/store"
)

// Engine is the real-time engine of one database. It is safe for
// concurrent use; install it with store.DB.SetEngine.
type Engine struct {
	db    *store.DB
	cur   clientele.Currency
	minor float64 // minor units per major unit of the firm's currency

	// Now is the clock (time.Now by default; tests set it).
	Now func() time.Time
	// Notify, when set, is called after a transaction that queued
	// messages commits: it wakes the delivery worker.
	Notify func()
	// Log, when set, takes the errors of the engine's work in the
	// background.
	Log *slog.Logger

	segments *segment.Live // kept up to date before the triggers look at them

	mu        sync.Mutex
	cfg       *config
	checked   time.Time // when cfg's version was last compared to the database's
	stats     map[string]map[string]store.OfferCount
	statsAt   time.Time
	rates     map[string]float64 // margin rates of the migration offers' brands
	ratesAt   time.Time
	ratesOf   int64 // the config version rates are of
	ratesBusy bool  // a read of the rates is under way
}

// New returns the engine of db, for a firm whose currency is cur.
func New(ctx context.Context, db *store.DB, cur clientele.Currency) (*Engine, error) {
	scale, err := cur.Scale()
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	e := &Engine{db: db, cur: cur, minor: math.Pow10(scale), Now: time.Now, segments: segment.NewLive(cur)}
	if err := e.Reload(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

// config is the compiled offers, triggers and contact policy of one
// version of the engine's settings.
type config struct {
	version  int64
	triggers []*trigger
	offers   map[string]*offer
	policy   clientele.ContactPolicy
	keys     []string // the counter keys the conditions name
	dynamic  bool     // a condition builds a key at run time
	maxDays  int64    // the longest window of a condition
	lookback time.Duration
	// migration lists the brands the migration offers move customers
	// from and to, whose margin rates their value needs.
	migration []string
}

type trigger struct {
	def clientele.Trigger
	prg *Program
}

type offer struct {
	def clientele.Offer
	prg *Program // nil: everyone is eligible
}

// Reload reads the offers, triggers and contact policy again.
func (e *Engine) Reload(ctx context.Context) error {
	v, err := e.db.EngineVersion(ctx)
	if err != nil {
		return err
	}
	cfg := &config{version: v, offers: map[string]*offer{}, lookback: 30 * 24 * time.Hour}
	if cfg.policy, err = e.db.ContactPolicy(ctx); err != nil {
		return err
	}
	offers, err := e.db.Offers(ctx)
	if err != nil {
		return err
	}
	use := func(p *Program) {
		cfg.keys = append(cfg.keys, p.Keys...)
		cfg.dynamic = cfg.dynamic || p.Dynamic
		cfg.maxDays = max(cfg.maxDays, p.MaxDays)
	}
	for _, o := range offers {
		o.Normalize()
		x := &offer{def: o}
		if o.Eligible != "" {
			// Stored offers were checked when saved; one that no longer
			// compiles (a variable renamed) is left out, not fatal.
			if x.prg, err = Compile("offer eligibility", o.Eligible); err != nil {
				continue
			}
			use(x.prg)
		}
		if o.Class == clientele.OfferMigration && o.From != "" {
			// The value of a migration offer is the customer's: it needs
			// their spend on the brand it moves them from.
			cfg.keys = append(cfg.keys, "purchase", "brand:"+o.From)
			cfg.migration = append(cfg.migration, o.From, o.To)
		}
		cfg.offers[o.Code] = x
		cfg.lookback = max(cfg.lookback, time.Duration(o.Cooldown), time.Duration(o.SuppressSales))
	}
	triggers, err := e.db.Triggers(ctx)
	if err != nil {
		return err
	}
	for _, t := range triggers {
		if !t.Enabled {
			continue
		}
		p, err := Compile("trigger", t.When)
		if err != nil {
			continue
		}
		use(p)
		cfg.triggers = append(cfg.triggers, &trigger{def: t, prg: p})
	}
	slices.Sort(cfg.keys)
	cfg.keys = slices.Compact(cfg.keys)
	e.mu.Lock()
	e.cfg, e.checked = cfg, time.Now()
	e.mu.Unlock()
	return nil
}

// config returns the current settings, reloading them when another
// server (or command) changed them: the version is compared at most once
// a second.
func (e *Engine) config(ctx context.Context) (*config, error) {
	e.mu.Lock()
	cfg, stale := e.cfg, time.Since(e.checked) > time.Second
	if stale {
		e.checked = time.Now()
	}
	e.mu.Unlock()
	if stale {
		v, err := e.db.EngineVersion(ctx)
		if err != nil {
			return nil, err
		}
		if v != cfg.version {
			if err := e.Reload(ctx); err != nil {
				return nil, err
			}
			e.mu.Lock()
			cfg = e.cfg
			e.mu.Unlock()
		}
	}
	return cfg, nil
}

// CheckTrigger validates t, its condition included, and that the offers
// it names are in the catalogue.
func (e *Engine) CheckTrigger(ctx context.Context, t *clientele.Trigger) error {
	if err := t.Validate(); err != nil {
		return err
	}
	if _, err := Compile("trigger", t.When); err != nil {
		return err
	}
	cfg, err := e.config(ctx)
	if err != nil {
		return err
	}
	var missing []clientele.FieldError
	for i, code := range t.Then {
		if cfg.offers[code] == nil {
			missing = append(missing, clientele.FieldError{Field: fmt.Sprintf("then[%d]", i), Reason: fmt.Sprintf("no offer %q in the catalogue", clientele.Excerpt(code))})
		}
	}
	if len(missing) > 0 {
		return &clientele.Error{Code: clientele.EINVALID, Message: "trigger " + t.Name + ": it names offers that are not in the catalogue", Details: missing}
	}
	return nil
}

// CheckOffer validates o, its eligibility included.
func CheckOffer(o *clientele.Offer) error {
	o.Normalize()
	if err := o.Validate(); err != nil {
		return err
	}
	if o.Eligible != "" {
		if _, err := Compile("offer eligibility", o.Eligible); err != nil {
			return err
		}
	}
	return nil
}

// ---- the state of one customer ----

// custState is a customer's counters as the engine walks its facts.
type custState struct {
	all      map[string]clientele.Counter
	days     map[string][]store.DayCount
	previous map[string]time.Time // per key the current fact touches: the last time before it
	minor    float64
	standing *store.Standing
}

func newState(cs *store.CounterState, st *store.Standing, minor float64) *custState {
	s := &custState{all: map[string]clientele.Counter{}, days: map[string][]store.DayCount{}, previous: map[string]time.Time{}, minor: minor, standing: st}
	if cs != nil {
		s.all, s.days = cs.All, cs.Days
	}
	return s
}

// apply adds fact f to the counters.
func (s *custState) apply(f *store.Fact) {
	at, day := f.Time(), store.Day(f.Time())
	clear(s.previous)
	for _, t := range f.Touches {
		c, ok := s.all[t.Key]
		if ok {
			s.previous[t.Key] = c.Last
		} else {
			c = clientele.Counter{Key: t.Key, First: at, Last: at}
		}
		c.Count++
		c.Sum = clientele.SatAdd(c.Sum, t.Sum)
		if at.Before(c.First) {
			c.First = at
		}
		if at.After(c.Last) {
			c.Last = at
		}
		s.all[t.Key] = c
		ds := s.days[t.Key]
		i, found := slices.BinarySearchFunc(ds, day, func(d store.DayCount, x int64) int { return cmp.Compare(d.Day, x) })
		if !found {
			ds = slices.Insert(ds, i, store.DayCount{Day: day})
		}
		ds[i].Count++
		ds[i].Sum = clientele.SatAdd(ds[i].Sum, t.Sum)
		s.days[t.Key] = ds
	}
}

// window returns the count and sum of key over the days days up to today,
// today included.
func (s *custState) window(key string, days, today int64) (n, sum int64) {
	for _, d := range s.days[key] {
		if d.Day > today-days && d.Day <= today {
			n += d.Count
			sum = clientele.SatAdd(sum, d.Sum)
		}
	}
	return n, sum
}

// ---- variables ----

func (e *Engine) vars(ev *evaluation, f *store.Fact, st *store.Standing, at time.Time) {
	c := &st.Customer
	age := int64(-1)
	if b, err := time.Parse(time.DateOnly, c.BirthDate); err == nil {
		age = int64(at.Year() - b.Year())
		if at.YearDay() < b.YearDay() {
			age--
		}
	}
	attrs := c.Attributes
	if attrs == nil {
		attrs = map[string]any{}
	}
	tenure := int64(-1)
	if !c.CreatedAt.IsZero() {
		tenure = int64(at.Sub(c.CreatedAt).Hours() / 24)
	}
	clv := map[string]any{"scored": false, "value": 0.0, "p_alive": 0.0, "expected_purchases": 0.0}
	if s := st.Score; s != nil {
		clv = map[string]any{"scored": true, "value": float64(s.CLV) / e.minor, "p_alive": s.ProbAlive, "expected_purchases": s.ExpectedPurchases}
	}
	segs := st.Segments
	if segs == nil {
		segs = []string{}
	}
	ev.vars = map[string]any{
		"event":    factVars(f, e.minor),
		"customer": map[string]any{"id": c.ID, "city": c.City, "household_id": c.HouseholdID, "age": age, "tenure_days": tenure, "attributes": attrs, "tier": st.Tier},
		"clv":      clv,
		"segments": segs,
	}
}

// factVars is the `event` variable: the fact that is being looked at.
func factVars(f *store.Fact, minor float64) map[string]any {
	if f == nil {
		return map[string]any{"kind": "", "id": "", "type": "", "properties": map[string]any{}}
	}
	if t := f.Transaction; t != nil {
		var skus, cats, brands []string
		for _, tc := range f.Touches {
			switch {
			case len(tc.Key) > 8 && tc.Key[:8] == "product:":
				skus = append(skus, tc.Key[8:])
			case len(tc.Key) > 9 && tc.Key[:9] == "category:":
				cats = append(cats, tc.Key[9:])
			case len(tc.Key) > 6 && tc.Key[:6] == "brand:":
				brands = append(brands, tc.Key[6:])
			}
		}
		return map[string]any{"kind": "transaction", "id": t.ID, "type": "transaction", "time": t.Time,
			"amount": float64(t.Amount) / minor, "store": t.Store, "channel": t.Channel, "payment_method": t.PaymentMethod,
			"products": orEmpty(skus), "categories": orEmpty(cats), "brands": orEmpty(brands), "properties": map[string]any{}}
	}
	ev := f.Event
	props := map[string]any{}
	if len(ev.Properties) > 0 {
		json.Unmarshal(ev.Properties, &props)
	}
	return map[string]any{"kind": "event", "id": ev.ID, "type": ev.Type, "time": ev.Time, "properties": props,
		"products": []string{}, "categories": []string{}, "brands": []string{}}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- the hold-out ----

// HeldOut reports whether customer is in trigger id's control group of
// share holdout: a hash of the two, fixed for as long as they exist.
func HeldOut(customer string, id int64, holdout float64) bool {
	if holdout <= 0 {
		return false
	}
	h := sha256.New()
	h.Write([]byte(strconv.FormatInt(id, 10)))
	h.Write([]byte{0})
	h.Write([]byte(customer))
	u := binary.BigEndian.Uint64(h.Sum(nil)[:8])
	return float64(u>>11)/(1<<53) < holdout
}

// ---- applying facts ----

// Apply is the store's hook: it sees facts, just stored in w's
// transaction, with the counters as they were before them. The segments
// the facts change are updated first, so that conditions see them.
func (e *Engine) Apply(ctx context.Context, w *store.Writer, facts []store.Fact) error {
	if err := e.segments.Apply(ctx, w, facts); err != nil {
		return err
	}
	cfg, err := e.config(ctx)
	if err != nil {
		return err
	}
	if len(cfg.triggers) == 0 {
		return nil
	}
	now := e.Now().UTC()
	// The customers with a fact a trigger looks at, fresh enough.
	live := map[string]bool{}
	for i := range facts {
		f := &facts[i]
		if e.listened(cfg, f, now) {
			live[f.CustomerID()] = true
		}
	}
	if len(live) == 0 {
		return nil
	}
	customers := make([]string, 0, len(live))
	for c := range live {
		customers = append(customers, c)
	}
	slices.Sort(customers)
	var keys []string
	if !cfg.dynamic {
		set := map[string]bool{}
		for _, k := range cfg.keys {
			set[k] = true
		}
		for i := range facts {
			if live[facts[i].CustomerID()] {
				for _, t := range facts[i].Touches {
					set[t.Key] = true
				}
			}
		}
		for k := range set {
			keys = append(keys, k)
		}
	}
	since := int64(math.MaxInt64)
	if cfg.maxDays > 0 {
		for i := range facts {
			since = min(since, store.Day(facts[i].Time())-cfg.maxDays)
		}
	}
	counters, err := w.Counters(ctx, customers, keys, since)
	if err != nil {
		return err
	}
	standings, err := w.Standings(ctx, customers, now.Add(-cfg.lookback))
	if err != nil {
		return err
	}
	mk := e.market(ctx, cfg)
	byCustomer := map[string][]*store.Fact{}
	for i := range facts {
		if c := facts[i].CustomerID(); live[c] {
			byCustomer[c] = append(byCustomer[c], &facts[i])
		}
	}
	errs := map[int64]*ruleError{}
	ev := newEvaluation()
	queued := false
	for _, c := range customers {
		fs := byCustomer[c]
		slices.SortStableFunc(fs, func(a, b *store.Fact) int { return a.Time().Compare(b.Time()) })
		st := newState(counters[c], standings[c], e.minor)
		ev.state = st
		for _, f := range fs {
			st.apply(f)
			if !e.listened(cfg, f, now) {
				continue
			}
			ev.fact, ev.at = f, f.Time()
			e.vars(ev, f, st.standing, f.Time())
			for _, t := range cfg.triggers {
				if !t.listens(f, now) || !t.due(st.standing, f.Time()) {
					continue
				}
				ok, err := t.prg.eval(ev)
				if err != nil {
					re := errs[t.def.ID]
					if re == nil {
						re = &ruleError{}
						errs[t.def.ID] = re
					}
					re.n++
					re.msg = fmt.Sprintf("%s %s: %v", f.Name(), f.CustomerID(), err)
					continue
				}
				if !ok {
					continue
				}
				sent, err := e.fire(ctx, w, cfg, mk, t, f, st, ev, now)
				if err != nil {
					return err
				}
				queued = queued || sent
			}
		}
	}
	for id, re := range errs {
		if err := w.RuleErrors(ctx, id, re.n, re.msg, now); err != nil {
			return err
		}
	}
	if queued && e.Notify != nil {
		w.AfterCommit(e.Notify)
	}
	return nil
}

// Profiles is the store's hook for customers whose profile or accounts
// were just stored: their segments are updated (no trigger looks at a
// profile).
func (e *Engine) Profiles(ctx context.Context, w *store.Writer, changes []store.Change) error {
	return e.segments.Profiles(ctx, w, changes)
}

type ruleError struct {
	n   int64
	msg string
}

// listened reports whether some trigger looks at f now.
func (e *Engine) listened(cfg *config, f *store.Fact, now time.Time) bool {
	for _, t := range cfg.triggers {
		if t.listens(f, now) {
			return true
		}
	}
	return false
}

func (t *trigger) listens(f *store.Fact, now time.Time) bool {
	typ := ""
	if f.Event != nil {
		typ = f.Event.Type
	}
	return t.def.Listens(f.Kind, typ) && now.Sub(f.Time()) <= time.Duration(t.def.MaxAge)
}

// due reports whether t may fire for the customer at at: not yet, for a
// trigger once per customer; past its cooldown otherwise.
func (t *trigger) due(st *store.Standing, at time.Time) bool {
	s, ok := st.Triggers[t.def.ID]
	if !ok {
		return true
	}
	if t.def.Once {
		return false
	}
	return at.Sub(s.Last) >= time.Duration(t.def.Cooldown)
}

// fire records that t fired for f's customer and makes the decision; it
// reports whether messages were queued.
func (e *Engine) fire(ctx context.Context, w *store.Writer, cfg *config, mk *market,
	t *trigger, f *store.Fact, st *custState, ev *evaluation, now time.Time) (bool, error) {
	c := f.CustomerID()
	if err := w.Fired(ctx, c, t.def.ID, f.Time()); err != nil {
		return false, err
	}
	ts := st.standing.Triggers[t.def.ID]
	ts.Fires++
	ts.Last = f.Time()
	st.standing.Triggers[t.def.ID] = ts

	d := &clientele.Decision{CustomerID: c, At: now, FactAt: f.Time(), TriggerID: t.def.ID, Trigger: t.def.Name, TriggerVersion: t.def.Version, Fact: f.Name()}
	segment := ""
	if len(st.standing.Segments) > 0 {
		segment = st.standing.Segments[0]
	}
	d.Offers = e.arbitrate(cfg, mk, t.def.Then, t.def.Weight, st, ev, segment, f.Time())
	switch {
	case HeldOut(c, t.def.ID, t.def.Holdout):
		d.Status = clientele.DecisionHeldOut
		for i := range d.Offers {
			if d.Offers[i].Chosen {
				d.Offers[i].Chosen = false
				d.Offers[i].Reason = "held out: the customer is in the trigger's control group"
			}
		}
	case slices.ContainsFunc(d.Offers, func(o clientele.Option) bool { return o.Chosen }):
		d.Status = clientele.DecisionSent
	default:
		d.Status = clientele.DecisionSuppressed
	}
	id, err := w.Decide(ctx, d, segment)
	if err != nil {
		return false, err
	}
	if d.Status != clientele.DecisionSent {
		return false, nil
	}
	contact := store.Contact{At: f.Time()}
	for _, o := range d.Offers {
		if o.Chosen {
			contact.Offers = append(contact.Offers, o.Offer)
			def := cfg.offers[o.Offer].def
			contact.Sales = contact.Sales || def.Sales()
			contact.Care = contact.Care || def.Class == clientele.OfferCare
		}
	}
	st.standing.Contacts = append(st.standing.Contacts, contact)
	for _, m := range e.messages(cfg, d, id) {
		if err := w.Enqueue(ctx, m); err != nil {
			return false, err
		}
	}
	return true, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Payload is the body of a webhook: one decision's offers on one channel.
// It names the customer by id only; the receiver resolves the contact
// details it may hold.
type Payload struct {
	ID             string         `json:"id"` // the idempotency key
	DecisionID     int64          `json:"decision_id"`
	CustomerID     string         `json:"customer_id"`
	Channel        string         `json:"channel"`
	Trigger        string         `json:"trigger,omitempty"`
	TriggerVersion int            `json:"trigger_version,omitempty"`
	Fact           string         `json:"fact,omitempty"`
	Offers         []PayloadOffer `json:"offers"`
	CreatedAt      time.Time      `json:"created_at"`
}

// PayloadOffer is one offer of a webhook.
type PayloadOffer struct {
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	Class      string    `json:"class"`
	Brand      string    `json:"brand,omitempty"`
	SKU        string    `json:"sku,omitempty"`
	Value      float64   `json:"value"`
	ValidUntil time.Time `json:"valid_until,omitzero"`
}

// messages returns a decision's messages: one per channel of its chosen
// offers.
func (e *Engine) messages(cfg *config, d *clientele.Decision, id int64) []store.Message {
	byChannel := map[string]*Payload{}
	var order []string
	for _, o := range d.Offers {
		if !o.Chosen {
			continue
		}
		def := cfg.offers[o.Offer].def
		p := byChannel[def.Channel]
		if p == nil {
			key := fmt.Sprintf("decision-%d-%s", id, def.Channel)
			p = &Payload{ID: key, DecisionID: id, CustomerID: d.CustomerID, Channel: def.Channel, Trigger: d.Trigger,
				TriggerVersion: d.TriggerVersion, Fact: d.Fact, CreatedAt: d.At}
			byChannel[def.Channel] = p
			order = append(order, def.Channel)
		}
		p.Offers = append(p.Offers, PayloadOffer{Code: def.Code, Name: def.Name, Class: def.Class, Brand: def.Brand, SKU: def.SKU,
			Value: float64(def.Value) / e.minor, ValidUntil: def.ValidUntil})
	}
	out := make([]store.Message, len(order))
	for i, ch := range order {
		p := byChannel[ch]
		b, _ := json.Marshal(p)
		out[i] = store.Message{DecisionID: id, CustomerID: d.CustomerID, Channel: ch, Key: p.ID, Payload: b}
	}
	return out
}

// offerStats returns the counts of offers made and redeemed, by offer and
// segment, read again at most every 30 seconds.
func (e *Engine) offerStats(ctx context.Context) map[string]map[string]store.OfferCount {
	e.mu.Lock()
	stats, fresh := e.stats, time.Since(e.statsAt) < 30*time.Second
	e.mu.Unlock()
	if fresh && stats != nil {
		return stats
	}
	counts, err := e.db.OfferCounts(ctx)
	if err != nil {
		return stats // the last known, or none: the priors alone
	}
	stats = map[string]map[string]store.OfferCount{}
	for _, c := range counts {
		if stats[c.Offer] == nil {
			stats[c.Offer] = map[string]store.OfferCount{}
		}
		stats[c.Offer][c.Segment] = c
	}
	e.mu.Lock()
	e.stats, e.statsAt = stats, time.Now()
	e.mu.Unlock()
	return stats
}

// market is what arbitration knows of the offers beyond their
// definitions: the responses so far, by offer and segment, and the margin
// rates of the migration offers' brands.
type market struct {
	stats map[string]map[string]store.OfferCount
	rates map[string]float64
}

func (e *Engine) market(ctx context.Context, cfg *config) *market {
	return &market{stats: e.offerStats(ctx), rates: e.brandRates(cfg)}
}

// ratesTTL is how long the brands' margin rates are kept: they move with
// months of sales, not with each one.
const ratesTTL = time.Hour

// brandRates returns the margin rates of the brands of cfg's migration
// offers as last read. Reading them scans every line sold of those brands
// (seconds on a million customers), so it is never done on a request or in
// a fact's transaction: when they are missing, older than ratesTTL or of
// other offers, a read starts in the background, and until it ends the
// rates known (or none: the migration offers then fall back on their
// margin, and their value_basis says so) stand.
func (e *Engine) brandRates(cfg *config) map[string]float64 {
	if len(cfg.migration) == 0 {
		return nil
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	stale := e.rates == nil || time.Since(e.ratesAt) >= ratesTTL || e.ratesOf != cfg.version
	if stale && !e.ratesBusy {
		e.ratesBusy = true
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			if err := e.RefreshRates(ctx); err != nil && e.Log != nil {
				e.Log.Warn("engine: the brands' margin rates", "err", err)
			}
		}()
	}
	return e.rates
}

// RefreshRates reads the margin rates of the migration offers' brands now
// (brandRates reads them in the background; a test or a command that must
// decide with them calls this first).
func (e *Engine) RefreshRates(ctx context.Context) error {
	defer func() {
		e.mu.Lock()
		e.ratesBusy = false
		e.mu.Unlock()
	}()
	cfg, err := e.config(ctx)
	if err != nil {
		return err
	}
	if len(cfg.migration) == 0 {
		return nil
	}
	got, err := e.db.BrandMarginRates(ctx, e.cur, cfg.migration)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.rates, e.ratesAt, e.ratesOf = got, time.Now(), cfg.version
	e.mu.Unlock()
	return nil
}

// RefreshStats makes the next decision read the offers' counts again.
func (e *Engine) RefreshStats() {
	e.mu.Lock()
	e.statsAt = time.Time{}
	e.mu.Unlock()
}
