package segment

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"clientele"
	"clientele/internal/store"
)

// Segments kept up to date fact by fact. Live is a store.Engine: every
// transaction a writer stores, and every customer profile and account it
// stores, makes it evaluate every segment computed in full at least once
// (Refresh) for that customer, in the same database transaction, and record who
// joins and who leaves with the definition and the fact in the history.
// The full computation (Refresh) stays, as the repair, and Check compares
// the two.
//
// Between two full computations Live works on the basis of the last one:
// its currency and window, and its RFM cut points, which place a customer
// in the quintiles the whole population had then (the cut points move only
// with a full computation). Variables that change with the clock alone —
// age, tenure, days since the last purchase, the window's spend — are as of
// the fact, or as of the last full computation when that is later; a
// segment that depends on them drifts between full computations, and Check
// says by how much.

// Basis is what a full computation of the segments was made with.
type Basis struct {
	Currency clientele.Currency `json:"currency"`
	Window   time.Duration      `json:"window_ns"`
	AsOf     time.Time          `json:"as_of"`
	Cuts     RFMCuts            `json:"rfm_cuts"`
}

// RFMCuts are the cut points of the RFM quintiles: for recency (minus the
// days since the last purchase), frequency (transactions) and monetary
// value (revenue), the least key of the second quintile and above, of the
// third and above, and so on; fewer than four when the top quintiles are
// empty. A key's quintile is 1 + the number of cut points at or below it.
type RFMCuts struct {
	R []float64 `json:"r"`
	F []float64 `json:"f"`
	M []float64 `json:"m"`
}

// place sets in's RFM quintiles from the cut points.
func (c *RFMCuts) place(in *Input) {
	*in.RFM = RFM{}
	if in.Activity.Transactions == 0 {
		return
	}
	for m, cuts := range [3][]float64{c.R, c.F, c.M} {
		k := rfmKeys[m](in)
		q := int64(1)
		for _, cut := range cuts {
			if cut <= k {
				q++
			}
		}
		in.RFM.set(m, q)
	}
	in.RFM.Score = 100*in.RFM.R + 10*in.RFM.F + in.RFM.M
}

// defaultWindow is the window before the first full computation.
const defaultWindow = 365 * 24 * time.Hour

// Live keeps the segments of one database up to date as facts are stored.
// Install it with store.DB.SetEngine (before the rules engine, whose
// triggers then see the segments the fact has made).
type Live struct {
	cur clientele.Currency // before the first full computation

	mu    sync.Mutex
	progs map[string]*Program // by definition
}

// NewLive returns the live segments of a firm whose currency is cur.
func NewLive(cur clientele.Currency) *Live {
	return &Live{cur: cur, progs: map[string]*Program{}}
}

// program returns the compiled definition.
func (l *Live) program(def string) (*Program, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if p := l.progs[def]; p != nil {
		return p, nil
	}
	p, err := Compile(def)
	if err != nil {
		return nil, err
	}
	if len(l.progs) > 1000 { // definitions of deleted segments
		clear(l.progs)
	}
	l.progs[def] = p
	return p, nil
}

// Apply is the store's hook: it sees facts just stored in w's transaction.
// Only transactions change a segment's variables; events leave them as
// they are.
func (l *Live) Apply(ctx context.Context, w *store.Writer, facts []store.Fact) error {
	causes := map[string]store.Change{} // each customer's latest transaction
	var end time.Time
	for i := range facts {
		f := &facts[i]
		if f.Transaction == nil {
			continue
		}
		c := f.CustomerID()
		if g, ok := causes[c]; !ok || !f.Time().Before(g.At) {
			causes[c] = store.Change{CustomerID: c, Fact: f.Name(), At: f.Time()}
		}
		// Just after the latest fact, at the times' stored resolution.
		end = maxTime(end, f.Time().Truncate(time.Microsecond).Add(time.Microsecond))
	}
	return l.update(ctx, w, causes, end, end)
}

// Profiles is the store's hook for customers whose profile or accounts w
// has just stored: their segments are evaluated as of the last full
// computation (or of the change, before one).
func (l *Live) Profiles(ctx context.Context, w *store.Writer, changes []store.Change) error {
	causes := make(map[string]store.Change, len(changes))
	var at time.Time
	for _, c := range changes {
		causes[c.CustomerID] = c
		at = maxTime(at, c.At)
	}
	return l.update(ctx, w, causes, time.Time{}, at)
}

