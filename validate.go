package clientele

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength bounds every external identifier (customer, transaction, event,
// account, sku) in bytes.
const MaxIDLength = 128

// Limits on JSON documents held in the customer database: customer
// attributes and event properties (docs/limits.md).
const (
	MaxDocumentBytes = 64 << 10 // as JSON
	MaxDocumentDepth = 16       // objects and arrays within each other
)

// Bounds on money and quantities (docs/limits.md). MaxAmount, 10^15 minor
// units (ten trillion dollars, a quadrillion won), bounds the size of every
// amount: a transaction's amount and margin, a line's unit price and its
// quantity × unit price, a spending limit, a price, a cost. MaxQuantity
// bounds a quantity. A sum of more than 9,000 of the largest amounts no
// longer fits an int64; sums are therefore made saturating (SatAdd) or
// in wider types where they are made.
const (
	MaxAmount   = 1_000_000_000_000_000
	MaxQuantity = 1_000_000_000
)

func checkAmount(v *invalid, field string, a int64) {
	if a > MaxAmount || a < -MaxAmount {
		v.add(field, "is out of range: at most %d minor units either way", int64(MaxAmount))
	}
}

// SatAdd returns a + b, or the int64 bound it would pass.
func SatAdd(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

// SatMul returns a × b, or the int64 bound it would pass.
func SatMul(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		if (a < 0) != (b < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return p
}

// excerptBytes is how much of a value an error message quotes.
const excerptBytes = 64

// Excerpt returns s, or its first bytes and "…" when it is longer than an
// error message should quote; it never cuts a UTF-8 sequence.
func Excerpt(s string) string {
	if len(s) <= excerptBytes {
		return s
	}
	cut := excerptBytes
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// ExcerptArgs replaces long strings and byte slices among args with their
// excerpts, so that a message never echoes a whole oversized value.
func ExcerptArgs(args []any) []any {
	for i, a := range args {
		switch a := a.(type) {
		case string:
			args[i] = Excerpt(a)
		case []byte:
			args[i] = Excerpt(string(a))
		}
	}
	return args
}

// CheckID reports what is wrong with s as an identifier (an offer's code, a
// trigger's name) in field: empty, too long, not UTF-8, or with spaces or
// control characters; nil when nothing is.
func CheckID(field, s string) error {
	v := invalid{}
	checkID(&v, field, s)
	return v.err(field)
}

func checkID(v *invalid, field, s string) {
	switch {
	case s == "":
		v.add(field, "is empty")
	case len(s) > MaxIDLength:
		v.add(field, "is longer than %d bytes", MaxIDLength)
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		v.add(field, "%q contains spaces or control characters", s)
	}
}

func checkText(v *invalid, field, s string, max int) {
	switch {
	case len(s) > max:
		v.add(field, "is longer than %d bytes", max)
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "contains control characters")
	}
}

// checkProse is checkText for text people write in lines (an information
// item's text): line breaks and tabs are allowed, other control characters
// (NUL among them) are not.
func checkProse(v *invalid, field, s string, max int) {
	if !utf8.ValidString(s) {
		// Before the mapping below, which would make it valid (each bad
		// byte becomes U+FFFD).
		v.add(field, "is not valid UTF-8")
		return
	}
	checkText(v, field, strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		return r
	}, s), max)
}

// checkValue checks a decoded JSON value (customer attributes, event
// properties): its strings, keys included, as checkText checks text (valid
// UTF-8 and no NUL: PostgreSQL stores neither, and a client's JSON parser
// may choke on them), and its nesting, at most MaxDocumentDepth deep.
func checkValue(v *invalid, field string, x any) {
	bad := ""
	var walk func(x any, path string, depth int)
	walk = func(x any, path string, depth int) {
		if bad != "" {
			return
		}
		if depth > MaxDocumentDepth {
			bad = fmt.Sprintf("nests objects and arrays deeper than %d levels", MaxDocumentDepth)
			return
		}
		text := func(s, where string) {
			if where = strings.TrimPrefix(where, "."); where != "" {
				where = " (at " + where + ")"
			}
			if !utf8.ValidString(s) {
				bad = "is not valid UTF-8" + where
			} else if strings.IndexByte(s, 0) >= 0 {
				bad = "contains a NUL character" + where
			}
		}
		switch x := x.(type) {
		case string:
			text(x, path)
		case map[string]any:
			for k, e := range x {
				text(k, path+" key "+strconv.QuoteToASCII(Excerpt(k)))
				walk(e, path+"."+Excerpt(k), depth+1)
			}
		case []any:
			for i, e := range x {
				walk(e, path+"["+strconv.Itoa(i)+"]", depth+1)
			}
		}
	}
	walk(x, "", 0)
	if bad != "" {
		v.add(field, "%s", bad)
	}
}

// Times outside these bounds are data errors (a year typed as 197 or 19970).
var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func checkTime(v *invalid, field string, t time.Time) {
	if t.IsZero() {
		v.add(field, "is missing")
	} else if t.Before(minTime) || !t.Before(maxTime) {
		v.add(field, "%s is out of range", t.Format(time.RFC3339))
	}
}

// TimeInRange returns t if it lies in the range of times Clientele stores, and
// an error otherwise: year 1, Go's zero time, would read as "no time".
func TimeInRange(t time.Time) (time.Time, error) {
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, fmt.Errorf("%s is out of range (%s to %s)", t.Format(time.RFC3339), minTime.Format(time.DateOnly), maxTime.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return t, nil
}

// ParseDay parses a day, YYYY-MM-DD, as its midnight in loc. Days outside
// the range of times Clientele stores (1900 to 2199) are refused: year 1,
// Go's zero time, would otherwise read as "no day given".
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date, YYYY-MM-DD", Excerpt(s))
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, fmt.Errorf("%s is out of range (%s to %s)", s, minTime.Format(time.DateOnly), maxTime.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return t, nil
}
