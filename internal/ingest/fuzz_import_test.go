package ingest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// FuzzImportTransactions imports each input into a fresh database, as a
// user would, and holds the import to its promises:
//   - a file is imported whole or rejected whole: rejected, it wrote
//     nothing; imported, its counts add up (imported + duplicates +
//     rejected = items) and the database holds exactly the imported items;
//   - a row is stored exactly as written: every valid item the parser
//     read is in the database with the same fields (the first of several
//     with one key);
//   - a re-import adds nothing;
//   - the database file passes an integrity check.
func FuzzImportTransactions(f *testing.F) {
	for _, s := range []string{
		"id,customer_id,time,amount,margin,currency\nt1,c1,2024-01-01,1.00,0.25,USD\nt2,c1,2024-01-02T10:00:00Z,2,,USD\nt1,c1,2024-01-01,1.00,,USD\n",
		"customer_id,time,amount\nc1,2024-01-01,20.00\nc1,2024-01-01,20.0\nc2,2024-02-29 10:00,3\n",
		"id,customer_id,time,sku,quantity,unit_price\nA,c,20240101,S1,2,1.5\nA,c,20240101,S2,1,3\nB,c,20240102,S1,1,1.5\n",
		"customer_id,time,amount\nc1,0001-01-01,1\nc\x00,2024-01-01,1\nc3,2024-01-01,90000000000000000.00\n",
		" 00001 19970101 1 11.77\n 00001 19970101 1 11.77\n 00002 19970112 5 77.00\n",
		"\uFEFFABC 19970101 2 29.33\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		format := FormatCSV
		if len(data) > 0 && (data[0] == ' ' || data[0] >= '0' && data[0] <= '9' || bytes.HasPrefix(data, []byte("\uFEFF"))) {
			format = FormatCDNOW
		}
		opt := Options{Format: format, Currency: "USD", Location: time.UTC}
		// What the parser makes of the input, for comparison.
		cr := &countingReader{r: bytes.NewReader(data)}
		p, err := transactionParser(cr, &opt, cr)
		want := map[[2]string]clientele.Transaction{}
		if err == nil {
			for {
				it, err := p.next()
				if err != nil {
					break
				}
				if len(it.errs) == 0 {
					it.v.Complete()
					k := [2]string{it.v.CustomerID, it.v.ID}
					if _, ok := want[k]; !ok {
						want[k] = it.v
					}
				}
			}
		}

		ctx := context.Background()
		db, err := store.Open(ctx, storetest.SQLiteDSN(t), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		imp := func() (*Summary, error) {
			var sum *Summary
			err := db.Write(ctx, func(w *store.Writer) error {
				var err error
				sum, err = Reader(ctx, w, Transactions, bytes.NewReader(data), "fuzz", opt)
				return err
			})
			return sum, err
		}
		sum, err := imp()
		st, serr := db.Stats(ctx)
		if serr != nil {
			t.Fatalf("stats after the import: %v", serr)
		}
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Fatalf("a bad file gave a non-input error: %v", err)
			}
			if st.Transactions != 0 || st.Customers != 0 {
				t.Fatalf("a rejected file wrote %d transactions: %v", st.Transactions, err)
			}
		} else {
			if sum.Imported+sum.Duplicates+sum.Rejected != sum.Items {
				t.Fatalf("counts do not add up: %v, %d items", sum, sum.Items)
			}
			if st.Transactions != sum.Imported || int(sum.Imported) != len(want) {
				t.Fatalf("imported %d, stored %d, the parser read %d distinct valid items", sum.Imported, st.Transactions, len(want))
			}
			for k, tx := range want {
				got, _, err := db.ListTransactions(ctx, k[0], "", 1000)
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, g := range got {
					if g.ID == tx.ID {
						found = true
						if diff := cmp.Diff(tx, g); diff != "" {
							t.Fatalf("stored not as written (-read +stored):\n%s", diff)
						}
					}
				}
				if !found {
					t.Fatalf("transaction %v not stored", k)
				}
			}
			again, err := imp()
			if err != nil || again.Imported != 0 {
				t.Fatalf("a re-import added %v (%v)", again, err)
			}
		}
		if err := db.CheckIntegrity(ctx); err != nil {
			t.Fatal(err)
		}
	})
}
