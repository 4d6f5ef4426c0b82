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
