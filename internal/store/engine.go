package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"clientele"
)

// The real-time engine's tables: the offer catalogue, the triggers with
// their versions, each customer's standing with a trigger, the decisions,
// the offers made and their responses, and the engine's settings. The
// engine itself is package rules; the outbox is outbox.go.

// ---- offers ----

// PutOffer creates or replaces the offer o.Code; o must be valid.
func (db *DB) PutOffer(ctx context.Context, o clientele.Offer) error {
	return db.Write(ctx, func(w *Writer) error { return w.PutOffer(ctx, o) })
}

// PutOffer is DB.PutOffer in w's transaction.
func (w *Writer) PutOffer(ctx context.Context, o clientele.Offer) error {
	def, err := json.Marshal(o)
	if err != nil {
		return err
	}
	if _, err := w.q.exec(ctx, `INSERT INTO offers (code, class, brand, segment, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
		ON CONFLICT (code) DO UPDATE SET class = excluded.class, brand = excluded.brand, segment = excluded.segment, definition = excluded.definition, updated_at = excluded.updated_at`,
		o.Code, o.Class, o.Brand, o.Segment, string(def), w.db.ts(w.now)); err != nil {
		return fmt.Errorf("offer %s: %w", o.Code, err)
	}
	return w.bumpEngine(ctx)
}

// DeleteOffer removes offer code from the catalogue (the decisions that
// made it keep its code).
func (db *DB) DeleteOffer(ctx context.Context, code string) error {
	return db.Write(ctx, func(w *Writer) error {
		n, err := w.q.exec(ctx, `DELETE FROM offers WHERE code = $1`, code)
		if err != nil {
			return fmt.Errorf("offer %s: %w", code, err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no offer %q", code)
		}
		return w.bumpEngine(ctx)
	})
}

// Offers returns the catalogue, by code.
func (db *DB) Offers(ctx context.Context) ([]clientele.Offer, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT definition FROM offers ORDER BY code`)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Offer, error) {
		var def string
		if err := sc.Scan(&def); err != nil {
			return clientele.Offer{}, err
		}
		o := clientele.NewOffer()
		err := json.Unmarshal([]byte(def), &o)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("offers: %w", err)
	}
	return out, nil
}

// ---- triggers ----

// PutTrigger creates trigger t.Name or, when its definition changed,
// makes a new version of it; t must be valid. It returns the trigger as
// stored.
func (db *DB) PutTrigger(ctx context.Context, t clientele.Trigger, by string) (clientele.Trigger, error) {
	var saved clientele.Trigger
	err := db.Write(ctx, func(w *Writer) error {
		var err error
		saved, err = w.PutTrigger(ctx, t, by)
		return err
	})
	return saved, err
}

// PutTrigger is DB.PutTrigger in w's transaction.
func (w *Writer) PutTrigger(ctx context.Context, t clientele.Trigger, by string) (clientele.Trigger, error) {
	t.ID, t.Version, t.Errors, t.LastError, t.LastErrorAt, t.UpdatedAt = 0, 0, 0, "", time.Time{}, time.Time{}
	def, err := json.Marshal(t)
	if err != nil {
		return t, err
	}
	now := w.now.Truncate(time.Microsecond)
	err = func() error {
		var id int64
		var version int
		var old string
		err := w.row(ctx, `SELECT id, version, definition FROM triggers WHERE name = $1`, t.Name).Scan(&id, &version, &old)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			version = 1
			if id, err = w.insertReturning(ctx, `INSERT INTO triggers (name, segment, version, definition, enabled, created_at, updated_at)
				VALUES ($1, $2, 1, $3, $4, $5, $5) RETURNING id`, t.Name, t.Segment, string(def), t.Enabled, w.db.ts(now)); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			if sameJSON(old, string(def)) {
				t.ID, t.Version = id, version
				return nil
			}
			version++
			if _, err := w.q.exec(ctx, `UPDATE triggers SET segment = $1, version = $2, definition = $3, enabled = $4, updated_at = $5 WHERE id = $6`,
				t.Segment, version, string(def), t.Enabled, w.db.ts(now), id); err != nil {
				return err
			}
		}
		if _, err := w.q.exec(ctx, `INSERT INTO trigger_versions (trigger_id, version, definition, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
			id, version, string(def), w.db.ts(now), by); err != nil {
			return err
		}
		t.ID, t.Version, t.UpdatedAt = id, version, now
		return w.bumpEngine(ctx)
	}()
	if err != nil {
		return t, fmt.Errorf("trigger %s: %w", t.Name, err)
	}
	return t, nil
}

