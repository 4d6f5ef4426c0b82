package ingest_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele/internal/ingest"
	"clientele/internal/store/storetest"
)

// Every row is imported as written or rejected with its reason; nothing is
// dropped or altered without a word, and the summary adds up.
func TestImportDropsNoRow(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			for _, tc := range []struct {
				name, file, content string
				kind                ingest.Kind
				imported, dups      int64
				reject              []string // each bad row's "line N: field"
			}{
				{"CDNOW first row with a letter id", "a.txt", "ABC 19970101 1 10.00\nABD 19970102 2 20.00\n", ingest.Transactions, 2, 0, nil},
				{"CDNOW with a byte-order mark", "b.txt", "\uFEFF00001 19970101 1 10.00\n00002 19970102 2 20.00\n", ingest.Transactions, 2, 0, nil},
				{"CDNOW header is still a header", "c.txt", "customer_id date quantity amount\n00005 19970101 1 10.00\n", ingest.Transactions, 1, 0, nil},
				{"CDNOW with NUL and invalid UTF-8", "d.txt", "00001 19970101 1 10.00\n0\x0002 19970101 1 1.00\n\xff\xfe 19970101 1 1.00\n", ingest.Transactions, 0, 0,
					[]string{"line 2: customer_id", "line 3: customer_id"}},
				{"NDJSON two objects on a line", "e.ndjson", `{"id":"c1"}{"id":"c2"}` + "\n", ingest.Customers, 0, 0, []string{"line 1: invalid customer JSON: trailing data"}},
				{"NDJSON trailing garbage", "f.ndjson", `{"id":"c1"} xyz` + "\n", ingest.Customers, 0, 0, []string{"line 1: invalid customer JSON: trailing data"}},
				{"NDJSON invalid updated_at", "g.ndjson", `{"id":"c1","updated_at":"garbage"}` + "\n", ingest.Customers, 0, 0, []string{"line 1: updated_at"}},
				{"created_at in year 1", "h.csv", "id,created_at\nc1,0001-01-01\n", ingest.Customers, 0, 0, []string{"line 2: created_at"}},
				{"CSV row wider than the header", "i.csv", "id,name\nc1,Ann,extra\n", ingest.Customers, 0, 0, []string{"line 2: has 3 fields"}},
				{"a line in another currency", "j.csv", "id,customer_id,time,sku,quantity,unit_price,currency\nT1,c1,2024-01-01,A,1,10.00,USD\nT1,c1,2024-01-01,B,1,5.00,EUR\n",
					ingest.Transactions, 0, 0, []string{"line 3: currency"}},
				{"a customer twice in one file", "k.csv", "id,name\nc9,Ann\nc9,Anne\n", ingest.Customers, 1, 1, nil},
			} {
				p := write(t, tc.file, tc.content)
				sum, err := ingest.File(ctx, b.DB, tc.kind, p, ingest.Options{})
				if tc.reject != nil {
					if err == nil {
						t.Errorf("%s: imported %v, want a rejection", tc.name, sum)
						continue
					}
					for _, r := range tc.reject {
						if !strings.Contains(err.Error(), r) {
							t.Errorf("%s: %v\nwant it to name %q", tc.name, err, r)
						}
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", tc.name, err)
					continue
				}
				if sum.Imported != tc.imported || sum.Duplicates != tc.dups || sum.Imported+sum.Duplicates+sum.Rejected != sum.Items {
					t.Errorf("%s: %v (items %d), want %d imported and %d duplicates adding up to the items", tc.name, sum, sum.Items, tc.imported, tc.dups)
				}
			}
			if c, err := b.DB.Customer(ctx, "c9"); err != nil || c.Name != "Anne" {
				t.Errorf("customer c9 = %+v, %v; want the file's last row", c, err)
			}
			// Large integers in attributes keep every digit, both ways.
			p := write(t, "n.ndjson", `{"id":"c10","attributes":{"n":12345678901234567890,"f":0.1}}`+"\n")
			if _, err := ingest.File(ctx, b.DB, ingest.Customers, p, ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			c, err := b.DB.Customer(ctx, "c10")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(map[string]any{"n": json.Number("12345678901234567890"), "f": json.Number("0.1")}, c.Attributes); diff != "" {
				t.Errorf("attributes (-want +got):\n%s", diff)
			}
		})
	}
}

// Rows without an id get one from their content in canonical form: a
// re-import of the same facts adds nothing whatever their position or
// formatting, and truly identical rows are separate facts, the n-th of
// them the same fact at every import.
func TestImportIDsFromContent(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			for _, tc := range []struct {
				name, file, first, second string
				kind                      ingest.Kind
				firstImported, imported   int64
				dups                      int64
			}{
				{"CDNOW, a row inserted on top and an amount reformatted", "t.txt",
					"00001 19970101 1 20.00\n00001 19970102 2 5.50\n00002 19970103 1 7.00\n",
					"00003 19970105 1 1.00\n00001 19970101 1 20.0\n00001 19970102 2 5.5\n00002 19970103 1 7\n",
					ingest.Transactions, 3, 1, 3},
				{"CDNOW, identical rows are separate facts", "u.txt",
					"00009 19970101 1 20.00\n00009 19970101 1 20.00\n",
					"00009 19970101 1 20.00\n00009 19970101 1 20.00\n00009 19970101 1 20.00\n",
					ingest.Transactions, 2, 1, 2},
				{"CSV, reordered and times reformatted", "t.csv",
					"customer_id,time,amount\nc1,2024-01-01,10.00\nc2,2024-01-02T10:00:00Z,3\n",
					"customer_id,amount,time\nc2,3.00,2024-01-02 10:00\nc1,10,2024-01-01T00:00:00Z\n",
					ingest.Transactions, 2, 0, 2},
				{"events CSV, properties respaced", "e.csv",
					"customer_id,type,time,properties\nc1,visit,2024-01-01,\"{\"\"a\"\":1}\"\n",
					"customer_id,type,time,properties\nc1,visit,2024-01-01T00:00:00Z,\"{ \"\"a\"\": 1 }\"\n",
					ingest.Events, 1, 0, 1},
			} {
				sum, err := ingest.File(ctx, b.DB, tc.kind, write(t, tc.file, tc.first), ingest.Options{})
				if err != nil || sum.Imported != tc.firstImported {
					t.Fatalf("%s, first import: %v, %v; want %d imported", tc.name, sum, err, tc.firstImported)
				}
				sum, err = ingest.File(ctx, b.DB, tc.kind, write(t, tc.file, tc.second), ingest.Options{})
				if err != nil || sum.Imported != tc.imported || sum.Duplicates != tc.dups {
					t.Errorf("%s, second import: %v, %v; want %d imported and %d duplicates", tc.name, sum, err, tc.imported, tc.dups)
				}
			}
		})
	}
}
