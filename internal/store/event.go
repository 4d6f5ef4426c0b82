package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"clientele"
)

var eventCols = []string{"customer_id", "id", "type", "time", "properties"}

// Events inserts evs, creating their customers as needed; created works as
// for Transactions. The events must be valid.
func (w *Writer) Events(ctx context.Context, evs []clientele.Event, created []bool) (Result, error) {
	if len(evs) == 0 {
		return Result{}, nil
	}
	ids := make([]string, len(evs))
	first := make([]time.Time, len(evs))
	rows := make([][]any, len(evs))
	for i := range evs {
		e := &evs[i]
		ids[i], first[i] = e.CustomerID, e.Time
		props := string(e.Properties)
		if props == "" {
			props = "{}"
		}
		rows[i] = []any{e.CustomerID, e.ID, e.Type, w.db.ts(e.Time), props}
	}
	if err := w.ensureCustomers(ctx, ids, first, true); err != nil {
		return Result{}, err
	}
	n, keys, err := w.q.insert(ctx, "events", eventCols, rows, "ON CONFLICT (customer_id, id) DO NOTHING", "customer_id, id")
	if err != nil {
		return Result{}, fmt.Errorf("insert events: %w", err)
	}
	fresh := keySet(keys)
	facts := make([]Fact, 0, len(keys))
	for i := range evs {
		e := &evs[i]
		k := e.CustomerID + "\x00" + e.ID
		_, ok := fresh[k]
		delete(fresh, k) // a later item with the same key is a duplicate
		if created != nil {
			created[i] = ok
		}
		if ok {
			facts = append(facts, Fact{Kind: "event", Event: e, Touches: EventTouches(e)})
		}
	}
	if err := w.stored(ctx, facts); err != nil {
		return Result{}, err
	}
	return Result{Written: n, Duplicates: int64(len(evs)) - n}, nil
}

func (db *DB) events(ctx context.Context, customerID string, n int) ([]clientele.Event, error) {
	rows, err := db.query(ctx, `SELECT id, type, time, properties FROM events
		WHERE customer_id = $1 ORDER BY time DESC, id DESC LIMIT $2`, customerID, n)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Event, error) {
		e := clientele.Event{CustomerID: customerID}
		var props []byte
		err := sc.Scan(&e.ID, &e.Type, timeCol{&e.Time}, &props)
		e.Properties = json.RawMessage(props)
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("events of %s: %w", customerID, err)
	}
	return out, nil
}

// Event returns the customer's event id.
func (db *DB) Event(ctx context.Context, customerID, id string) (*clientele.Event, error) {
	e := clientele.Event{CustomerID: customerID, ID: id}
	var props []byte
	err := db.queryRow(ctx, `SELECT type, time, properties FROM events WHERE customer_id = $1 AND id = $2`, customerID, id).Scan(&e.Type, timeCol{&e.Time}, &props)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "customer %q has no event %q", customerID, id)
	}
	if err != nil {
		return nil, fmt.Errorf("event %s of %s: %w", id, customerID, err)
	}
	e.Properties = json.RawMessage(props)
	return &e, nil
}
