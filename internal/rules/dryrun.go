package rules

import (
	"context"
	"sort"
	"time"

	"clientele"
	"clientele/internal/store"
)

// DryRun is what a trigger would have done over past data.
type DryRun struct {
	Trigger   string    `json:"trigger"`
	Since     time.Time `json:"since"`
	Until     time.Time `json:"until"`
	Customers int64     `json:"customers_seen"`
	Facts     int64     `json:"facts_evaluated"`
	Fired     int64     `json:"fired"`
	// FiredCustomers is how many customers it fired for at least once.
	FiredCustomers int64            `json:"fired_customers"`
	HeldOut        int64            `json:"held_out"`
	Sent           int64            `json:"sent"`
	Suppressed     int64            `json:"suppressed"`
	Errors         int64            `json:"errors"`
	LastError      string           `json:"last_error,omitempty"`
	Offers         map[string]int64 `json:"offers"` // chosen, by code
	Refusals       map[string]int64 `json:"refusals"`
	Examples       []DryRunFire     `json:"examples"`
}

// DryRunFire is one firing of a dry run.
type DryRunFire struct {
	CustomerID string    `json:"customer_id" personal:"id"`
	Fact       string    `json:"fact"`
	At         time.Time `json:"at"`
	Status     string    `json:"status"`
	Offers     []string  `json:"offers"`
}

// MaxExamples bounds the firings a dry run lists.
const MaxExamples = 20

// DryRun replays every customer's history through trigger t (which need
// not be saved) as if it had been live from since to until: counters are
// rebuilt fact by fact from the first, the trigger fires as it would have
// (once, cooldown, hold-out), and arbitration chooses under the consent
// and segments customers have now and the contacts of this trigger alone.
// Nothing is written. progress, when not nil, is called after each page
// of customers with the number seen.
func (e *Engine) DryRun(ctx context.Context, t clientele.Trigger, since, until time.Time, progress func(int64)) (*DryRun, error) {
	if err := e.CheckTrigger(ctx, &t); err != nil {
		return nil, err
	}
	prg, err := Compile("trigger", t.When)
	if err != nil {
		return nil, err
	}
	cfg, err := e.config(ctx)
	if err != nil {
		return nil, err
	}
	products, err := e.db.ProductKeys(ctx)
	if err != nil {
		return nil, err
	}
	tr := &trigger{def: t, prg: prg}
	mk := e.market(ctx, cfg)
	out := &DryRun{Trigger: t.Name, Since: since, Until: until, Offers: map[string]int64{}, Refusals: map[string]int64{}, Examples: []DryRunFire{}}
	ev := newEvaluation()
	after := ""
	for {
		ids, err := e.db.CustomerPage(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			return out, nil
		}
		after = ids[len(ids)-1]
		facts, err := e.db.History(ctx, ids, products)
		if err != nil {
			return nil, err
		}
		standings, err := e.db.Standings(ctx, ids, until)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(facts, func(i, j int) bool {
			if a, b := facts[i].CustomerID(), facts[j].CustomerID(); a != b {
				return a < b
			}
			return facts[i].Time().Before(facts[j].Time())
		})
		var st *custState
		cur := ""
		fired := false
		for i := range facts {
			f := &facts[i]
			if c := f.CustomerID(); c != cur {
				cur, fired = c, false
				s := standings[c]
				if s == nil {
					continue
				}
				// As if it had been live: no firing, no contact yet.
				s.Triggers, s.Contacts = map[int64]store.TriggerState{}, nil
				st = newState(nil, s, e.minor)
				out.Customers++
			}
			if st == nil || st.standing.Customer.ID != cur {
				continue
			}
			st.apply(f)
			at := f.Time()
			typ := ""
			if f.Event != nil {
				typ = f.Event.Type
			}
			if at.Before(since) || at.After(until) || !t.Listens(f.Kind, typ) || !tr.due(st.standing, at) {
				continue
			}
			out.Facts++
			ev.state, ev.fact, ev.at = st, f, at
			e.vars(ev, f, st.standing, at)
			ok, err := prg.eval(ev)
			if err != nil {
				out.Errors++
				out.LastError = f.Name() + ": " + err.Error()
				continue
			}
			if !ok {
				continue
			}
			out.Fired++
			if !fired {
				out.FiredCustomers++
				fired = true
			}
			ts := st.standing.Triggers[t.ID]
			ts.Fires++
			ts.Last = at
			st.standing.Triggers[t.ID] = ts
			ex := DryRunFire{CustomerID: cur, Fact: f.Name(), At: at, Offers: []string{}}
			if HeldOut(cur, t.ID, t.Holdout) {
				out.HeldOut++
				ex.Status = clientele.DecisionHeldOut
			} else {
				seg := ""
				if len(st.standing.Segments) > 0 {
					seg = st.standing.Segments[0]
				}
				opts := e.arbitrate(cfg, mk, t.Then, t.Weight, st, ev, seg, at)
				contact := store.Contact{At: at}
				for _, o := range opts {
					if o.Chosen {
						out.Offers[o.Offer]++
						ex.Offers = append(ex.Offers, o.Offer)
						contact.Offers = append(contact.Offers, o.Offer)
						contact.Sales = contact.Sales || o.Class == clientele.OfferSales || o.Class == clientele.OfferMigration
					} else {
						out.Refusals[o.Reason]++
					}
				}
				if len(ex.Offers) > 0 {
					out.Sent++
					ex.Status = clientele.DecisionSent
					st.standing.Contacts = append(st.standing.Contacts, contact)
				} else {
					out.Suppressed++
					ex.Status = clientele.DecisionSuppressed
				}
			}
			if len(out.Examples) < MaxExamples {
				out.Examples = append(out.Examples, ex)
			}
		}
		if progress != nil {
			progress(out.Customers)
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}
