package ingest_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"clientele/internal/ingest"
	"clientele/internal/store/storetest"
)

// Text that PostgreSQL cannot store (a NUL, invalid UTF-8) is refused row
// by row, with the line and the field, on both backends, and the file is
// rejected whole; with SkipInvalid the good rows are imported.
func TestImportRejectsBadText(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			for _, tc := range []struct {
				name    string
				kind    ingest.Kind
				file    string
				content string
				want    []string // substrings of the rejection, one per bad row
			}{
				{"customers CSV", ingest.Customers, "c.csv",
					"id,name,city,email\nc1,Ann,Bath,ann@example.com\nc2,B\x00b,Bath,\nc3,Cy,\xff\xfe,\nc4,Di,Rome,d\x00@example.com\n",
					[]string{"line 3: name", "line 4: city", "line 5: email"}},
				{"customer attributes", ingest.Customers, "c.ndjson",
					`{"id":"c1","name":"Ann"}` + "\n" + `{"id":"c5","attributes":{"note":"a\u0000b"}}` + "\n",
					[]string{"line 2: attributes"}},
				{"events NDJSON", ingest.Events, "e.ndjson",
					`{"id":"e1","customer_id":"c1","type":"visit","time":"2024-01-01T00:00:00Z","properties":{"page":"/"}}` + "\n" +
						`{"id":"e2","customer_id":"c1","type":"visit","time":"2024-01-01T00:00:00Z","properties":{"page":"\u0000"}}` + "\n" +
						"{\"id\":\"e3\",\"customer_id\":\"c1\",\"type\":\"visit\",\"time\":\"2024-01-01T00:00:00Z\",\"properties\":{\"page\":\"\xff\"}}\n",
					[]string{"line 2: properties", "line 3: properties"}},
				{"accounts CSV", ingest.Accounts, "a.csv",
					"id,customer_id,kind,opened_on,holder\nA1,c1,card,2024-01-01,Ann\nA2,c1,card,2024-01-01,B\x00\n",
					[]string{"line 3: holder"}},
			} {
				p := write(t, tc.file, tc.content)
				_, err := ingest.File(ctx, b.DB, tc.kind, p, ingest.Options{})
				var rej *ingest.RejectedError
				if !errors.As(err, &rej) {
					t.Errorf("%s: err = %v, want a rejection", tc.name, err)
					continue
				}
				for _, w := range tc.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: %v\nwant it to name %q", tc.name, err, w)
					}
				}
				if int(rej.Summary.Rejected) != len(tc.want) {
					t.Errorf("%s: %d rows rejected, want %d", tc.name, rej.Summary.Rejected, len(tc.want))
				}
				sum, err := ingest.File(ctx, b.DB, tc.kind, p, ingest.Options{SkipInvalid: true})
				if err != nil || int(sum.Rejected) != len(tc.want) || sum.Imported == 0 {
					t.Errorf("%s with SkipInvalid: %v, %v", tc.name, sum, err)
				}
			}
		})
	}
}

// Amounts and quantities out of range are refused row by row, naming the
// field, instead of being stored wrapped around (a line of a huge quantity
// × price was stored as −2.00).
func TestImportRejectsAmountsOutOfRange(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			p := write(t, "t.csv", "id,customer_id,time,amount\nt1,c1,2024-01-01,1.00\nt2,c1,2024-01-01,90000000000000000.00\nt3,c1,2024-01-01,-90000000000000000.00\n")
			_, err := ingest.File(context.Background(), b.DB, ingest.Transactions, p, ingest.Options{})
			if err == nil || !strings.Contains(err.Error(), "line 3: amount: is out of range") || !strings.Contains(err.Error(), "line 4: amount") {
				t.Errorf("err = %v", err)
			}
			p = write(t, "l.csv", "id,customer_id,time,sku,quantity,unit_price\nt1,c1,2024-01-01,A,1000000000,90000000000.00\n")
			_, err = ingest.File(context.Background(), b.DB, ingest.Transactions, p, ingest.Options{})
			if err == nil || !strings.Contains(err.Error(), "quantity × unit_price is out of range") {
				t.Errorf("err = %v", err)
			}
			if s := stats(t, b.DB); s.Transactions != 0 {
				t.Errorf("rejected files wrote %d transactions", s.Transactions)
			}
		})
	}
}
