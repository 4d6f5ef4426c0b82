package clientele_test

import (
	"strings"
	"testing"

	"clientele"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in    string
		scale int
		want  int64
		err   string
	}{
		{"29.33", 2, 2933, ""},
		{"29.3", 2, 2930, ""},
		{"29", 2, 2900, ""},
		{".5", 2, 50, ""},
		{"-4.10", 2, -410, ""},
		{"+1.00", 2, 100, ""},
		{"1.500", 2, 150, ""}, // trailing zeros are not extra precision
		{"12000", 0, 12000, ""},
		{"0.001", 3, 1, ""},
		{"1.005", 2, 0, "more than 2 decimals"},
		{"1.5", 0, 0, "more than 0 decimals"},
		{"1,000.00", 2, 0, "not a decimal number"},
		{"", 2, 0, "empty"},
		{"-", 2, 0, "not a decimal number"},
		{".", 2, 0, "not a decimal number"},
		{"1e3", 2, 0, "not a decimal number"},
		{"99999999999999999999", 2, 0, "out of range"},
	}
	for _, tt := range tests {
		got, err := clientele.ParseAmount(tt.in, tt.scale)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseAmount(%q, %d) = %d, %v; want error %q", tt.in, tt.scale, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %d) = %d, %v; want %d", tt.in, tt.scale, got, err, tt.want)
		}
	}
}

func TestCurrencyScale(t *testing.T) {
	for cur, want := range map[clientele.Currency]int{"USD": 2, "KRW": 0, "JPY": 0, "EUR": 2, "BHD": 3} {
		got, err := cur.Scale()
		if err != nil || got != want {
			t.Errorf("%s.Scale() = %d, %v; want %d", cur, got, err, want)
		}
	}
	for _, bad := range []clientele.Currency{"", "usd", "XXXX", "ZZZ"} {
		if _, err := bad.Scale(); err == nil {
			t.Errorf("%q.Scale(): no error", bad)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		v     int64
		scale int
		want  string
	}{{2933, 2, "29.33"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {-410, 2, "-4.10"}, {12000, 0, "12000"}, {1, 3, "0.001"}}
	for _, tt := range tests {
		if got := clientele.FormatAmount(tt.v, tt.scale); got != tt.want {
			t.Errorf("FormatAmount(%d, %d) = %q, want %q", tt.v, tt.scale, got, tt.want)
		}
	}
}

// Formatting and parsing are inverse for every amount.
func FuzzAmountRoundTrip(f *testing.F) {
	for _, s := range []string{"0", "1.5", "-3.25", "99999.99", ".01", "7."} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, scale int) {
		scale = ((scale % 4) + 4) % 4
		v, err := clientele.ParseAmount(s, scale)
		if err != nil {
			return
		}
		back, err := clientele.ParseAmount(clientele.FormatAmount(v, scale), scale)
		if err != nil || back != v {
			t.Fatalf("%q → %d → %q → %d, %v", s, v, clientele.FormatAmount(v, scale), back, err)
		}
	})
}

// One money format for people: the currency's own decimals (none for
// KRW), thousands grouped, and the code.
func TestMoneyText(t *testing.T) {
	for _, tc := range []struct {
		m    clientele.Money
		want string
	}{
		{clientele.Money{126000, "KRW"}, "126,000 KRW"},
		{clientele.Money{30800000, "KRW"}, "30,800,000 KRW"},
		{clientele.Money{-123456, "USD"}, "-1,234.56 USD"},
		{clientele.Money{5, "USD"}, "0.05 USD"},
		{clientele.Money{999, "JPY"}, "999 JPY"},
		{clientele.MoneyOf(1234.567, "USD"), "1,234.57 USD"},
		{clientele.MoneyOf(126000.4, "KRW"), "126,000 KRW"},
	} {
		if got := tc.m.Text(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.m, got, tc.want)
		}
	}
}
