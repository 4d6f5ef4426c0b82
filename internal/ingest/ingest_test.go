package ingest_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/ingest"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

func stats(t *testing.T, db *store.DB) store.Stats {
	t.Helper()
	s, err := db.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The full CDNOW master file: 23,570 customers, 69,659 transactions (Fader &
// Hardie 2001); importing it twice adds nothing the second time.
func TestImportCDNOWMaster(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			opt := ingest.Options{Format: ingest.FormatCDNOW}
			sum, err := ingest.File(ctx, b.DB, ingest.Transactions, "testdata/CDNOW_master.txt", opt)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != 69659 || sum.Imported != 69659 || sum.Duplicates != 0 || sum.Rejected != 0 {
				t.Errorf("first import: %v", sum)
			}
			s := stats(t, b.DB)
			if s.Customers != 23570 || s.Transactions != 69659 {
				t.Errorf("after import: %d customers, %d transactions; want 23570, 69659", s.Customers, s.Transactions)
			}
			// Revenue is exact: the sum of the file's dollar values in cents (awk: 2500315.63).
			if s.Revenue["USD"] != 250031563 {
				t.Errorf("revenue = %d cents, want 250031563", s.Revenue["USD"])
			}
			if want := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC); !s.First.Equal(want) {
				t.Errorf("first = %v, want %v", s.First, want)
			}
			if want := time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC); !s.Last.Equal(want) {
				t.Errorf("last = %v, want %v", s.Last, want)
			}
			sum, err = ingest.File(ctx, b.DB, ingest.Transactions, "testdata/CDNOW_master.txt", opt)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Imported != 0 || sum.Duplicates != 69659 {
				t.Errorf("second import: %v", sum)
			}
			if s2 := stats(t, b.DB); s2.Transactions != 69659 || s2.Customers != 23570 {
				t.Errorf("after second import: %+v", s2)
			}
		})
	}
}

