package store

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"clientele"
)

// Per-customer counters ("computed traits"): for every key a fact touches
// — "purchase", "product:SKU", "category:C", "brand:B", "event:TYPE" and
// "event:TYPE:PROPERTY=VALUE" — the count of facts, the sum of their
// amounts, and the first and last time, over all time (counters) and per
// UTC day (counter_days, for rolling windows). A writer updates them in the
// transaction that stores the facts, from the facts it stores (duplicates
// change nothing); RebuildCounters makes them again from history with the
// same function (Touches), so the two agree exactly. Counts by day are
// kept for the DayRetention days up to the day they are written.

// Fact is a transaction or an event a writer has just stored, with the
// counter keys it touches.
type Fact struct {
	Kind        string // "transaction" or "event"
	Transaction *clientele.Transaction
	Event       *clientele.Event
	Touches     []Touch
}

// Touch is what one fact adds to one counter key.
type Touch struct {
	Key string
	Sum int64 // minor units: the transaction's amount, a line's total; 0 for events
}

// CustomerID returns the fact's customer.
func (f *Fact) CustomerID() string {
	if f.Transaction != nil {
		return f.Transaction.CustomerID
	}
	return f.Event.CustomerID
}

// Time returns when the fact happened.
func (f *Fact) Time() time.Time {
	if f.Transaction != nil {
		return f.Transaction.Time
	}
	return f.Event.Time
}

// Name returns "transaction:ID" or "event:ID".
func (f *Fact) Name() string {
	if f.Transaction != nil {
		return "transaction:" + f.Transaction.ID
	}
	return "event:" + f.Event.ID
}

// Limits on event property counters (docs/limits.md): the first
// MaxCountedProperties top-level properties by name whose values are
// strings, numbers or booleans of at most MaxCountedValue bytes.
const (
	MaxCountedProperties = 8
	MaxCountedValue      = 64
)

// ProductKeys is what a line's SKU adds to the keys: its category and
// brand, when the catalogue knows them.
type ProductKeys struct{ Category, Brand string }

// TransactionTouches returns the keys t touches; products gives the
// category and brand of a SKU. A key is touched once per transaction
// however many of its lines name it, with the sum of those lines.
func TransactionTouches(t *clientele.Transaction, products map[string]ProductKeys) []Touch {
	out := []Touch{{Key: "purchase", Sum: t.Amount}}
	add := func(key string, sum int64) {
		for i := range out {
			if out[i].Key == key {
				out[i].Sum = clientele.SatAdd(out[i].Sum, sum)
				return
			}
		}
		out = append(out, Touch{Key: key, Sum: sum})
	}
	for _, l := range t.Lines {
		total := clientele.SatMul(l.Quantity, l.UnitPrice)
		add("product:"+l.SKU, total)
		if p, ok := products[l.SKU]; ok {
			if p.Category != "" {
				add("category:"+p.Category, total)
			}
			if p.Brand != "" {
				add("brand:"+p.Brand, total)
			}
		}
	}
	return out
}

// EventTouches returns the keys e touches.
func EventTouches(e *clientele.Event) []Touch {
	out := []Touch{{Key: "event:" + e.Type}}
	if len(e.Properties) == 0 {
		return out
	}
	var props map[string]json.RawMessage
	if json.Unmarshal(e.Properties, &props) != nil {
		return out
	}
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	slices.Sort(names)
	n := 0
	for _, k := range names {
		if n == MaxCountedProperties {
			break
		}
		v, ok := scalarText(props[k])
		if !ok || len(v) > MaxCountedValue || len(k) > MaxCountedValue || strings.ContainsAny(k, "=") {
			continue
		}
		out = append(out, Touch{Key: "event:" + e.Type + ":" + k + "=" + v})
		n++
	}
	return out
}

