package report

import (
	"context"
	"testing"
	"time"
)

// A period's last day ends at midnight where the user is, not in UTC.
func TestDayAfter(t *testing.T) {
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	for _, c := range []struct {
		to   time.Time
		loc  *time.Location
		want time.Time
	}{
		{time.Date(2024, 12, 28, 0, 0, 0, 0, seoul), seoul, time.Date(2024, 12, 29, 0, 0, 0, 0, seoul)},
		{time.Date(2024, 12, 28, 23, 59, 0, 0, seoul), seoul, time.Date(2024, 12, 29, 0, 0, 0, 0, seoul)},
		// 20:00 UTC on the 28th is already the 29th in Seoul.
		{time.Date(2024, 12, 28, 20, 0, 0, 0, time.UTC), seoul, time.Date(2024, 12, 30, 0, 0, 0, 0, seoul)},
		{time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC), nil, time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		got, err := dayAfter(context.Background(), nil, c.to, c.loc)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("dayAfter(%v, %v) = %v, %v; want %v", c.to, c.loc, got, err, c.want)
		}
	}
}

func TestParseCompetitor(t *testing.T) {
	for _, c := range []struct {
		in   string
		name string
		ce   float64
		ok   bool
	}{
		{"rival=1000", "rival", 1000, true},
		{"a=b=2", "", 0, false},
		{"rival=0", "rival", 0, true},
		{"rival", "", 0, false},
		{"=5", "", 0, false},
		{"rival=-1", "", 0, false},
		{"rival=NaN", "", 0, false},
		{"rival=Inf", "", 0, false},
	} {
		name, ce, err := ParseCompetitor(c.in)
		if (err == nil) != c.ok || name != c.name || ce != c.ce {
			t.Errorf("ParseCompetitor(%q) = %q, %v, %v; want %q, %v, ok %v", c.in, name, ce, err, c.name, c.ce, c.ok)
		}
	}
}