func TestImportCDNOWSampleLayout(t *testing.T) {
	db := storetest.Open(t)[0].DB
	sum, err := ingest.File(context.Background(), db, ingest.Transactions, "testdata/CDNOW_sample.txt", ingest.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Format != ingest.FormatCDNOW || sum.Imported != 6919 {
		t.Errorf("summary: %v (format %s)", sum, sum.Format)
	}
	if s := stats(t, db); s.Customers != 2357 {
		t.Errorf("customers = %d, want 2357", s.Customers)
	}
	// Customer ids are the master ids, so sample and master agree.
	txs, _, err := db.ListTransactions(context.Background(), "00004", "", 10)
	if err != nil || len(txs) != 4 || txs[3].Amount != 2933 || txs[3].Quantity != 2 {
		t.Errorf("customer 00004: %+v, %v", txs, err)
	}
}

// A file with three broken lines is rejected with those lines named, and the
// database is unchanged.
func TestImportRejectsWholeFile(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			if _, err := ingest.File(ctx, b.DB, ingest.Transactions, "testdata/CDNOW_sample.txt", ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			before := stats(t, b.DB)
			data, err := os.ReadFile("testdata/CDNOW_master.txt")
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(string(data), "\n")
			lines[99] = " 00099 19971332  1   11.77"     // line 100: no such date
			lines[4999] = " 01234 19970301  x   11.77"   // line 5000: quantity
			lines[60000] = " 20000 19970301  1   11.7.7" // line 60001: amount
			bad := filepath.Join(t.TempDir(), "bad.txt")
			if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
				t.Fatal(err)
			}
			sum, err := ingest.File(ctx, b.DB, ingest.Transactions, bad, ingest.Options{})
			var rej *ingest.RejectedError
			if !errors.As(err, &rej) {
				t.Fatalf("err = %v, want a RejectedError", err)
			}
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Errorf("code = %s, want invalid", clientele.ErrorCode(err))
			}
			want := []ingest.RowError{
				{Line: 100, Column: "date", Reason: `"19971332" is not a date (YYYYMMDD)`},
				{Line: 5000, Column: "quantity", Reason: `"x" is not a whole number ≥ 0`},
				{Line: 60001, Column: "amount", Reason: `amount "11.7.7" is not a decimal number`},
			}
			if diff := cmp.Diff(want, sum.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			for _, l := range []string{"line 100", "line 5000", "line 60001"} {
				if !strings.Contains(err.Error(), l) {
					t.Errorf("message does not name %s:\n%v", l, err)
				}
			}
			if diff := cmp.Diff(before, stats(t, b.DB)); diff != "" {
				t.Errorf("database changed (-before +after):\n%s", diff)
			}

			// With SkipInvalid the good rows go in and the bad ones to a file.
			sum, err = ingest.File(ctx, b.DB, ingest.Transactions, bad, ingest.Options{SkipInvalid: true})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rejected != 3 || sum.Imported+sum.Duplicates != 69656 {
				t.Errorf("skip-invalid: %v", sum)
			}
			rejected, err := os.ReadFile(bad + ".rejected")
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(string(rejected), "\n"); got != 3 || !strings.Contains(string(rejected), "19971332") {
				t.Errorf("reject file:\n%s", rejected)
			}
			reasons, _ := os.ReadFile(bad + ".rejected.txt")
			if !strings.Contains(string(reasons), "line 5000: quantity") {
				t.Errorf("reasons:\n%s", reasons)
			}
		})
	}
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportCSV(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			// Another system's column names, mapped; one row per line; KRW has
			// no minor unit.
			p := write(t, "orders.csv", "Invoice,Client,When,Item,Qty,Each,Currency,Ignored\n"+
				"A1,c1,2024-03-01 10:00,SKU-1,2,1500,KRW,x\n"+
				"A1,c1,2024-03-01 10:00,SKU-2,1,700,KRW,x\n"+
				"A2,c2,2024-03-02T09:00:00+09:00,SKU-1,1,1500,KRW,y\n")
			opt := ingest.Options{Map: map[string]string{"Invoice": "id", "Client": "customer_id", "When": "time", "Item": "sku", "Qty": "quantity", "Each": "unit_price", "Ignored": "-"},
				Location: time.FixedZone("KST", 9*3600)}
			sum, err := ingest.File(ctx, b.DB, ingest.Transactions, p, opt)
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != 3 || sum.Items != 2 || sum.Imported != 2 {
				t.Errorf("summary: %v (items %d)", sum, sum.Items)
			}
			got, _, err := b.DB.ListTransactions(ctx, "c1", "", 10)
			if err != nil {
				t.Fatal(err)
			}
			want := []clientele.Transaction{{ID: "A1", CustomerID: "c1", Time: time.Date(2024, 3, 1, 1, 0, 0, 0, time.UTC), Amount: 3700, Currency: "KRW", Quantity: 3,
				Lines: []clientele.Line{{SKU: "SKU-1", Quantity: 2, UnitPrice: 1500}, {SKU: "SKU-2", Quantity: 1, UnitPrice: 700}}}}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("transactions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImportCSVErrors(t *testing.T) {
	db := storetest.Open(t)[0].DB
	ctx := context.Background()
	tests := []struct {
		name, content string
		opt           ingest.Options
		want          string
	}{
		{"unknown column", "customer_id,time,amount,colour\nc1,2024-01-01,1.00,red\n", ingest.Options{}, `column "colour" is not a transactions field`},
		{"missing field", "customer_id,amount\nc1,1.00\n", ingest.Options{}, "no column gives field time"},
		{"bad map", "customer_id,time,amount\n", ingest.Options{Map: map[string]string{"Client": "customer_id"}}, `no column "Client"`},
		{"too many decimals", "customer_id,time,amount\nc1,2024-01-01,1.005\n", ingest.Options{}, "line 2: amount: amount \"1.005\" has more than 2 decimals"},
		{"bad currency", "customer_id,time,amount,currency\nc1,2024-01-01,1.00,XYZ\n", ingest.Options{}, "line 2: currency"},
		{"empty", "", ingest.Options{}, "empty file"},
		{"bad quote", "customer_id,time,amount\nc1,\"2024,1.00\n", ingest.Options{}, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := write(t, "tx.csv", tt.content)
			_, err := ingest.File(ctx, db, ingest.Transactions, p, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if s := stats(t, db); s.Transactions != 0 || s.Customers != 0 {
		t.Errorf("bad files wrote: %+v", s)
	}
}

func TestImportNDJSONAndEntities(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			files := map[string]string{
				"customers.csv": "id,name,email,phone,birth_date,city,household_id,created_at,loyalty_level\n" +
					"c1,Kim Minji,minji@example.kr,010-1234-5678,1990-04-01,Seoul,h1,2023-01-05,3\n",
				"products.csv": "sku,name,category,brand,price,unit_cost,currency\nP1,Diapers,baby,Softy,12.99,9.50,USD\n",
				"accounts.csv": "id,customer_id,kind,product,tier,holder,opened_on,closed_on,parent_id,spending_limit,currency\n" +
					"C-1,c1,card,rewards,gold,,2023-01-05,,,,USD\nC-2,c1,card,rewards,gold,Kim Jisoo,2023-06-01,,C-1,500.00,USD\n",
				"transactions.ndjson": `{"id":"t1","customer_id":"c1","time":"2024-01-02T10:00:00Z","amount":12.99,"margin":3.49,"lines":[{"sku":"P1","quantity":1,"unit_price":"12.99"}]}` + "\n",
				"events.ndjson":       `{"id":"e1","customer_id":"c1","type":"new_baby","time":"2024-01-01T00:00:00Z","properties":{"source":"survey"}}` + "\n\n",
			}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			sums, err := ingest.Dir(ctx, b.DB, dir, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var kinds []ingest.Kind
			for _, s := range sums {
				kinds = append(kinds, s.Kind)
				if s.Imported == 0 {
					t.Errorf("%s imported nothing: %v", s.Kind, s)
				}
			}
			if diff := cmp.Diff([]ingest.Kind{"customers", "products", "accounts", "transactions", "events"}, kinds); diff != "" {
				t.Errorf("order (-want +got):\n%s", diff)
			}
			v, err := b.DB.Customer360(ctx, "c1", 5)
			if err != nil {
				t.Fatal(err)
			}
			if v.Customer.Attributes["loyalty_level"] != json.Number("3") || v.Customer.BirthDate != "1990-04-01" || len(v.Accounts) != 2 ||
				*v.Accounts[1].SpendingLimit != 50000 || len(v.Events) != 1 || len(v.Transactions) != 1 || *v.Transactions[0].Margin != 349 {
				t.Errorf("360 view: %+v", v)
			}
			id, err := b.DB.CustomerByIdentity(ctx, "card", "C-2")
			if err != nil || id != "c1" {
				t.Errorf("supplementary card identity: %q, %v", id, err)
			}
			// Again: nothing new.
			sums, err = ingest.Dir(ctx, b.DB, dir, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sums {
				if s.Imported != 0 {
					t.Errorf("re-import of %s imported %d", s.Kind, s.Imported)
				}
			}
		})
	}
}

func TestImportDirAllOrNothing(t *testing.T) {
	db := storetest.Open(t)[0].DB
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "customers.csv"), []byte("id,name\nc1,Ann\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "events.ndjson"), []byte(`{"id":"e1","customer_id":"c1","type":"x","time":"not a time"}`+"\n"), 0o644)
	_, err := ingest.Dir(context.Background(), db, dir, ingest.Options{})
	if err == nil || !strings.Contains(err.Error(), "line 1: time") {
		t.Fatalf("err = %v, want the events file's line 1 named", err)
	}
	if s := stats(t, db); s.Customers != 0 {
		t.Errorf("customers = %d after a rejected directory, want 0", s.Customers)
	}
}

// A directory's reject files from an earlier import are not imported.
func TestDirFilesSkipsRejects(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"customers.csv", "transactions.csv", "transactions.csv.rejected", "transactions.csv.rejected.txt", "truth.json", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644)
	}
	files, err := ingest.DirFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.Path))
	}
	if diff := cmp.Diff([]string{"customers.csv", "transactions.csv"}, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

// TestImportRepeatsAcrossBatches: a file larger than one batch, into an
// empty table (on PostgreSQL, a bulk load, which finds repeats in different
// batches only at the end), counts every repeat as a duplicate and keeps
// the first row of each key, as a second import of the file finds.
func TestImportRepeatsAcrossBatches(t *testing.T) {
	var csv strings.Builder
	csv.WriteString("id,customer_id,time,amount\n")
	row := func(i int, amount string) {
		fmt.Fprintf(&csv, "T%d,C%d,2024-01-%02dT10:00:00Z,%s\n", i, i%1000, 1+i%28, amount)
	}
	const n = 60000 // more than one batch
	for i := range n {
		row(i, fmt.Sprintf("%d.%02d", i%100, i%7))
		if i == 10 {
			row(5, "999.00") // a repeat in the first batch
		}
	}
	row(7, "999.00")   // in the second batch, of a row of the first
	row(n-1, "999.00") // in the second batch, of a row of its own
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			p := write(t, "tx.csv", csv.String())
			sum, err := ingest.File(ctx, b.DB, ingest.Transactions, p, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Rows != n+3 || sum.Imported != n || sum.Duplicates != 3 || sum.Rejected != 0 {
				t.Errorf("summary: %v", sum)
			}
			for _, i := range []int{5, 7, n - 1} {
				got, _, err := b.DB.ListTransactions(ctx, fmt.Sprintf("C%d", i%1000), "", 1000)
				if err != nil {
					t.Fatal(err)
				}
				for _, x := range got {
					if want := int64(100*(i%100) + i%7); x.ID == fmt.Sprintf("T%d", i) && x.Amount != want {
						t.Errorf("T%d stored with amount %d, want the first row's %d", i, x.Amount, want)
					}
				}
			}
			sum, err = ingest.File(ctx, b.DB, ingest.Transactions, p, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Imported != 0 || sum.Duplicates != n+3 {
				t.Errorf("second import: %v", sum)
			}
			if s := stats(t, b.DB); s.Transactions != n || s.Customers != 1000 {
				t.Errorf("%d transactions, %d customers; want %d, 1000", s.Transactions, s.Customers, n)
			}
		})
	}
}