// scalarText writes a JSON string, number or boolean as text (a number in
// its shortest form, so 1.0 and 1 are one value); false for anything else.
func scalarText(raw json.RawMessage) (string, bool) {
	var x any
	if json.Unmarshal(raw, &x) != nil {
		return "", false
	}
	switch v := x.(type) {
	case string:
		return v, true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), true
	}
	return "", false
}

// DayRetention is how many days back from the day they are written the
// counters keep their counts by day: the longest rolling window a rule may
// ask for. An import of older history adds to the all-time counters only.
const DayRetention = 400

// Day returns t's UTC day, in days since 1970-01-01.
func Day(t time.Time) int64 {
	return int64(math.Floor(float64(t.Unix()) / 86400))
}

// productKeys returns the category and brand of the SKUs of txs.
func (w *Writer) productKeys(ctx context.Context, txs []*clientele.Transaction) (map[string]ProductKeys, error) {
	set := map[string]bool{}
	for _, t := range txs {
		for _, l := range t.Lines {
			set[l.SKU] = true
		}
	}
	out := make(map[string]ProductKeys, len(set))
	if len(set) == 0 {
		return out, nil
	}
	skus := make([]string, 0, len(set))
	for s := range set {
		skus = append(skus, s)
	}
	err := w.inChunks(skus, func(in string, args []any) error {
		rows, err := w.q.query(ctx, `SELECT sku, category, brand FROM products WHERE sku IN (`+in+`)`, args...)
		return eachRow(rows, err, func(r rowIter) error {
			var sku string
			var p ProductKeys
			if err := r.Scan(&sku, &p.Category, &p.Brand); err != nil {
				return err
			}
			out[sku] = p
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("products of the lines: %w", err)
	}
	return out, nil
}

// inChunks calls fn with an IN list of placeholders ($1…) and its
// arguments for every chunk of at most 500 values.
func (w *Writer) inChunks(vals []string, fn func(in string, args []any) error) error {
	const chunk = 500
	for lo := 0; lo < len(vals); lo += chunk {
		part := vals[lo:min(lo+chunk, len(vals))]
		var b strings.Builder
		args := make([]any, len(part))
		for i, v := range part {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString("$" + strconv.Itoa(i+1))
			args[i] = v
		}
		if err := fn(b.String(), args); err != nil {
			return err
		}
	}
	return nil
}

// inQuery runs query, built from an IN list of customers' placeholders
// ($1…) and the number of the first extra argument, for every chunk of
// customers, and calls scan with every row.
func (w *Writer) inQuery(ctx context.Context, customers []string, query func(in, next string) string, extra []any, scan func(rowIter) error) error {
	return w.inChunks(customers, func(in string, args []any) error {
		rows, err := w.q.query(ctx, query(in, strconv.Itoa(len(args)+1)), append(args, extra...)...)
		return eachRow(rows, err, scan)
	})
}

type counterKey struct{ customer, key string }

type counterDayKey struct {
	customer, key string
	day           int64
}

type counterAdd struct {
	count, sum      int64
	first, last     time.Time
	hasFirst, dated bool
}

// addCounters adds what facts touch to the counters.
func (w *Writer) addCounters(ctx context.Context, facts []Fact) error {
	if len(facts) == 0 {
		return nil
	}
	all := map[counterKey]*counterAdd{}
	days := map[counterDayKey]*counterAdd{}
	var order []counterKey
	var dayOrder []counterDayKey
	cutoff := Day(w.now) - DayRetention
	for i := range facts {
		f := &facts[i]
		c, t := f.CustomerID(), f.Time()
		d := Day(t)
		for _, tc := range f.Touches {
			k := counterKey{c, tc.Key}
			a := all[k]
			if a == nil {
				a = &counterAdd{first: t, last: t}
				all[k] = a
				order = append(order, k)
			}
			a.count++
			a.sum = clientele.SatAdd(a.sum, tc.Sum)
			if t.Before(a.first) {
				a.first = t
			}
			if t.After(a.last) {
				a.last = t
			}
			if d < cutoff {
				continue // older than any window
			}
			dk := counterDayKey{c, tc.Key, d}
			b := days[dk]
			if b == nil {
				b = &counterAdd{}
				days[dk] = b
				dayOrder = append(dayOrder, dk)
			}
			b.count++
			b.sum = clientele.SatAdd(b.sum, tc.Sum)
		}
	}
	rows := make([][]any, len(order))
	for i, k := range order {
		a := all[k]
		rows[i] = []any{k.customer, k.key, a.count, a.sum, w.db.ts(a.first), w.db.ts(a.last)}
	}
	least, greatest := "min", "max"
	if w.db.dialect == Postgres {
		least, greatest = "LEAST", "GREATEST"
	}
	if _, _, err := w.q.insert(ctx, "counters", []string{"customer_id", "key", "count", "sum", "first_at", "last_at"}, rows,
		"ON CONFLICT (customer_id, key) DO UPDATE SET count = counters.count + excluded.count, sum = counters.sum + excluded.sum, "+
			"first_at = "+least+"(counters.first_at, excluded.first_at), last_at = "+greatest+"(counters.last_at, excluded.last_at)", ""); err != nil {
		return fmt.Errorf("counters: %w", err)
	}
	rows = make([][]any, len(dayOrder))
	for i, k := range dayOrder {
		b := days[k]
		rows[i] = []any{k.customer, k.key, k.day, b.count, b.sum}
	}
	if _, _, err := w.q.insert(ctx, "counter_days", []string{"customer_id", "key", "day", "count", "sum"}, rows,
		"ON CONFLICT (customer_id, key, day) DO UPDATE SET count = counter_days.count + excluded.count, sum = counter_days.sum + excluded.sum", ""); err != nil {
		return fmt.Errorf("counters by day: %w", err)
	}
	return nil
}

// stored takes the facts w has just stored: the engine, when there is one,
// sees them first, with the counters as they were before; then they are
// added to the counters.
func (w *Writer) stored(ctx context.Context, facts []Fact) error {
	if len(facts) == 0 {
		return nil
	}
	if e := w.db.Engine(); e != nil && !w.quiet {
		if err := e.Apply(ctx, w, facts); err != nil {
			return err
		}
	}
	return w.addCounters(ctx, facts)
}

// Engine is the real-time engine a writer hands the facts it stores to,
// in the same database transaction (package rules).
type Engine interface {
	Apply(ctx context.Context, w *Writer, facts []Fact) error
}

// SetEngine makes e see every fact written from now on.
func (db *DB) SetEngine(e Engine) {
	db.engineMu.Lock()
	db.engine = e
	db.engineMu.Unlock()
}

// Engine returns the engine set with SetEngine, or nil.
func (db *DB) Engine() Engine {
	db.engineMu.RLock()
	defer db.engineMu.RUnlock()
	return db.engine
}

// Quiet makes w store facts without handing them to the engine (counters
// are still updated): for a load of history that must fire nothing.
func (w *Writer) Quiet() { w.quiet = true }

// CounterState is a customer's counters as stored, for some keys: the
// all-time values and the counts by day since a day.
type CounterState struct {
	All  map[string]clientele.Counter
	Days map[string][]DayCount // by key, in day order
}

// DayCount is one day of a counter.
type DayCount struct {
	Day        int64
	Count, Sum int64
}

// Counters reads, in w's transaction, the counters of customers for keys
// (every key when keys is nil) and, for their days, those from sinceDay
// (none when sinceDay is math.MaxInt64).
func (w *Writer) Counters(ctx context.Context, customers []string, keys []string, sinceDay int64) (map[string]*CounterState, error) {
	return readCounters(ctx, w.q.query, w.inChunks, customers, keys, sinceDay)
}

type queryFunc func(ctx context.Context, query string, args ...any) (rowIter, error)

func readCounters(ctx context.Context, query queryFunc, chunks func([]string, func(string, []any) error) error,
	customers []string, keys []string, sinceDay int64) (map[string]*CounterState, error) {
	out := make(map[string]*CounterState, len(customers))
	state := func(c string) *CounterState {
		s := out[c]
		if s == nil {
			s = &CounterState{All: map[string]clientele.Counter{}, Days: map[string][]DayCount{}}
			out[c] = s
		}
		return s
	}
	var set map[string]bool
	if keys != nil {
		set = make(map[string]bool, len(keys))
		for _, k := range keys {
			set[k] = true
		}
	}
	want := func(k string) bool { return set == nil || set[k] }
	err := chunks(customers, func(in string, args []any) error {
		rows, err := query(ctx, `SELECT customer_id, key, count, sum, first_at, last_at FROM counters WHERE customer_id IN (`+in+`)`, args...)
		err = eachRow(rows, err, func(r rowIter) error {
			var c string
			var k clientele.Counter
			if err := r.Scan(&c, &k.Key, &k.Count, &k.Sum, timeCol{&k.First}, timeCol{&k.Last}); err != nil {
				return err
			}
			if want(k.Key) {
				state(c).All[k.Key] = k
			}
			return nil
		})
		if err != nil || sinceDay == math.MaxInt64 {
			return err
		}
		rows, err = query(ctx, `SELECT customer_id, key, day, count, sum FROM counter_days WHERE customer_id IN (`+in+`) AND day >= `+strconv.FormatInt(sinceDay, 10)+` ORDER BY customer_id, key, day`, args...)
		return eachRow(rows, err, func(r rowIter) error {
			var c, k string
			var d DayCount
			if err := r.Scan(&c, &k, &d.Day, &d.Count, &d.Sum); err != nil {
				return err
			}
			if want(k) {
				s := state(c)
				s.Days[k] = append(s.Days[k], d)
			}
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("counters: %w", err)
	}
	return out, nil
}

// RebuildCounters makes the counters of customers (every customer when
// customers is nil) again from their stored transactions and events, with
// the catalogue as it is now, and returns how many customers it went
// through. It is the repair of the counters, and their check: what the
// writer adds fact by fact equals what this makes from history.
func (w *Writer) RebuildCounters(ctx context.Context, customers []string) (int64, error) {
	products, err := productKeys(ctx, w.q.query)
	if err != nil {
		return 0, fmt.Errorf("rebuild counters: %w", err)
	}
	var n int64
	rebuild := func(ids []string) error {
		n += int64(len(ids))
		return w.inChunks(ids, func(in string, args []any) error {
			for _, table := range []string{"counters", "counter_days"} {
				if _, err := w.q.exec(ctx, `DELETE FROM `+table+` WHERE customer_id IN (`+in+`)`, args...); err != nil {
					return err
				}
			}
			facts, err := w.history(ctx, in, args, products)
			if err != nil {
				return err
			}
			return w.addCounters(ctx, facts)
		})
	}
	if customers != nil {
		if err := rebuild(customers); err != nil {
			return 0, fmt.Errorf("rebuild counters: %w", err)
		}
		return n, nil
	}
	last := ""
	for {
		rows, err := w.q.query(ctx, `SELECT id FROM customers WHERE id > $1 ORDER BY id LIMIT 2000`, last)
		var ids []string
		err = eachRow(rows, err, func(r rowIter) error {
			var id string
			err := r.Scan(&id)
			ids = append(ids, id)
			return err
		})
		if err != nil {
			return 0, fmt.Errorf("rebuild counters: %w", err)
		}
		if len(ids) == 0 {
			return n, nil
		}
		if err := rebuild(ids); err != nil {
			return 0, fmt.Errorf("rebuild counters: %w", err)
		}
		last = ids[len(ids)-1]
	}
}

// history returns the stored facts of the customers of an IN list, with
// what they touch.
func (w *Writer) history(ctx context.Context, in string, args []any, products map[string]ProductKeys) ([]Fact, error) {
	return history(ctx, w.q.query, in, args, products)
}

// History returns the stored facts of customers, with what they touch
// given the catalogue's products, in no particular order.
func (db *DB) History(ctx context.Context, customers []string, products map[string]ProductKeys) ([]Fact, error) {
	var out []Fact
	err := (&Writer{db: db}).inChunks(customers, func(in string, args []any) error {
		f, err := history(ctx, db.readQuery, in, args, products)
		out = append(out, f...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return out, nil
}

// ProductKeys returns the category and brand of every product.
func (db *DB) ProductKeys(ctx context.Context) (map[string]ProductKeys, error) {
	return productKeys(ctx, db.readQuery)
}

func history(ctx context.Context, query queryFunc, in string, args []any, products map[string]ProductKeys) ([]Fact, error) {
	txs := map[counterKey]*clientele.Transaction{}
	var facts []Fact
	rows, err := query(ctx, `SELECT customer_id, id, time, amount FROM transactions WHERE customer_id IN (`+in+`) ORDER BY customer_id, id`, args...)
	var list []*clientele.Transaction
	err = eachRow(rows, err, func(r rowIter) error {
		t := &clientele.Transaction{}
		if err := r.Scan(&t.CustomerID, &t.ID, timeCol{&t.Time}, &t.Amount); err != nil {
			return err
		}
		txs[counterKey{t.CustomerID, t.ID}] = t
		list = append(list, t)
		return nil
	})
	if err != nil {
		return nil, err
	}
	rows, err = query(ctx, `SELECT customer_id, transaction_id, sku, quantity, unit_price FROM transaction_lines WHERE customer_id IN (`+in+`) ORDER BY customer_id, transaction_id, line_no`, args...)
	err = eachRow(rows, err, func(r rowIter) error {
		var c, id string
		var l clientele.Line
		if err := r.Scan(&c, &id, &l.SKU, &l.Quantity, &l.UnitPrice); err != nil {
			return err
		}
		if t := txs[counterKey{c, id}]; t != nil {
			t.Lines = append(t.Lines, l)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, t := range list {
		facts = append(facts, Fact{Kind: "transaction", Transaction: t, Touches: TransactionTouches(t, products)})
	}
	rows, err = query(ctx, `SELECT customer_id, id, type, time, properties FROM events WHERE customer_id IN (`+in+`) ORDER BY customer_id, id`, args...)
	err = eachRow(rows, err, func(r rowIter) error {
		e := &clientele.Event{}
		var props []byte
		if err := r.Scan(&e.CustomerID, &e.ID, &e.Type, timeCol{&e.Time}, &props); err != nil {
			return err
		}
		e.Properties = json.RawMessage(props)
		facts = append(facts, Fact{Kind: "event", Event: e, Touches: EventTouches(e)})
		return nil
	})
	return facts, err
}

// readQuery runs a query on the read pool.
func (db *DB) readQuery(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// one is the IN list of a single value.
func one(vals []string, fn func(string, []any) error) error { return fn("$1", []any{vals[0]}) }

// CustomerCounters returns customer id's counters, by key, and its counts
// by day from sinceDay.
func (db *DB) CustomerCounters(ctx context.Context, id string, sinceDay int64) (*CounterState, error) {
	m, err := readCounters(ctx, db.readQuery, one, []string{id}, nil, sinceDay)
	if err != nil {
		return nil, err
	}
	if s := m[id]; s != nil {
		return s, nil
	}
	return &CounterState{All: map[string]clientele.Counter{}, Days: map[string][]DayCount{}}, nil
}

func productKeys(ctx context.Context, query queryFunc) (map[string]ProductKeys, error) {
	products := map[string]ProductKeys{}
	rows, err := query(ctx, `SELECT sku, category, brand FROM products`)
	err = eachRow(rows, err, func(r rowIter) error {
		var sku string
		var p ProductKeys
		if err := r.Scan(&sku, &p.Category, &p.Brand); err != nil {
			return err
		}
		products[sku] = p
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("products: %w", err)
	}
	return products, nil
}
