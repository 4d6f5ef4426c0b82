package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

func tx(cust, id string, day int, amount int64, lines ...clientele.Line) clientele.Transaction {
	t := clientele.Transaction{
		ID: id, CustomerID: cust, Time: time.Date(2024, 1, day, 10, 0, 0, 0, time.UTC),
		Store: "s1", Channel: "store", PaymentMethod: "card", Amount: amount, Margin: ptr(amount / 4),
		Currency: "USD", Lines: lines,
	}
	t.Complete()
	return t
}

func TestTransactionsIdempotent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		batch := []clientele.Transaction{
			tx("c1", "t1", 1, 1000, clientele.Line{SKU: "A", Quantity: 2, UnitPrice: 500}),
			tx("c1", "t2", 2, 250),
			tx("c1", "t1", 3, 9999), // repeats t1 in the same batch
			tx("c2", "t1", 4, 700),  // same id, other customer: a different transaction
		}
		created := make([]bool, len(batch))
		var res store.Result
		err := db.Write(ctx, func(w *store.Writer) error {
			var err error
			res, err = w.Transactions(ctx, batch, created)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]bool{true, true, false, true}, created); diff != "" {
			t.Errorf("created (-want +got):\n%s", diff)
		}
		if res != (store.Result{Written: 3, Duplicates: 1}) {
			t.Errorf("result = %+v, want 3 written, 1 duplicate", res)
		}
		// The whole batch again: nothing new.
		err = db.Write(ctx, func(w *store.Writer) error {
			var err error
			res, err = w.Transactions(ctx, batch, created)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Written != 0 || res.Duplicates != 4 {
			t.Errorf("second write = %+v, want 0 written, 4 duplicates", res)
		}
		st, err := db.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Customers != 2 || st.Transactions != 3 || st.Revenue["USD"] != 1950 {
			t.Errorf("stats = %+v, want 2 customers, 3 transactions, revenue 1950", st)
		}
		if !st.First.Equal(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)) || !st.Last.Equal(time.Date(2024, 1, 4, 10, 0, 0, 0, time.UTC)) {
			t.Errorf("first, last = %v, %v", st.First, st.Last)
		}
		got, next, err := db.ListTransactions(ctx, "c1", "", 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 1 || got[0].ID != "t2" || next == "" {
			t.Fatalf("first page = %+v, next %q; want t2 and a cursor", got, next)
		}
		got, next, err = db.ListTransactions(ctx, "c1", next, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := batch[0]
		if diff := cmp.Diff([]clientele.Transaction{want}, got); diff != "" || next != "" {
			t.Errorf("second page (-want +got):\n%s\nnext %q", diff, next)
		}
	})
}

// TestTransactionsWithMemo writes batches prepared with one CustomerMemo,
// as an import does: each customer is created once, with the time of its
// first transaction (in key order) in the first batch that brings it, whether it comes
// again in a later batch or was stored before.
func TestTransactionsWithMemo(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Write(ctx, func(w *store.Writer) error {
			_, err := w.Transactions(ctx, []clientele.Transaction{tx("c0", "t0", 1, 100)}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		memo := store.NewCustomerMemo()
		batches := [][]clientele.Transaction{
			{tx("c2", "t3", 5, 100), tx("c1", "t1", 3, 100), tx("c2", "t2", 4, 100), tx("c0", "t4", 2, 100)},
			{tx("c1", "t5", 6, 100), tx("c3", "t6", 7, 100), tx("c0", "t7", 8, 100), tx("c3", "t8", 9, 100)},
		}
		var got store.Result
		err := db.Write(ctx, func(w *store.Writer) error {
			for _, txs := range batches {
				res, err := w.WriteTransactions(ctx, db.PrepareTransactions(txs, memo), nil)
				if err != nil {
					return err
				}
				got.Written += res.Written
				got.Duplicates += res.Duplicates
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.Result{Written: 8}); got != want {
			t.Errorf("written %+v, want %+v", got, want)
		}
		st, err := db.Stats(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Customers != 4 || st.Transactions != 9 {
			t.Errorf("stats %+v, want 4 customers and 9 transactions", st)
		}
		for id, day := range map[string]int{"c0": 1, "c1": 3, "c2": 4, "c3": 7} {
			c, err := db.Customer(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if want := time.Date(2024, 1, day, 10, 0, 0, 0, time.UTC); !c.CreatedAt.Equal(want) {
				t.Errorf("%s created %v, want %v", id, c.CreatedAt, want)
			}
		}
	})
}
