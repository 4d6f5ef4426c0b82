package main

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The default zone, "Local", is resolved to an IANA name before it can
// reach SQL: PostgreSQL stopped every fit with `time zone "Local" not
// recognized` on a machine without TZ.
func TestLocalZoneName(t *testing.T) {
	dir := t.TempDir()
	link := func(target string) string {
		p := filepath.Join(dir, filepath.Base(target)+"-localtime")
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	seoul := link("/usr/share/zoneinfo/Asia/Seoul")
	utc := link("/usr/share/zoneinfo/Etc/UTC")
	plain := filepath.Join(dir, "copied")
	os.WriteFile(plain, []byte("TZif"), 0o644)
	for _, tc := range []struct {
		tz, localtime, want string
	}{
		{"Europe/Paris", seoul, "Europe/Paris"},
		{":America/New_York", seoul, "America/New_York"},
		{"", seoul, "Asia/Seoul"},
		{"", utc, "Etc/UTC"},
		{"Local", seoul, "Asia/Seoul"},
		{"Nowhere/City", seoul, "Asia/Seoul"},
	} {
		got, err := localZoneName(tc.tz, tc.localtime)
		if err != nil || got != tc.want {
			t.Errorf("localZoneName(%q, %s) = %q, %v; want %q", tc.tz, filepath.Base(tc.localtime), got, err, tc.want)
		}
	}
	// No name anywhere: UTC only when the process's zone has no offset.
	got, err := localZoneName("", plain)
	if _, off := timeNowZone(); off == 0 {
		if err != nil || got != "UTC" {
			t.Errorf("no name, zero offset: %q, %v; want UTC", got, err)
		}
	} else if err == nil {
		t.Errorf("no name, offset %d: %q, want an error asking for --tz", off, got)
	}
}

func timeNowZone() (string, int) { return time.Now().In(time.Local).Zone() }
