package clientele_test

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
)

func fields(err error) []string {
	var out []string
	for _, d := range clientele.ErrorDetails(err) {
		out = append(out, d.Field)
	}
	return out
}

func TestValidate(t *testing.T) {
	now := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		v    interface{ Validate() error }
		want []string // failing fields
	}{
		{"good customer", &clientele.Customer{ID: "c1", Email: "a@b.c", Phone: "+82 10-1234-5678", BirthDate: "1990-02-28"}, nil},
		{"bad customer", &clientele.Customer{ID: "c 1", Email: "nope", Phone: "call me", BirthDate: "1990-02-30"}, []string{"id", "email", "phone", "birth_date"}},
		{"good transaction", &clientele.Transaction{ID: "t", CustomerID: "c", Time: now, Currency: "KRW"}, nil},
		{"bad transaction", &clientele.Transaction{CustomerID: "c", Time: time.Date(197, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "usd",
			Lines: []clientele.Line{{SKU: "", Quantity: 0, UnitPrice: -1}}},
			[]string{"id", "time", "currency", "lines[0].sku", "lines[0].quantity", "lines[0].unit_price"}},
		{"event", &clientele.Event{ID: "e", CustomerID: "c", Time: now, Type: "x", Properties: []byte(`[1]`)}, []string{"properties"}},
		{"account", &clientele.Account{ID: "a", CustomerID: "c", Kind: "loan", OpenedOn: "2024-02-01", ClosedOn: "2024-01-01", Currency: "USD"}, []string{"kind", "closed_on"}},
		{"identity", &clientele.Identity{Kind: "shoe", Value: "", CustomerID: "c"}, []string{"kind", "value"}},
		// One rule for text everywhere: valid UTF-8, no NUL (PostgreSQL
		// stores neither; SQLite would store and serve them).
		{"NUL in text", &clientele.Customer{ID: "c", Name: "A\x00", Email: "a\x00@b.c", City: "\xff"}, []string{"name", "city", "email"}},
		{"NUL in attributes", &clientele.Customer{ID: "c", Attributes: map[string]any{"tags": []any{"ok", map[string]any{"a\x00": 1}}}}, []string{"attributes"}},
		{"bad UTF-8 in attributes", &clientele.Customer{ID: "c", Attributes: map[string]any{"note": "caf\xe9"}}, []string{"attributes"}},
		{"good attributes", &clientele.Customer{ID: "c", Attributes: map[string]any{"note": "café 라면", "n": json.Number("1"), "x": nil}}, nil},
		{"NUL in properties", &clientele.Event{ID: "e", CustomerID: "c", Time: now, Type: "x", Properties: []byte(`{"a":{"b":"\u0000"}}`)}, []string{"properties"}},
		{"escaped backslash in properties", &clientele.Event{ID: "e", CustomerID: "c", Time: now, Type: "x", Properties: []byte(`{"a":"\\u0000"}`)}, nil},
		{"bad UTF-8 in properties", &clientele.Event{ID: "e", CustomerID: "c", Time: now, Type: "x", Properties: []byte("{\"a\":\"\xff\"}")}, []string{"properties"}},
		{"NUL in account", &clientele.Account{ID: "a", CustomerID: "c", Kind: "card", Product: "p\x00", Tier: "\xff", Holder: "h\x00", OpenedOn: "2024-02-01", Currency: "USD"},
			[]string{"product", "tier", "holder"}},
		// Amounts and quantities are bounded where they enter, so that no
		// product wraps around and sums stay within reach.
		{"amount too large", &clientele.Transaction{ID: "t", CustomerID: "c", Time: now, Currency: "USD", Amount: 9_000_000_000_000_000_000, Margin: ptr(int64(-clientele.MaxAmount - 1)),
			Quantity: clientele.MaxQuantity + 1}, []string{"amount", "margin", "quantity"}},
		{"line product too large", &clientele.Transaction{ID: "t", CustomerID: "c", Time: now, Currency: "USD",
			Lines: []clientele.Line{{SKU: "a", Quantity: 1_000_000, UnitPrice: 10_000_000_000_000}, {SKU: "b", Quantity: 1, UnitPrice: clientele.MaxAmount + 1},
				{SKU: "c", Quantity: clientele.MaxQuantity + 1, UnitPrice: 1}}},
			[]string{"lines[0]", "lines[1].unit_price", "lines[2].quantity"}},
		{"largest amounts", &clientele.Transaction{ID: "t", CustomerID: "c", Time: now, Currency: "USD", Amount: -clientele.MaxAmount, Margin: ptr(int64(clientele.MaxAmount)),
			Lines: []clientele.Line{{SKU: "a", Quantity: 1000, UnitPrice: clientele.MaxAmount / 1000}}}, nil},
		{"limit too large", &clientele.Account{ID: "a", CustomerID: "c", Kind: "card", OpenedOn: "2024-02-01", Currency: "USD", SpendingLimit: ptr(int64(clientele.MaxAmount + 1))}, []string{"spending_limit"}},
		{"price too large", &clientele.Product{SKU: "p", Price: clientele.MaxAmount + 1, UnitCost: clientele.MaxAmount + 1, Currency: "USD"}, []string{"price", "unit_cost"}},
		{"NUL in identity", &clientele.Identity{Kind: "external", Value: "k\x00", CustomerID: "c"}, []string{"value"}},
		// Text written in lines: breaks and tabs allowed, and bad UTF-8
		// refused as it is (not first mapped to U+FFFD, which is valid).
		{"prose", &clientele.InfoItem{CustomerID: "c", Kind: "call_note", Text: "Called.\r\n\tAsked about 라면."}, nil},
		{"bad UTF-8 in prose", &clientele.InfoItem{CustomerID: "c", Kind: "call_note", Text: "caf\xe9"}, []string{"text"}},
		{"NUL in prose", &clientele.InfoItem{CustomerID: "c", Kind: "call_note", Text: "a\x00"}, []string{"text"}},
	}
	for _, tt := range tests {
		err := tt.v.Validate()
		if diff := cmp.Diff(tt.want, fields(err)); diff != "" {
			t.Errorf("%s: failing fields (-want +got):\n%s\n%v", tt.name, diff, err)
		}
		if err != nil && clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("%s: code %s, want invalid", tt.name, clientele.ErrorCode(err))
		}
	}
}

