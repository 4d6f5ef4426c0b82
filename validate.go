package clientele

import (
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
