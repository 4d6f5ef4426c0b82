package ingest

import (
	"bytes"
	"io"
	"testing"
	"time"

	"clientele"
)

// drain runs a parser over data and checks what every parser promises:
// no panic; items are valid or carry row errors; line numbers lie within the
// input.
func drain[T any](t *testing.T, data []byte, p parser[T], err error, validate func(*T) error) {
	t.Helper()
	if err != nil {
		return // a rejected header: fine
	}
	lines := bytes.Count(data, []byte("\n")) + 1
	for range 1_000_000 {
		it, err := p.next()
		if err == io.EOF {
			return
		}
		if err != nil {
			return // a file-level error such as a broken quote
		}
		if it.line < 1 || it.line > lines {
			t.Fatalf("item at line %d of a %d-line input", it.line, lines)
		}
		if len(it.errs) == 0 {
			if err := validate(&it.v); err != nil {
				t.Fatalf("line %d: accepted an invalid item: %v", it.line, err)
			}
		}
		for _, e := range it.errs {
			if e.Line < 1 || e.Line > lines || e.Reason == "" {
				t.Fatalf("bad row error %+v", e)
			}
		}
	}
	t.Fatal("parser did not stop")
}

// fuzzParser fuzzes the parser that newParser makes for format, from the
// seeds, with drain's checks.
func fuzzParser[T any](f *testing.F, format string, newParser func(io.Reader, *Options, *countingReader) (parser[T], error), validate func(*T) error, seeds ...string) {
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cr := &countingReader{r: bytes.NewReader(data)}
		p, err := newParser(cr, fuzzOptions(format), cr)
		drain(t, data, p, err, validate)
	})
}

func fuzzOptions(format string) *Options {
	return &Options{Format: format, Currency: "USD", Location: time.UTC}
}

func FuzzCDNOW(f *testing.F) {
	fuzzParser(f, FormatCDNOW, transactionParser, (*clientele.Transaction).Validate,
		" customer_id  date number_of_cds  dollar_value\n 00001 19970101  1   11.77\n 00002 19970112  5   77.00\n",
		" 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n",
		" 00004 0001 19971301  2   29.33\n\n\t00005 19970101 x 1\n")
}

func FuzzTransactionsCSV(f *testing.F) {
	fuzzParser(f, FormatCSV, transactionParser, (*clientele.Transaction).Validate,
		"id,customer_id,time,amount\nt1,c1,2024-01-01,1.00\nt2,c1,2024-01-02T10:00:00Z,2\n",
		"id,customer_id,time,sku,quantity,unit_price\nA,c,20240101,S1,2,1.5\nA,c,20240101,S2,1,3\nB,c,20240102,S1,1,1.5\n",
		"customer_id,time,amount,currency\nc,2024-01-01,5,KRW\nc,2024-01-01,5.5,KRW\n\"c\",\"2024\n")
}

func FuzzTransactionsNDJSON(f *testing.F) {
	fuzzParser(f, FormatNDJSON, transactionParser, (*clientele.Transaction).Validate,
		`{"id":"t1","customer_id":"c1","time":"2024-01-02T10:00:00Z","amount":12.99}`+"\n\n"+`{"id":"t2"}`)
}

func FuzzCustomersCSV(f *testing.F) {
	fuzzParser(f, FormatCSV, customerParser, (*clientele.Customer).Validate,
		"id,name,email,phone,birth_date,created_at,tier\nc1,Ann,a@b.c,+1 555 0100,1980-01-01,2020-01-01,7\nc2,,bad,,1980-13-01,,\n")
}

func FuzzAccountsCSV(f *testing.F) {
	fuzzParser(f, FormatCSV, accountParser, (*clientele.Account).Validate,
		"id,customer_id,kind,tier,opened_on,closed_on,parent_id,spending_limit\nA1,c1,card,gold,2020-01-01,,,\nA2,c1,card,gold,2020-02-01,,A1,500.00\n")
}

func FuzzEventsCSV(f *testing.F) {
	fuzzParser(f, FormatCSV, eventParser, (*clientele.Event).Validate,
		"customer_id,type,time,properties\nc1,moved,2024-01-01,\"{\"\"city\"\":\"\"Bath\"\"}\"\nc1,moved,2024-01-01,[1]\n")
}

func FuzzConsentsCSV(f *testing.F) {
	fuzzParser(f, FormatCSV, consentParser, (*clientele.Consent).Validate,
		"customer_id,purpose,status,source,at\nc1,email_marketing,granted,web form,2024-03-01\nc1,sms_marketing,withdrawn,,2024-03-02T10:00:00Z\n",
		"customer_id,purpose,status,at\nc1,email,yes,2024-03-01\n,profiling,denied,\nc2,third_party_sharing,denied,13/13/2024\n")
}

func FuzzSwitchingSurvey(f *testing.F) {
	f.Add([]byte("respondent_id,brand,value,brand_image,last,frequency,chosen\n1,A,4,3,1,2,0\n1,B,3,4,0,2,1\n2,A,3,3,0,4,1\n2,B,4,3,1,4,0\n"))
	f.Add([]byte("respondent_id,brand,value,last,frequency\n1,A,x,1,2\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ReadSwitchingSurvey(bytes.NewReader(data))
		if err != nil {
			return
		}
		for i, r := range s.Respondents {
			if len(r.Ratings) != len(s.Brands) || r.Last < 0 || r.Last >= len(s.Brands) || !(r.Frequency > 0) {
				t.Fatalf("respondent %d accepted in a bad state: %+v", i, r)
			}
			for _, x := range r.Ratings {
				if len(x) != len(s.Drivers) {
					t.Fatalf("respondent %d: ratings %v for drivers %v", i, x, s.Drivers)
				}
			}
		}
	})
}