func TestDecodeTransaction(t *testing.T) {
	loc := time.FixedZone("KST", 9*3600)
	got, err := clientele.DecodeTransaction([]byte(`{"id":"t1","customer_id":"c1","time":"2024-03-01 09:30","lines":[{"sku":"A","quantity":2,"unit_price":"1.25"},{"sku":"B","quantity":1,"unit_price":3}]}`), "USD", loc)
	if err != nil {
		t.Fatal(err)
	}
	want := clientele.Transaction{ID: "t1", CustomerID: "c1", Time: time.Date(2024, 3, 1, 0, 30, 0, 0, time.UTC), Currency: "USD",
		Amount: 550, Quantity: 3, Lines: []clientele.Line{{SKU: "A", Quantity: 2, UnitPrice: 125}, {SKU: "B", Quantity: 1, UnitPrice: 300}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{`{"id":"t","customer_id":"c","time":"2024-01-01"}`, `{"id":"t","customer_id":"c","time":"2024-01-01","amount":1,"x":1}`, `[]`, `{"id":"t","customer_id":"c","time":"2024-01-01","amount":1} {}`} {
		if _, err := clientele.DecodeTransaction([]byte(bad), "USD", time.UTC); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("DecodeTransaction(%s): err = %v, want invalid", bad, err)
		}
	}
}

func TestCustomerAge(t *testing.T) {
	c := clientele.Customer{BirthDate: "1959-06-15"}
	for at, want := range map[string]int{"2024-06-14": 64, "2024-06-15": 65, "2025-01-01": 65} {
		tm, _ := time.Parse(time.DateOnly, at)
		if got, ok := c.Age(tm); !ok || got != want {
			t.Errorf("age at %s = %d, %v; want %d", at, got, ok, want)
		}
	}
}

// Decoding never panics, and whatever it accepts is valid and survives a
// round trip through its JSON form.
func FuzzDecodeTransaction(f *testing.F) {
	f.Add([]byte(`{"id":"t1","customer_id":"c1","time":"2024-05-01T10:00:00Z","amount":12.5,"margin":"3.1","lines":[{"sku":"A","quantity":1,"unit_price":12.5}]}`))
	f.Add([]byte(`{"id":"t","customer_id":"c","time":"2024-01-01","amount":-1,"currency":"KRW"}`))
	f.Add([]byte(`{"id":"t","customer_id":"c","time":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		tx, err := clientele.DecodeTransaction(data, "USD", time.UTC)
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Fatalf("error of kind %s: %v", clientele.ErrorCode(err), err)
			}
			return
		}
		if err := tx.Validate(); err != nil {
			t.Fatalf("accepted an invalid transaction: %v", err)
		}
		j := tx.JSON(time.UTC)
		b, _ := jsonMarshal(j)
		back, err := clientele.DecodeTransaction(b, "USD", time.UTC)
		if err != nil {
			t.Fatalf("round trip of %s: %v", b, err)
		}
		if diff := cmp.Diff(tx, back); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzDecodeEvent(f *testing.F) {
	f.Add([]byte(`{"id":"e","customer_id":"c","type":"web_visit","time":"2024-05-01T10:00:00Z","properties":{"page":"x"}}`))
	f.Add([]byte(`{"id":"e","customer_id":"c","type":"","time":"2024-05-01"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := clientele.DecodeEvent(data, time.UTC)
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("bad error: %v", err)
			}
			return
		}
		if err := e.Validate(); err != nil {
			t.Fatalf("accepted an invalid event: %v", err)
		}
	})
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

func ptr[T any](v T) *T { return &v }

// Lines multiply and add without wrapping around: a total out of range
// saturates, and Validate refuses it.
func TestLinesTotalSaturates(t *testing.T) {
	tx := clientele.Transaction{ID: "t", CustomerID: "c", Time: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), Currency: "USD",
		Lines: []clientele.Line{{SKU: "a", Quantity: 900_000_000, UnitPrice: 900_000_000_000_000}, {SKU: "b", Quantity: 900_000_000, UnitPrice: 900_000_000_000_000}}}
	tx.Complete()
	if tx.Amount != math.MaxInt64 {
		t.Errorf("Amount = %d, want it saturated at MaxInt64 (it was stored as −2.00)", tx.Amount)
	}
	if err := tx.Validate(); err == nil {
		t.Error("a transaction with an amount out of range was valid")
	}
	for _, tc := range []struct{ a, b, sum, prod int64 }{
		{2, 3, 5, 6}, {math.MaxInt64, 1, math.MaxInt64, math.MaxInt64}, {math.MinInt64, -1, math.MinInt64, math.MaxInt64},
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64}, {-3, 4, 1, -12}, {math.MinInt64, 2, math.MinInt64 + 2, math.MinInt64},
	} {
		if got := clientele.SatAdd(tc.a, tc.b); got != tc.sum {
			t.Errorf("SatAdd(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.sum)
		}
		if got := clientele.SatMul(tc.a, tc.b); got != tc.prod {
			t.Errorf("SatMul(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.prod)
		}
	}
}