// update evaluates every segment for the customers of causes, as of end or
// of the last full computation when that is later (as of orElse without
// either), and records who joins and leaves with the cause.
func (l *Live) update(ctx context.Context, w *store.Writer, causes map[string]store.Change, end, orElse time.Time) error {
	if len(causes) == 0 {
		return nil
	}
	all, err := w.Segments(ctx)
	if err != nil {
		return err
	}
	// A segment is kept up to date from its first full computation on:
	// before it, there is no membership to keep, nor RFM cut points.
	segs := slices.DeleteFunc(all, func(s clientele.Segment) bool { return s.ComputedAt.IsZero() })
	if len(segs) == 0 {
		return nil
	}
	basis, err := readBasis(w.SegmentBasis(ctx))
	if err != nil {
		return err
	}
	if basis == nil {
		basis = &Basis{Currency: l.cur, Window: defaultWindow}
	}
	end = maxTime(end, basis.AsOf)
	if end.IsZero() {
		end = orElse
	}
	customers := make([]string, 0, len(causes))
	for c := range causes {
		customers = append(customers, c)
	}
	slices.Sort(customers)
	feats, err := w.Features(ctx, basis.Currency, end.Add(-basis.Window), end, customers)
	if err != nil {
		return err
	}
	list := make([]*store.Features, 0, len(feats))
	for _, c := range customers {
		if f := feats[c]; f != nil {
			list = append(list, f)
		}
	}
	ins, err := inputsOf(list, basis, end)
	if err != nil {
		return err
	}
	members, err := w.Memberships(ctx, customers)
	if err != nil {
		return err
	}
	for _, in := range ins {
		basis.Cuts.place(in)
	}
	var changes []store.LiveChange
	for _, s := range segs {
		prg, err := l.program(s.Definition)
		if err != nil {
			// Checked when it was created; one that no longer compiles
			// (a variable renamed since) never blocks a fact: the full
			// computation reports it.
			continue
		}
		for _, in := range ins {
			ok, _ := prg.Match(in) // a failed evaluation is not a match, as in Refresh
			if ok == members[in.ID][s.ID] {
				continue
			}
			c := causes[in.ID]
			changes = append(changes, store.LiveChange{SegmentID: s.ID, CustomerID: in.ID, Joined: ok,
				Reason: s.Definition, Fact: c.Fact, At: c.At})
		}
	}
	return w.ApplyLive(ctx, changes)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// StoredBasis returns the basis of the last full computation, nil before
// the first.
func StoredBasis(ctx context.Context, db *store.DB) (*Basis, error) {
	return readBasis(db.SegmentBasis(ctx))
}

// readBasis decodes a stored basis; nil before the first full computation.
func readBasis(b []byte, err error) (*Basis, error) {
	if err != nil || b == nil {
		return nil, err
	}
	var basis Basis
	if err := json.Unmarshal(b, &basis); err != nil {
		return nil, fmt.Errorf("segment basis: %w", err)
	}
	return &basis, nil
}

// saveBasis records the basis of a full computation.
func saveBasis(ctx context.Context, db *store.DB, b *Basis) error {
	v, err := json.Marshal(b)
	if err != nil {
		return err
	}
	return db.SetSegmentBasis(ctx, v)
}

// Check computes the membership of the segments (all when names is empty)
// from ins, with the RFM cut points of the last full computation, and
// compares it with the stored one without changing it: each Result's
// Joined and Left count the customers a full computation would add and
// remove. With nothing stored by facts since a full computation, as of
// the same time, they are zero. Check places ins in the RFM quintiles of
// those cut points.
func Check(ctx context.Context, db *store.DB, ins []*Input, names []string) ([]Result, error) {
	basis, err := StoredBasis(ctx, db)
	if err != nil {
		return nil, err
	}
	if basis != nil {
		for _, in := range ins {
			basis.Cuts.place(in)
		}
	}
	return compute(ctx, db, ins, names, time.Time{}, false)
}

// sortedByID reports the order of ins by customer id.
func sortedByID(ins []*Input) []int {
	order := make([]int, len(ins))
	for i := range order {
		order[i] = i
	}
	if !slices.IsSortedFunc(ins, func(a, b *Input) int { return strings.Compare(a.ID, b.ID) }) {
		slices.SortFunc(order, func(a, b int) int { return strings.Compare(ins[a].ID, ins[b].ID) })
	}
	return order
}