// A directory import reports progress over all its files: rows and bytes
// never go back when the next file starts, and the bytes end at the
// files' total (one file's rows were drawn against another's bytes).
func TestDirProgress(t *testing.T) {
	db := storetest.Open(t)[0].DB
	dir := t.TempDir()
	var total int64
	for name, body := range map[string]string{
		"customers.csv":    "id,name\nc1,Ann\nc2,Bo\n",
		"transactions.csv": "id,customer_id,time,amount\nt1,c1,2024-01-01,5\nt2,c2,2024-01-02,6\nt3,c2,2024-01-03,7\n",
		"events.ndjson":    `{"id":"e1","customer_id":"c1","type":"visit","time":"2024-01-01T00:00:00Z"}` + "\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		total += int64(len(body))
	}
	var mu sync.Mutex
	var rows, bytes []int64
	_, err := ingest.Dir(context.Background(), db, dir, ingest.Options{Progress: func(r, b int64) {
		mu.Lock()
		rows, bytes = append(rows, r), append(bytes, b)
		mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(rows); i++ {
		if rows[i] < rows[i-1] || bytes[i] < bytes[i-1] {
			t.Fatalf("progress went back: rows %v, bytes %v", rows, bytes)
		}
	}
	if len(bytes) == 0 || bytes[len(bytes)-1] != total || rows[len(rows)-1] != 6 {
		t.Errorf("progress ends at %v rows, %v bytes; want 6 rows, %d bytes", rows, bytes, total)
	}
}
