package clientele

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength bounds every external identifier (customer, transaction, event,
// account, sku) in bytes.
const MaxIDLength = 128

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

// checkValue checks the strings, keys included, of a decoded JSON value
// (customer attributes, event properties) as checkText checks text: valid
// UTF-8 and no NUL. PostgreSQL stores neither, and a client's JSON parser
// may choke on them.
func checkValue(v *invalid, field string, x any) {
	bad := ""
	var walk func(x any, path string)
	walk = func(x any, path string) {
		if bad != "" {
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
				text(k, path+" key "+strconv.QuoteToASCII(k))
				walk(e, path+"."+k)
			}
		case []any:
			for i, e := range x {
				walk(e, path+"["+strconv.Itoa(i)+"]")
			}
		}
	}
	walk(x, "")
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

// ParseDay parses a day, YYYY-MM-DD, as its midnight in loc. Days outside
// the range of times Clientele stores (1900 to 2199) are refused: year 1,
// Go's zero time, would otherwise read as "no day given".
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date, YYYY-MM-DD", s)
	}
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}, fmt.Errorf("%s is out of range (%s to %s)", s, minTime.Format(time.DateOnly), maxTime.AddDate(0, 0, -1).Format(time.DateOnly))
	}
	return t, nil
}
