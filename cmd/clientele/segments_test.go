package main_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// Segments through the binary: a bad definition is rejected with its
// position; a good one gets members, an owner and the RFM presets.
func TestSegmentsCLI(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "seg.db")
	sim := filepath.Join(dir, "sim")
	if _, errOut, err := run(t, db, "simulate", "--customers", "2000", "--out", sim); err != nil {
		t.Fatalf("simulate: %v\n%s", err, errOut)
	}
	if _, errOut, err := run(t, db, "import", sim); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	if _, errOut, err := run(t, db, "users", "create", "--name", "yuna", "--role", "customer_manager"); err != nil {
		t.Fatalf("users create: %v\n%s", err, errOut)
	}
	_, errOut, err := run(t, db, "segments", "create", "--name", "bad", "--expr", "customer.aeg >= 65")
	if err == nil || !strings.Contains(errOut, "line 1, column 9: undefined field 'aeg'") || !strings.Contains(errOut, "customer.aeg >= 65\n            ^") {
		t.Errorf("bad definition: %v\n%s", err, errOut)
	}
	out, errOut, err := run(t, db, "segments", "create", "--name", "retirees", "--expr", "customer.age >= 65", "--owner", "yuna")
	if err != nil || !strings.Contains(out, "retirees") {
		t.Fatalf("create: %v %s\n%s", err, out, errOut)
	}
	if _, errOut, err := run(t, db, "segments", "create", "--preset", "rfm"); err != nil {
		t.Fatalf("preset: %v\n%s", err, errOut)
	}
	out, _, err = run(t, db, "segments", "list")
	if err != nil || !strings.Contains(out, "yuna") || !strings.Contains(out, "rfm-champions") {
		t.Errorf("list: %v\n%s", err, out)
	}
	out, _, err = run(t, db, "segments", "members", "retirees", "--limit", "3")
	if err != nil || len(strings.Fields(out)) != 3 {
		t.Errorf("members: %v\n%s", err, out)
	}
	// Bought in the year to the end of the simulated data; nobody in the
	// year to two years on.
	if _, errOut, err := run(t, db, "segments", "create", "--name", "recent", "--expr", "size(activity.spend_by_category) > 0", "--refresh=false"); err != nil {
		t.Fatalf("create recent: %v\n%s", err, errOut)
	}
	members := func(asOf ...string) string {
		t.Helper()
		out, errOut, err := run(t, db, append([]string{"segments", "refresh", "recent"}, asOf...)...)
		if err != nil {
			t.Fatalf("refresh %v: %v\n%s", asOf, err, errOut)
		}
		return strings.Fields(out[strings.Index(out, "recent"):])[1]
	}
	end := members("--as-of", "2024-12-28")
	if end == "0" {
		t.Errorf("as of the end of the data: %s members", end)
	}
	// Without --as-of, segments are as of the data's last day, as reports
	// are: a segment over historical data is not empty for want of a date.
	if n := members(); n != end {
		t.Errorf("as of the data's end by default: %s members, want %s", n, end)
	}
	if n := members("--as-of", "2026-12-01"); n != "0" {
		t.Errorf("as of two years after the data: %s members", n)
	}
	// The check computes as of the data's last day: the membership stored
	// as of two years on differs, and the command fails, changing nothing.
	out, errOut, err = run(t, db, "segments", "check", "recent")
	if err == nil || !strings.Contains(errOut, "differs from a full computation") || !strings.Contains(out, "WOULD JOIN") {
		t.Errorf("check of a membership computed as of another day: %v\n%s\n%s", err, out, errOut)
	}
	if n := members(); n != end {
		t.Errorf("after the check: %s members, want %s", n, end)
	}
	out, errOut, err = run(t, db, "segments", "check")
	if err != nil || !strings.Contains(out, "rfm-champions") {
		t.Errorf("check after a refresh: %v\n%s\n%s", err, out, errOut)
	}
}