func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return a == b
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

// insertReturning runs an INSERT … RETURNING of one integer.
func (w *Writer) insertReturning(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := w.row(ctx, q, args...).Scan(&id)
	return id, err
}

// DeleteTrigger removes trigger name and its versions and standing; the
// decisions it made stay, with its id.
func (db *DB) DeleteTrigger(ctx context.Context, name string) error {
	return db.Write(ctx, func(w *Writer) error {
		n, err := w.q.exec(ctx, `DELETE FROM triggers WHERE name = $1`, name)
		if err != nil {
			return fmt.Errorf("trigger %s: %w", name, err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no trigger %q", name)
		}
		return w.bumpEngine(ctx)
	})
}

const triggerSelect = `SELECT id, version, definition, enabled, errors, last_error, last_error_at, updated_at FROM triggers`

func scanTrigger(sc scanner) (clientele.Trigger, error) {
	var id int64
	var version int
	var def, lastErr string
	var enabled bool
	var errs int64
	var lastAt, updated time.Time
	if err := sc.Scan(&id, &version, &def, &enabled, &errs, &lastErr, timeCol{&lastAt}, timeCol{&updated}); err != nil {
		return clientele.Trigger{}, err
	}
	t := clientele.NewTrigger()
	if err := json.Unmarshal([]byte(def), &t); err != nil {
		return t, err
	}
	t.ID, t.Version, t.Enabled, t.Errors, t.LastError, t.LastErrorAt, t.UpdatedAt = id, version, enabled, errs, lastErr, lastAt, updated
	return t, nil
}

// Triggers returns every trigger, by name.
func (db *DB) Triggers(ctx context.Context) ([]clientele.Trigger, error) {
	rows, err := db.r.QueryContext(ctx, triggerSelect+` ORDER BY name`)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Trigger, error) { return scanTrigger(sc) })
	if err != nil {
		return nil, fmt.Errorf("triggers: %w", err)
	}
	return out, nil
}

// Trigger returns trigger name.
func (db *DB) Trigger(ctx context.Context, name string) (clientele.Trigger, error) {
	t, err := scanTrigger(db.r.QueryRowContext(ctx, triggerSelect+` WHERE name = $1`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return t, clientele.Errorf(clientele.ENOTFOUND, "no trigger %q", name)
	}
	if err != nil {
		return t, fmt.Errorf("trigger %s: %w", name, err)
	}
	return t, nil
}

// TriggerVersion returns version v of trigger id as it was defined.
func (db *DB) TriggerVersion(ctx context.Context, id int64, v int) (clientele.Trigger, error) {
	t := clientele.NewTrigger()
	var def string
	err := db.r.QueryRowContext(ctx, `SELECT definition FROM trigger_versions WHERE trigger_id = $1 AND version = $2`, id, v).Scan(&def)
	if errors.Is(err, sql.ErrNoRows) {
		return t, clientele.Errorf(clientele.ENOTFOUND, "trigger %d has no version %d", id, v)
	}
	if err == nil {
		err = json.Unmarshal([]byte(def), &t)
	}
	t.ID, t.Version = id, v
	return t, err
}

// SetTriggerEnabled switches trigger name on or off (no new version).
func (db *DB) SetTriggerEnabled(ctx context.Context, name string, on bool) error {
	return db.Write(ctx, func(w *Writer) error {
		n, err := w.q.exec(ctx, `UPDATE triggers SET enabled = $1 WHERE name = $2`, on, name)
		if err != nil {
			return fmt.Errorf("trigger %s: %w", name, err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no trigger %q", name)
		}
		return w.bumpEngine(ctx)
	})
}

// RuleErrors adds, in w's transaction, n run-time errors to trigger id,
// the last of them msg.
func (w *Writer) RuleErrors(ctx context.Context, id int64, n int64, msg string, at time.Time) error {
	if len(msg) > 1000 {
		msg = clientele.Excerpt(msg)
	}
	_, err := w.q.exec(ctx, `UPDATE triggers SET errors = errors + $1, last_error = $2, last_error_at = $3 WHERE id = $4`, n, msg, w.db.ts(at), id)
	if err != nil {
		return fmt.Errorf("trigger %d: record its error: %w", id, err)
	}
	return nil
}

// ---- settings ----

const (
	engineVersionKey = "version"
	contactPolicyKey = "contact_policy"
)

// bumpEngine raises the engine's version: servers reload what changed.
func (w *Writer) bumpEngine(ctx context.Context) error {
	_, err := w.q.exec(ctx, `INSERT INTO engine_settings (key, value) VALUES ($1, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(engine_settings.value AS INTEGER) + 1 AS TEXT)`, engineVersionKey)
	return err
}

// EngineVersion returns the version of the engine's offers, triggers and
// settings: it changes with each of them.
func (db *DB) EngineVersion(ctx context.Context) (int64, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM engine_settings WHERE key = $1`, engineVersionKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("engine version: %w", err)
	}
	return strconv.ParseInt(v, 10, 64)
}

// ContactPolicy returns the contact policy (the default until one is set).
func (db *DB) ContactPolicy(ctx context.Context) (clientele.ContactPolicy, error) {
	p := clientele.DefaultContactPolicy
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM engine_settings WHERE key = $1`, contactPolicyKey).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return p, nil
	}
	if err == nil {
		err = json.Unmarshal([]byte(v), &p)
	}
	if err != nil {
		return p, fmt.Errorf("contact policy: %w", err)
	}
	return p, nil
}

