package store_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// bulkTxs returns n transactions numbered from first, of customers with
// short and long ids (long ones share their first 8 and 15 bytes), with
// the values COPY must carry exactly: times before 2000 and with
// microseconds, no margin, negative amounts, text beyond ASCII.
func bulkTxs(first, n int) []clientele.Transaction {
	txs := make([]clientele.Transaction, n)
	for k := range txs {
		i := first + k
		cust := fmt.Sprintf("c%d", i%997)
		if i%5 == 0 {
			cust = fmt.Sprintf("customer-with-a-long-id-%d", i%101)
		}
		t := clientele.Transaction{
			ID: fmt.Sprintf("t%06d", i), CustomerID: cust,
			Time:  time.Date(1990+i%40, time.Month(1+i%12), 1+i%28, i%24, i%60, 0, (i%1000)*1000, time.UTC),
			Store: fmt.Sprintf("Zürich %d", i%7), Channel: "store", PaymentMethod: "card",
			Amount: int64(i%500 - 100), Currency: "CHF", Quantity: int64(i % 3),
		}
		if i%4 != 0 {
			t.Margin = ptr(int64(i % 50))
		}
		txs[k] = t
	}
	return txs
}

// storedTxs reads back the transactions of every customer in txs, by key.
func storedTxs(t *testing.T, db *store.DB, txs []clientele.Transaction) map[[2]string]clientele.Transaction {
	t.Helper()
	got := map[[2]string]clientele.Transaction{}
	done := map[string]bool{}
	for _, x := range txs {
		if done[x.CustomerID] {
			continue
		}
		done[x.CustomerID] = true
		for before := ""; ; {
			page, next, err := db.ListTransactions(context.Background(), x.CustomerID, before, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range page {
				got[[2]string{x.CustomerID, s.ID}] = s
			}
			if next == "" {
				break
			}
			before = next
		}
	}
	return got
}

// writeBatches writes batches through w, prepared with memo (which may be
// nil), as an import does, and adds up the results.
func writeBatches(ctx context.Context, w *store.Writer, memo *store.CustomerMemo, batches ...[]clientele.Transaction) (store.Result, error) {
	var sum store.Result
	for _, txs := range batches {
		r, err := w.WriteTransactions(ctx, w.DB().PrepareTransactions(txs, memo), nil)
		if err != nil {
			return sum, err
		}
		sum.Written += r.Written
		sum.Duplicates += r.Duplicates
	}
	return sum, nil
}

// TestBulkLoad writes batches as an import does, into an empty table, with
// repeats within a batch and across batches. On PostgreSQL that is a bulk
// load, which finds the repeats across batches only at its end; on SQLite
// it is the usual way. The counts and the rows kept (always the first of a
// key) must not tell the two apart.
func TestBulkLoad(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			batch1 := bulkTxs(0, 12000)
			batch2 := bulkTxs(12000, 12000)
			later := func(x clientele.Transaction) clientele.Transaction {
				x.Amount, x.Store = 99999, "later"
				return x
			}
			batch1 = append(batch1, later(batch1[5]))                                     // within the batch
			batch2 = append(batch2, later(batch1[7]), later(batch2[3]), later(batch2[3])) // across, within, within
			var res store.Result
			var loading bool
			err := b.DB.Write(ctx, func(w *store.Writer) error {
				w.BulkLoad()
				var err error
				if res, err = writeBatches(ctx, w, store.NewCustomerMemo(), batch1, batch2); err != nil {
					return err
				}
				loading = w.BulkLoading()
				if loading {
					if s, err := w.Setting(ctx, "lock_timeout"); err != nil || s != "0" {
						t.Errorf("lock_timeout after the lock was had = %q (%v), want 0", s, err)
					}
				}
				dups, err := w.FinishBulkLoad(ctx)
				res.Written -= dups
				res.Duplicates += dups
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := b.Name == "postgres"; loading != want {
				t.Errorf("bulk loading = %v, want %v", loading, want)
			}
			if want := (store.Result{Written: 24000, Duplicates: 4}); res != want {
				t.Errorf("result %+v, want %+v", res, want)
			}
			all := append(bulkTxs(0, 12000), bulkTxs(12000, 12000)...)
			got := storedTxs(t, b.DB, all)
			if len(got) != len(all) {
				t.Errorf("%d transactions stored, want %d", len(got), len(all))
			}
			for _, x := range all {
				if diff := cmp.Diff(x, got[[2]string{x.CustomerID, x.ID}]); diff != "" {
					t.Fatalf("transaction %s/%s (-want +got):\n%s", x.CustomerID, x.ID, diff)
				}
			}
			st, err := b.DB.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Customers != 997+101 || st.Transactions != 24000 {
				t.Errorf("stats %+v, want %d customers, 24000 transactions", st, 997+101)
			}

			// The key is back: the table holds rows now, so a second load
			// goes the usual way and finds every repeat at once, in
			// batches large enough for a direct COPY and too small for it.
			batch3 := bulkTxs(24000, 12000)
			small := append(bulkTxs(36000, 10), later(batch3[0]))
			err = b.DB.Write(ctx, func(w *store.Writer) error {
				w.BulkLoad()
				var err error
				res, err = writeBatches(ctx, w, nil, batch3, batch1, small)
				if w.BulkLoading() {
					t.Error("a load into a table with rows is a bulk load")
				}
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := (store.Result{Written: 12010, Duplicates: 12001 + 1}); res != want {
				t.Errorf("second load: result %+v, want %+v", res, want)
			}
			more := append(batch3, small[:10]...)
			got = storedTxs(t, b.DB, more)
			for _, x := range more {
				if diff := cmp.Diff(x, got[[2]string{x.CustomerID, x.ID}]); diff != "" {
					t.Fatalf("transaction %s/%s (-want +got):\n%s", x.CustomerID, x.ID, diff)
				}
			}
		})
	}
}

// TestBulkLoadEndsForLines: a batch with lines ends a bulk load (lines are
// written only for the transactions stored, which a load without the key
// cannot tell), and the rest is written the usual way.
func TestBulkLoadEndsForLines(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		plain := bulkTxs(0, 12000)
		withLines := bulkTxs(12000, 3)
		withLines = append(withLines, plain[1]) // a repeat, with lines of its own
		for i := range withLines {
			withLines[i].Lines = []clientele.Line{{SKU: "A", Quantity: 1, UnitPrice: 100}, {SKU: "B", Quantity: 2, UnitPrice: 50}}
			withLines[i].Amount = 200
		}
		var res store.Result
		err := db.Write(ctx, func(w *store.Writer) error {
			w.BulkLoad()
			var err error
			res, err = writeBatches(ctx, w, nil, plain, withLines)
			if w.BulkLoading() {
				t.Error("still loading in bulk after a batch with lines")
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := (store.Result{Written: 12003, Duplicates: 1}); res != want {
			t.Errorf("result %+v, want %+v", res, want)
		}
		lines := map[string]int{}
		for _, x := range withLines {
			view, err := db.Customer360(ctx, x.CustomerID, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range view.Transactions {
				lines[s.ID] = len(s.Lines)
			}
		}
		want := map[string]int{withLines[0].ID: 2, withLines[1].ID: 2, withLines[2].ID: 2, plain[1].ID: 0}
		for id, n := range want {
			if lines[id] != n {
				t.Errorf("transaction %s has %d lines, want %d", id, lines[id], n)
			}
		}
	})
}

// openPostgres opens a store on dsn, and a second connection beside it,
// both closed when t ends.
func openPostgres(t *testing.T, dsn string) (*store.DB, *pgx.Conn) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return db, conn
}

// loadsUsualWay writes 12,000 transactions into db's empty table through
// a writer told BulkLoad, and fails t unless they went the usual way, all
// of them; check, when not nil, runs then within the writer's transaction.
func loadsUsualWay(t *testing.T, db *store.DB, why string, check func(w *store.Writer)) {
	t.Helper()
	ctx := context.Background()
	var res store.Result
	err := db.Write(ctx, func(w *store.Writer) error {
		w.BulkLoad()
		var err error
		res, err = writeBatches(ctx, w, nil, bulkTxs(0, 12000))
		if w.BulkLoading() {
			t.Errorf("bulk loading %s", why)
		}
		if check != nil {
			check(w)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Written != 12000 {
		t.Errorf("written %d, want 12000", res.Written)
	}
}

// TestBulkLoadYieldsToReaders: when others are using the transactions
// table, a load does not wait for it past its lock timeout; it goes the
// usual way, and the reader is never blocked for long.
func TestBulkLoadYieldsToReaders(t *testing.T) {
	ctx := context.Background()
	db, reader := openPostgres(t, storetest.PostgresDSN(t))
	defer store.SetBulkLockTimeout("100ms")()
	rtx, err := reader.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := rtx.QueryRow(ctx, "SELECT count(*) FROM transactions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	loadsUsualWay(t, db, "while a reader holds the table", func(w *store.Writer) {
		if s, err := w.Setting(ctx, "lock_timeout"); err != nil || s != "0" {
			t.Errorf("lock_timeout after the lock was not had = %q (%v), want 0", s, err)
		}
	})
	if err := rtx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestBulkLoadNeedsReadCommitted: under REPEATABLE READ the transaction's
// snapshot may be older than the lock, so it cannot tell that the table is
// empty, and the load goes the usual way.
func TestBulkLoadNeedsReadCommitted(t *testing.T) {
	u, err := url.Parse(storetest.PostgresDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	// pgx takes "+" literally: the space is escaped as %20.
	u.RawQuery += "&default_transaction_isolation=repeatable%20read"
	db, _ := openPostgres(t, u.String())
	loadsUsualWay(t, db, "under REPEATABLE READ", func(w *store.Writer) {
		if s, err := w.Setting(context.Background(), "transaction_isolation"); err != nil || s != "repeatable read" {
			t.Errorf("transaction_isolation = %q (%v), want repeatable read", s, err)
		}
	})
}

// TestBulkLoadNotPublished: a table published for logical replication is
// never truncated by a load, which subscribers would repeat.
func TestBulkLoadNotPublished(t *testing.T) {
	ctx := context.Background()
	db, conn := openPostgres(t, storetest.PostgresDSN(t))
	var schema string
	if err := conn.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatal(err)
	}
	pub := pgx.Identifier{"pub_" + schema}.Sanitize()
	if _, err := conn.Exec(ctx, "CREATE PUBLICATION "+pub+" FOR TABLE transactions"); err != nil {
		t.Fatal(err)
	}
	defer conn.Exec(ctx, "DROP PUBLICATION "+pub)
	loadsUsualWay(t, db, "a published table", nil)
}
