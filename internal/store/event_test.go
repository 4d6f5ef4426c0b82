package store_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Events are facts: stored once, whatever the batch; created tells which
// items of a batch were new.
func TestEvents(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2024, 2, 1, 9, 30, 0, 0, time.UTC)
		e1 := clientele.Event{ID: "e1", CustomerID: "c1", Type: "moved_home", Time: at, Properties: json.RawMessage(`{"city":"Bath"}`)}
		e2 := clientele.Event{ID: "e2", CustomerID: "c1", Type: "married", Time: at.Add(time.Hour)}
		created := make([]bool, 3)
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			res, err := w.Events(ctx, []clientele.Event{e1, e1, e2}, created)
			checkResult(t, "Events", res, err, store.Result{Written: 2, Duplicates: 1})
			return nil
		})
		if want := []bool{true, false, true}; !cmp.Equal(created, want) {
			t.Errorf("created = %v, want %v", created, want)
		}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			res, err := w.Events(ctx, []clientele.Event{e2}, created[:1])
			checkResult(t, "again", res, err, store.Result{Duplicates: 1})
			return nil
		})
		if created[0] {
			t.Error("a stored event was reported created")
		}
		v, err := db.Customer360(ctx, "c1", 10)
		if err != nil {
			t.Fatal(err)
		}
		e2.Properties = json.RawMessage(`{}`)
		// PostgreSQL keeps properties as jsonb, which respaces them.
		asJSON := cmp.Transformer("json", func(m json.RawMessage) (v any) {
			if err := json.Unmarshal(m, &v); err != nil {
				return string(m)
			}
			return v
		})
		if diff := cmp.Diff([]clientele.Event{e2, e1}, v.Events, asJSON); diff != "" {
			t.Errorf("events, most recent first (-want +got):\n%s", diff)
		}
	})
}
