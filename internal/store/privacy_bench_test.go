package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// BenchmarkEraseCustomer erases one customer after another, each with its
// identities, an account, transactions with lines, events and a score, on
// SQLite: the whole erasure, suppression list, audit entry and the
// write-ahead log's truncation included. With CLIENTELE_BENCH_DB naming a
// database built by `clientele simulate` and `import` (customers
// C00000001…), it erases that database's customers instead: the issue's
// figure is for 1,000,000 customers. The database is changed.
func BenchmarkEraseCustomer(b *testing.B) {
	ctx := context.Background()
	dsn := os.Getenv("CLIENTELE_BENCH_DB")
	if dsn == "" {
		dsn = storetest.SQLiteDSN(b)
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	id := func(i int) string { return fmt.Sprintf("C%08d", i+1) }
	if os.Getenv("CLIENTELE_BENCH_DB") == "" {
		at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
		err := db.Write(ctx, func(w *store.Writer) error {
			for i := range max(b.N, 1000) {
				c := clientele.Customer{ID: id(i), Name: "Bench Customer", Email: fmt.Sprintf("c%d@example.com", i), Phone: fmt.Sprintf("+8210%08d", i)}
				if _, err := w.Customers(ctx, []clientele.Customer{c}); err != nil {
					return err
				}
				var txs []clientele.Transaction
				for j := range 12 {
					txs = append(txs, clientele.Transaction{ID: fmt.Sprint(j), CustomerID: c.ID, Time: at.AddDate(0, 0, j*7), Amount: 1000, Currency: "USD",
						Lines: []clientele.Line{{SKU: "A", Quantity: 1, UnitPrice: 1000}}})
				}
				if _, err := w.Transactions(ctx, txs, nil); err != nil {
					return err
				}
				if _, err := w.Events(ctx, []clientele.Event{{ID: "e", CustomerID: c.ID, Type: "web_visit", Time: at}}, nil); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	start := int(time.Now().UnixNano() % 500000) // another range each run on a big database
	if os.Getenv("CLIENTELE_BENCH_DB") == "" {
		start = 0
	}
	entry := &clientele.AuditEntry{UserName: "bench", Role: "admin", Action: clientele.AuditErase, Route: "bench", Reason: "bench"}
	b.ResetTimer()
	i := start
	for b.Loop() {
		if _, err := db.EraseCustomer(clientele.WithAudit(ctx, entry), id(i)); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
