package clientele

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/text/currency"
)

// Money amounts are exact: an integer number of the currency's minor units
// (cents for USD, won for KRW, which has none). They are never floats in
// storage. The currency's number of minor-unit digits comes from ISO 4217
// through golang.org/x/text/currency.

// Currency is an ISO 4217 currency code such as "USD" or "KRW".
type Currency string

var scaleCache sync.Map // Currency -> int

// Scale returns the number of minor-unit digits of c (2 for USD, 0 for KRW),
// or an error if c is not an ISO 4217 code.
func (c Currency) Scale() (int, error) {
	if v, ok := scaleCache.Load(c); ok {
		return v.(int), nil
	}
	if len(c) != 3 || strings.ToUpper(string(c)) != string(c) {
		return 0, fmt.Errorf("currency %q: not an upper-case ISO 4217 code", Excerpt(string(c)))
	}
	u, err := currency.ParseISO(string(c))
	if err != nil {
		return 0, fmt.Errorf("currency %q: not an ISO 4217 code", Excerpt(string(c)))
	}
	scale, _ := currency.Standard.Rounding(u)
	scaleCache.Store(c, scale)
	return scale, nil
}

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000}

// ParseAmount parses a decimal amount such as "29.33", "-4", "1,234.50" is
// rejected (no grouping), into minor units of a currency with the given scale.
// More decimals than the scale allows is an error unless they are zeros:
// an amount is never rounded silently.
func ParseAmount(s string, scale int) (int64, error) {
	return parseAmount([]byte(s), scale)
}

// ParseAmountBytes is ParseAmount for a byte slice; it does not allocate.
func ParseAmountBytes(b []byte, scale int) (int64, error) { return parseAmount(b, scale) }

func parseAmount(b []byte, scale int) (int64, error) {
	if scale < 0 || scale >= len(pow10) {
		return 0, fmt.Errorf("unsupported currency scale %d", scale)
	}
	if len(b) == 0 {
		return 0, fmt.Errorf("empty amount")
	}
	neg := false
	i := 0
	switch b[0] {
	case '-':
		neg = true
		i++
	case '+':
		i++
	}
	var whole, frac int64
	digits, fracDigits := 0, 0
	seenDot := false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			d := int64(c - '0')
			if !seenDot {
				if whole > (math.MaxInt64/10-9)/pow10[scale] {
					return 0, fmt.Errorf("amount %q out of range", Excerpt(string(b)))
				}
				whole = whole*10 + d
				digits++
			} else {
				if fracDigits < scale {
					frac = frac*10 + d
				} else if d != 0 {
					return 0, fmt.Errorf("amount %q has more than %d decimals", Excerpt(string(b)), scale)
				}
				fracDigits++
			}
		case c == '.' && !seenDot:
			seenDot = true
		default:
			return 0, fmt.Errorf("amount %q is not a decimal number", Excerpt(string(b)))
		}
	}
	if digits == 0 && fracDigits == 0 {
		return 0, fmt.Errorf("amount %q is not a decimal number", Excerpt(string(b)))
	}
	for n := min(fracDigits, scale); n < scale; n++ {
		frac *= 10
	}
	v := whole*pow10[scale] + frac
	if neg {
		v = -v
	}
	return v, nil
}

// FormatAmount formats minor units as a decimal string with scale decimals.
func FormatAmount(v int64, scale int) string {
	return string(AppendAmount(nil, v, scale))
}

// AppendAmount appends the decimal form of minor units v to dst.
func AppendAmount(dst []byte, v int64, scale int) []byte {
	if scale == 0 {
		return strconv.AppendInt(dst, v, 10)
	}
	if v < 0 {
		dst = append(dst, '-')
		if v == math.MinInt64 {
			// Cannot negate; format through uint64.
			u := uint64(math.MaxInt64) + 1
			s := strconv.FormatUint(u, 10)
			return appendScaled(dst, s, scale)
		}
		v = -v
	}
	return appendScaled(dst, strconv.FormatInt(v, 10), scale)
}

func appendScaled(dst []byte, s string, scale int) []byte {
	if len(s) <= scale {
		dst = append(dst, '0', '.')
		dst = append(dst, bytes.Repeat([]byte{'0'}, scale-len(s))...)
		return append(dst, s...)
	}
	dst = append(dst, s[:len(s)-scale]...)
	dst = append(dst, '.')
	return append(dst, s[len(s)-scale:]...)
}

// Money is an exact amount in a currency.
type Money struct {
	Minor    int64    // amount in minor units
	Currency Currency // ISO 4217 code
}

// String formats m as "29.33 USD".
func (m Money) String() string {
	scale, err := m.Currency.Scale()
	if err != nil {
		return fmt.Sprintf("%d (minor units) %s", m.Minor, m.Currency)
	}
	return FormatAmount(m.Minor, scale) + " " + string(m.Currency)
}

// Float returns m in major units as a float, for reports and models only.
func (m Money) Float() float64 {
	scale, err := m.Currency.Scale()
	if err != nil {
		return float64(m.Minor)
	}
	return float64(m.Minor) / float64(pow10[scale])
}

// ParseCost parses a cost given as a parameter (the cost of a call, of a
// contact): an amount of 0 to MaxAmount minor units.
func ParseCost(s string, scale int) (int64, error) {
	a, err := ParseAmount(s, scale)
	if err != nil {
		return 0, err
	}
	if a < 0 || a > MaxAmount {
		return 0, fmt.Errorf("amount %q is out of range: a cost is 0 to %s", Excerpt(s), FormatAmount(MaxAmount, scale))
	}
	return a, nil
}

// Text formats m for people: the amount with the currency's own decimals
// (none for KRW or JPY, two for USD), thousands grouped, and the code:
// "126,000 KRW", "-1,234.56 USD". Machine formats (CSV, JSON) carry the
// plain amount and the currency apart.
func (m Money) Text() string {
	scale, err := m.Currency.Scale()
	if err != nil {
		return m.String()
	}
	return GroupDigits(FormatAmount(m.Minor, scale)) + " " + string(m.Currency)
}

// MoneyOf is the amount v in major units of cur, rounded to its minor unit
// (reports compute in floating point; what they show is money).
func MoneyOf(v float64, cur Currency) Money {
	scale, err := cur.Scale()
	if err != nil {
		scale = 2
	}
	return Money{Minor: int64(math.Round(v * float64(pow10[scale]))), Currency: cur}
}

// GroupDigits groups the integer digits of a decimal number in threes:
// "1234567.5" becomes "1,234,567.5".
func GroupDigits(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if len(whole) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}