// SetContactPolicy sets the contact policy; p must be valid.
func (db *DB) SetContactPolicy(ctx context.Context, p clientele.ContactPolicy) error {
	return db.Write(ctx, func(w *Writer) error { return w.SetContactPolicy(ctx, p) })
}

// SetContactPolicy is DB.SetContactPolicy in w's transaction.
func (w *Writer) SetContactPolicy(ctx context.Context, p clientele.ContactPolicy) error {
	b, _ := json.Marshal(p)
	if _, err := w.q.exec(ctx, `INSERT INTO engine_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, contactPolicyKey, string(b)); err != nil {
		return fmt.Errorf("contact policy: %w", err)
	}
	return w.bumpEngine(ctx)
}

// ---- a customer's standing ----

// TriggerState is a customer's standing with one trigger.
type TriggerState struct {
	Fires int64
	Last  time.Time
}

// Standing is what the engine needs to know of a customer to arbitrate:
// its standing with each trigger, its profile, and its recent decisions.
type Standing struct {
	Triggers map[int64]TriggerState
	// Contacts are the sent decisions of the last 30 days or more (see
	// Standing's since), newest last.
	Contacts []Contact
	Consents map[string]string // purpose → status
	Segments []string          // names, by segment id
	Customer clientele.Customer
	Tier     string // the highest tier of the customer's open primary accounts
	Score    *clientele.Score
}

// Contact is one sent decision of a customer, for the contact policy and
// the offers' cooldowns.
type Contact struct {
	At     time.Time
	Sales  bool
	Care   bool
	Offers []string
}

// Standings reads, in w's transaction, the standing of customers, with
// their contacts since since.
func (w *Writer) Standings(ctx context.Context, customers []string, since time.Time) (map[string]*Standing, error) {
	return standings(ctx, w.db, w.q.query, w.inChunks, customers, since)
}

// Standing reads the standing of customer, with its contacts since since.
func (db *DB) Standing(ctx context.Context, customer string, since time.Time) (*Standing, error) {
	m, err := standings(ctx, db, db.readQuery, one, []string{customer}, since)
	if err != nil {
		return nil, err
	}
	return m[customer], nil
}

func standings(ctx context.Context, db *DB, query queryFunc, chunks func([]string, func(string, []any) error) error, customers []string, since time.Time) (map[string]*Standing, error) {
	out := make(map[string]*Standing, len(customers))
	for _, c := range customers {
		out[c] = &Standing{Triggers: map[int64]TriggerState{}, Consents: map[string]string{}, Customer: clientele.Customer{ID: c}}
	}
	err := chunks(customers, func(in string, args []any) error {
		q := func(sql string, scan func(rowIter) error, extra ...any) error {
			rows, err := query(ctx, sql, append(append([]any(nil), args...), extra...)...)
			return eachRow(rows, err, scan)
		}
		n := strconv.Itoa(len(args) + 1)
		if err := q(`SELECT customer_id, trigger_id, fires, last_fired_at FROM trigger_state WHERE customer_id IN (`+in+`)`, func(r rowIter) error {
			var c string
			var id int64
			var s TriggerState
			if err := r.Scan(&c, &id, &s.Fires, timeCol{&s.Last}); err != nil {
				return err
			}
			out[c].Triggers[id] = s
			return nil
		}); err != nil {
			return err
		}
		if err := q(`SELECT customer_id, fact_at, sales, care, offers FROM decisions WHERE customer_id IN (`+in+`) AND status = 'sent' AND fact_at >= $`+n+` ORDER BY customer_id, fact_at, id`, func(r rowIter) error {
			var c, offers string
			var k Contact
			var sales, care int64
			if err := r.Scan(&c, timeCol{&k.At}, &sales, &care, &offers); err != nil {
				return err
			}
			k.Sales, k.Care = sales > 0, care > 0
			var opts []clientele.Option
			if err := json.Unmarshal([]byte(offers), &opts); err != nil {
				return err
			}
			for _, o := range opts {
				if o.Chosen {
					k.Offers = append(k.Offers, o.Offer)
				}
			}
			out[c].Contacts = append(out[c].Contacts, k)
			return nil
		}, db.ts(since)); err != nil {
			return err
		}
		if err := q(`SELECT customer_id, purpose, status FROM consents WHERE customer_id IN (`+in+`)`, func(r rowIter) error {
			var c, p, s string
			if err := r.Scan(&c, &p, &s); err != nil {
				return err
			}
			out[c].Consents[p] = s
			return nil
		}); err != nil {
			return err
		}
		if err := q(`SELECT m.customer_id, s.name FROM segment_members m JOIN segments s ON s.id = m.segment_id WHERE m.customer_id IN (`+in+`) ORDER BY m.customer_id, s.id`, func(r rowIter) error {
			var c, s string
			if err := r.Scan(&c, &s); err != nil {
				return err
			}
			out[c].Segments = append(out[c].Segments, s)
			return nil
		}); err != nil {
			return err
		}
		if err := q(`SELECT id, city, household_id, birth_date, attributes, created_at FROM customers WHERE id IN (`+in+`)`, func(r rowIter) error {
			var c clientele.Customer
			var attrs []byte
			if err := r.Scan(&c.ID, &c.City, &c.HouseholdID, dateCol{&c.BirthDate}, &attrs, timeCol{&c.CreatedAt}); err != nil {
				return err
			}
			if len(attrs) > 0 {
				json.Unmarshal(attrs, &c.Attributes)
			}
			out[c.ID].Customer = c
			return nil
		}); err != nil {
			return err
		}
		if err := q(`SELECT customer_id, tier FROM accounts WHERE customer_id IN (`+in+`) AND parent_id IS NULL AND closed_on IS NULL AND tier <> ''`, func(r rowIter) error {
			var c, tier string
			if err := r.Scan(&c, &tier); err != nil {
				return err
			}
			if tierRank[tier] > tierRank[out[c].Tier] || out[c].Tier == "" {
				out[c].Tier = tier
			}
			return nil
		}); err != nil {
			return err
		}
		return q(`SELECT customer_id, p_alive, expected_purchases, expected_spend, dert, clv FROM scores WHERE run_id = (SELECT max(run_id) FROM scores) AND customer_id IN (`+in+`)`, func(r rowIter) error {
			var s clientele.Score
			if err := r.Scan(&s.CustomerID, &s.ProbAlive, &s.ExpectedPurchases, &s.ExpectedSpend, &s.DERT, &s.CLV); err != nil {
				return err
			}
			out[s.CustomerID].Score = &s
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("customers' standing: %w", err)
	}
	return out, nil
}

// Fired records, in w's transaction, that trigger id fired for customer at
// at.
func (w *Writer) Fired(ctx context.Context, customer string, id int64, at time.Time) error {
	_, err := w.q.exec(ctx, `INSERT INTO trigger_state (customer_id, trigger_id, fires, last_fired_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (customer_id, trigger_id) DO UPDATE SET fires = trigger_state.fires + 1, last_fired_at = excluded.last_fired_at`,
		customer, id, w.db.ts(at))
	if err != nil {
		return fmt.Errorf("trigger %d fired for %s: %w", id, customer, err)
	}
	return nil
}

// ---- decisions ----

// Decide stores d in w's transaction and returns its id; for a sent
// decision it records each chosen offer as made (pending a response),
// under the customer's segment.
func (w *Writer) Decide(ctx context.Context, d *clientele.Decision, segment string) (int64, error) {
	offers, err := json.Marshal(d.Offers)
	if err != nil {
		return 0, err
	}
	var sales, care int
	for _, o := range d.Offers {
		if !o.Chosen {
			continue
		}
		switch o.Class {
		case clientele.OfferSales, clientele.OfferMigration:
			sales = 1
		case clientele.OfferCare:
			care = 1
		}
	}
	var trig any
	if d.TriggerID != 0 {
		trig = d.TriggerID
	}
	id, err := w.insertReturning(ctx, `INSERT INTO decisions (customer_id, at, fact_at, trigger_id, trigger_version, fact, status, sales, care, offers)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		d.CustomerID, w.db.ts(d.At), w.db.ts(d.FactAt), trig, d.TriggerVersion, d.Fact, d.Status, sales, care, string(offers))
	if err != nil {
		return 0, fmt.Errorf("decision for %s: %w", d.CustomerID, err)
	}
	d.ID = id
	if d.Status != clientele.DecisionSent {
		return id, nil
	}
	var rows [][]any
	for _, o := range d.Offers {
		if o.Chosen {
			rows = append(rows, []any{id, o.Offer, d.CustomerID, segment, ResponsePending, w.db.ts(d.At)})
		}
	}
	if _, _, err := w.q.insert(ctx, "offer_responses", []string{"decision_id", "offer", "customer_id", "segment", "response", "at"}, rows, "", ""); err != nil {
		return 0, fmt.Errorf("decision for %s: %w", d.CustomerID, err)
	}
	return id, nil
}

const decisionSelect = `SELECT d.id, d.customer_id, d.at, d.fact_at, COALESCE(d.trigger_id, 0), COALESCE(t.name, ''), d.trigger_version, d.fact, d.status, d.offers
	FROM decisions d LEFT JOIN triggers t ON t.id = d.trigger_id`

func scanDecision(sc scanner) (clientele.Decision, error) {
	var d clientele.Decision
	var offers string
	if err := sc.Scan(&d.ID, &d.CustomerID, timeCol{&d.At}, timeCol{&d.FactAt}, &d.TriggerID, &d.Trigger, &d.TriggerVersion, &d.Fact, &d.Status, &offers); err != nil {
		return d, err
	}
	err := json.Unmarshal([]byte(offers), &d.Offers)
	return d, err
}

// Decisions returns the decisions about customer (all customers when
// empty), newest first, at most limit.
func (db *DB) Decisions(ctx context.Context, customer string, limit int) ([]clientele.Decision, error) {
	q, args := decisionSelect+` ORDER BY d.id DESC LIMIT $1`, []any{limit}
	if customer != "" {
		q, args = decisionSelect+` WHERE d.customer_id = $1 ORDER BY d.id DESC LIMIT $2`, []any{customer, limit}
	}
	rows, err := db.r.QueryContext(ctx, q, args...)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Decision, error) { return scanDecision(sc) })
	if err != nil {
		return nil, fmt.Errorf("decisions: %w", err)
	}
	return out, nil
}

