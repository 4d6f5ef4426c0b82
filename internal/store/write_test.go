package store_test

import (
	"errors"
	"testing"

	"clientele"
	"clientele/internal/store"
)

func TestWriteRollsBack(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		boom := errors.New("boom")
		err := db.Write(ctx, func(w *store.Writer) error {
			if _, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 100)}, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
		st, err := db.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Customers != 0 || st.Transactions != 0 {
			t.Errorf("after rollback: %+v, want an empty database", st)
		}
	})
}