// Decision returns decision id.
func (db *DB) Decision(ctx context.Context, id int64) (clientele.Decision, error) {
	d, err := scanDecision(db.r.QueryRowContext(ctx, decisionSelect+` WHERE d.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, clientele.Errorf(clientele.ENOTFOUND, "no decision %d", id)
	}
	return d, err
}

// ---- responses ----

// Responses to an offer made.
const (
	ResponsePending  = "pending"
	ResponseRedeemed = "redeemed"
	ResponseDeclined = "declined"
	ResponseIgnored  = "ignored"
)

// Response is a customer's answer to an offer of a decision.
type Response struct {
	DecisionID int64     `json:"decision_id"`
	Offer      string    `json:"offer"`
	Response   string    `json:"response"`
	At         time.Time `json:"at"`
}

// Respond records r; it returns ENOTFOUND when the decision did not make
// the offer. A later answer replaces an earlier one.
func (w *Writer) Respond(ctx context.Context, r Response) error {
	n, err := w.q.exec(ctx, `UPDATE offer_responses SET response = $1, answered_at = $2 WHERE decision_id = $3 AND offer = $4`,
		r.Response, w.db.ts(r.At), r.DecisionID, r.Offer)
	if err != nil {
		return fmt.Errorf("response to decision %d: %w", r.DecisionID, err)
	}
	if n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "decision %d made no offer %q", r.DecisionID, clientele.Excerpt(r.Offer))
	}
	return nil
}

// OfferCount is how often an offer was made in a segment and redeemed.
type OfferCount struct {
	Offer, Segment string
	Made, Redeemed int64
}

// OfferCounts returns, per offer and segment, how often it was made and
// redeemed: the data of the propensities.
func (db *DB) OfferCounts(ctx context.Context) ([]OfferCount, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT offer, segment, count(*), sum(CASE WHEN response = 'redeemed' THEN 1 ELSE 0 END)
		FROM offer_responses GROUP BY offer, segment ORDER BY offer, segment`)
	out, err := collect(rows, err, func(sc *sql.Rows) (OfferCount, error) {
		var c OfferCount
		err := sc.Scan(&c.Offer, &c.Segment, &c.Made, &c.Redeemed)
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("offer counts: %w", err)
	}
	return out, nil
}

// Standings reads the standing of customers, with their contacts since
// since.
func (db *DB) Standings(ctx context.Context, customers []string, since time.Time) (map[string]*Standing, error) {
	return standings(ctx, db, db.readQuery, (&Writer{db: db}).inChunks, customers, since)
}

// CustomerPage returns up to n customer ids after after, in id order: to
// go through every customer a page at a time.
func (db *DB) CustomerPage(ctx context.Context, after string, n int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id FROM customers WHERE id > $1 ORDER BY id LIMIT $2`, after, n)
	out, err := collect(rows, err, scanString)
	if err != nil {
		return nil, fmt.Errorf("customers: %w", err)
	}
	return out, nil
}

// TriggerDecisions returns trigger id's sent and held-out decisions about
// facts from since to until, in id order.
func (db *DB) TriggerDecisions(ctx context.Context, id int64, since, until time.Time) ([]clientele.Decision, error) {
	rows, err := db.r.QueryContext(ctx, decisionSelect+` WHERE d.trigger_id = $1 AND d.fact_at >= $2 AND d.fact_at < $3 AND d.status IN ('sent', 'held_out') ORDER BY d.id`,
		id, db.ts(since), db.ts(until))
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Decision, error) { return scanDecision(sc) })
	if err != nil {
		return nil, fmt.Errorf("decisions of trigger %d: %w", id, err)
	}
	return out, nil
}

// Purchase is one transaction as the uplift report sees it.
type Purchase struct {
	At     time.Time
	Margin int64 // 0 when unknown
	Known  bool  // the margin was known
	SKUs   []string
}

// Purchases returns the transactions of customers after since, by
// customer, with their lines' SKUs.
func (db *DB) Purchases(ctx context.Context, customers []string, since time.Time) (map[string][]Purchase, error) {
	out := map[string][]Purchase{}
	err := (&Writer{db: db}).inChunks(customers, func(in string, args []any) error {
		n := strconv.Itoa(len(args) + 1)
		rows, err := db.r.QueryContext(ctx, `SELECT t.customer_id, t.id, t.time, t.margin, COALESCE(l.sku, '') FROM transactions t
			LEFT JOIN transaction_lines l ON l.customer_id = t.customer_id AND l.transaction_id = t.id
			WHERE t.customer_id IN (`+in+`) AND t.time > $`+n+` ORDER BY t.customer_id, t.id, l.line_no`, append(args, db.ts(since))...)
		last := ""
		return each(rows, err, func(sc *sql.Rows) error {
			var c, id, sku string
			var p Purchase
			var margin sql.NullInt64
			if err := sc.Scan(&c, &id, timeCol{&p.At}, &margin, &sku); err != nil {
				return err
			}
			ps := out[c]
			if key := c + "\x00" + id; key != last || len(ps) == 0 {
				last = key
				p.Margin, p.Known = margin.Int64, margin.Valid
				ps = append(ps, p)
			}
			if sku != "" {
				ps[len(ps)-1].SKUs = append(ps[len(ps)-1].SKUs, sku)
			}
			out[c] = ps
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("purchases: %w", err)
	}
	return out, nil
}

// Redemptions returns, per decision of ids, how many of its offers were
// redeemed.
func (db *DB) Redemptions(ctx context.Context, ids []int64) (map[int64]int64, error) {
	out := map[int64]int64{}
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = strconv.FormatInt(id, 10)
	}
	err := (&Writer{db: db}).inChunks(strs, func(in string, args []any) error {
		for i := range args {
			args[i], _ = strconv.ParseInt(args[i].(string), 10, 64)
		}
		rows, err := db.r.QueryContext(ctx, `SELECT decision_id, count(*) FROM offer_responses WHERE response = 'redeemed' AND decision_id IN (`+in+`) GROUP BY decision_id`, args...)
		return each(rows, err, func(sc *sql.Rows) error {
			var id, n int64
			if err := sc.Scan(&id, &n); err != nil {
				return err
			}
			out[id] = n
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("redemptions: %w", err)
	}
	return out, nil
}
