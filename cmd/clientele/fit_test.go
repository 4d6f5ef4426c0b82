package main_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// A kill -9 at any moment of `fit --score` leaves either nothing or a
// model run with every one of its customers scored: a run never appears
// without its scores (reports took such a run for the latest and showed
// customer equity 0).
func TestFitScoreSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	tx := filepath.Join(dir, "tx.csv")
	f, err := os.Create(tx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, "id,customer_id,time,amount")
	for i := range 200_000 {
		fmt.Fprintf(f, "T%d,C%d,2024-%02d-%02dT10:00:00Z,%d.%02d\n", i, (i*7919)%60000, 1+i%12, 1+i%28, 1+i%300, i%100)
	}
	f.Close()
	args := []string{"fit", "--score", "--margin", "0.3", "--calibration-end", "2024-12-31"}
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", tx); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			// Time a clean fit (the second: the first warms the caches),
			// then kill the next ones at points spread over that time.
			var clean time.Duration
			for range 2 {
				start := time.Now()
				if _, errOut, err := run(t, db, args...); err != nil {
					t.Fatalf("fit --score: %v\n%s", err, errOut)
				}
				clean = time.Since(start)
			}
			kills := 0
			// The scores are written last: most kills fall near the end.
			for _, frac := range []float64{0.3, 0.6, 0.7, 0.75, 0.8, 0.84, 0.88, 0.91, 0.94, 0.97} {
				cmd := exec.Command(bin, append([]string{"--db", db, "--tz", "UTC"}, args...)...)
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(frac * float64(clean)))
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					kills++
				}
				checkRunsComplete(t, db)
			}
			if kills == 0 {
				t.Fatalf("every fit finished before its kill (a clean one took %v)", clean)
			}
		})
	}
}

// checkRunsComplete fails t unless every model run of db has as many
// scores as it has customers.
func checkRunsComplete(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for id := int64(1); ; id++ {
		r, err := db.Run(ctx, id)
		if clientele.ErrorCode(err) == clientele.ENOTFOUND {
			latest, err := db.Run(ctx, 0)
			if err == nil && latest.ID >= id {
				continue // a gap left by a rolled-back insert
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		clvs, err := db.RunCLVs(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(clvs) != int(r.Customers) {
			t.Errorf("model run %d has %d scores for %.0f customers", id, len(clvs), r.Customers)
		}
	}
}

// With TZ unset and no --tz, as on a server or in a container, the default
// zone reaches SQL by its IANA name: PostgreSQL answered every fit with
// `time zone "Local" not recognized`.
func TestFitWithoutTZ(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			cmd := exec.Command(bin, "--db", db, "fit", "--calibration-end", "1997-09-30", "--score", "--margin", "0.3")
			for _, kv := range os.Environ() {
				if !strings.HasPrefix(kv, "TZ=") && !strings.HasPrefix(kv, "CLIENTELE_TZ=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("fit without TZ: %v\n%s", err, out)
			}
		})
	}
}

// A calibration end long after the data, and a discount rate given in
// per cent, are refused with what to give instead, not fitted silently.
func TestFitSanityChecks(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			for _, tc := range []struct {
				args []string
				want string
			}{
				{[]string{"fit", "--calibration-end", "2030-01-01"}, "the last transaction is of 1998-06-30"},
				{[]string{"fit", "--calibration-end", "1997-09-30", "--holdout-end", "2001-01-01"}, "--holdout-end 2001-01-01 is after the data"},
				{[]string{"fit", "--calibration-end", "1997-09-30", "--score", "--discount-rate", "15"}, "give it as a fraction, e.g. 0.15"},
				{[]string{"fit", "--calibration-end", "1997-09-30", "--score", "--horizon", "Inf", "--format", "json"}, "horizon must be finite"},
			} {
				if _, errOut, err := run(t, db, tc.args...); err == nil || !strings.Contains(errOut, tc.want) {
					t.Errorf("%v: %v %s, want it refused saying %q", tc.args, err, errOut, tc.want)
				}
			}
			// A month's end past the data's last day is fine.
			if _, errOut, err := run(t, db, "fit", "--calibration-end", "1997-09-30", "--holdout-end", "1998-07-31"); err != nil {
				t.Errorf("holdout to the month's end: %v\n%s", err, errOut)
			}
		})
	}
}

// Model runs can be listed, shown and deleted from the command line.
func TestRunsCLI(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			for _, args := range [][]string{{"fit", "--calibration-end", "1997-09-30"}, {"fit", "--calibration-end", "1997-09-30", "--model", "paretonbd", "--score", "--margin", "0.3"}} {
				if _, errOut, err := run(t, db, args...); err != nil {
					t.Fatalf("%v: %v\n%s", args, err, errOut)
				}
			}
			out, errOut, err := run(t, db, "runs", "list", "--format", "json")
			var runs []struct {
				RunID          int64  `json:"run_id"`
				Model          string `json:"model"`
				CalibrationEnd string `json:"calibration_end"`
				Scored         int64  `json:"scored"`
			}
			if err != nil || json.Unmarshal([]byte(out), &runs) != nil || len(runs) != 2 || runs[0].Model != "paretonbd" || runs[0].Scored != 2357 ||
				runs[1].Scored != 0 || runs[1].CalibrationEnd != "1997-09-30" {
				t.Fatalf("runs list: %v %s\n%s", err, out, errOut)
			}
			if out, _, err := run(t, db, "runs", "show", fmt.Sprint(runs[1].RunID)); err != nil || !strings.Contains(out, "param alpha") || !strings.Contains(out, "never") {
				t.Errorf("runs show: %v\n%s", err, out)
			}
			// The scored run keeps its scoring settings.
			out, _, err = run(t, db, "runs", "show", fmt.Sprint(runs[0].RunID))
			for _, want := range []string{"52 week", "0.15 a year", "an assumed margin of 30 % of spend", "scores as of     1997-09-30"} {
				if err != nil || !strings.Contains(out, want) {
					t.Errorf("runs show of a scored run: %v, want %q in\n%s", err, want, out)
				}
			}
			if out, _, err := run(t, db, "runs", "delete", fmt.Sprint(runs[0].RunID)); err != nil || !strings.Contains(out, "deleted with its scores") {
				t.Errorf("runs delete: %v\n%s", err, out)
			}
			if _, errOut, err := run(t, db, "runs", "show", fmt.Sprint(runs[0].RunID)); err == nil || !strings.Contains(errOut, "not found") {
				t.Errorf("a deleted run: %v %s", err, errOut)
			}
		})
	}
}

// clientele summary writes the calibration summary with lifetimes' column
// names, and on the CDNOW sample it is the published one: the multiset of
// (frequency, recency, T) in weeks, to 2 decimals, equals
// cdnow_customers_summary.csv (Fader, Hardie & Lee 2005's data set; the
// first customer is the paper's x = 2, t_x = 30.43, T = 38.86).
func TestSummaryMatchesCDNOW(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			out, errOut, err := run(t, db, "summary", "--calibration-end", "1997-09-30")
			if err != nil {
				t.Fatalf("summary: %v\n%s", err, errOut)
			}
			got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(got) < 2 || strings.Join(got[0], ",") != "customer_id,frequency,recency,T,monetary_value" {
				t.Fatalf("summary output %.300s: %v", out, err)
			}
			f, err := os.ReadFile("../../internal/valuation/testdata/cdnow_customers_summary.csv")
			if err != nil {
				t.Fatal(err)
			}
			want, _ := csv.NewReader(bytes.NewReader(f)).ReadAll()
			key := func(x, tx, T string) string {
				p := func(s string) string { v, _ := strconv.ParseFloat(s, 64); return strconv.FormatFloat(v, 'f', 2, 64) }
				return p(x) + " " + p(tx) + " " + p(T)
			}
			var g, w []string
			for _, r := range got[1:] {
				g = append(g, key(r[1], r[2], r[3]))
			}
			for _, r := range want[1:] {
				w = append(w, key(r[1], r[2], r[3]))
			}
			sort.Strings(g)
			sort.Strings(w)
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("summary against the reference (-want +got):\n%.2000s", diff)
			}
			if got[1][0] != "00004" || key(got[1][1], got[1][2], got[1][3]) != "2.00 30.43 38.86" {
				t.Errorf("first customer: %v, want 00004 with x = 2, t_x = 30.43, T = 38.86", got[1])
			}
			out, _, err = run(t, db, "summary", "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30", "--format", "json")
			if err != nil || !strings.Contains(strings.SplitN(out, "\n", 2)[0], `"frequency_holdout":1`) || !strings.Contains(out, `"duration_holdout":39`) {
				t.Errorf("summary with a holdout: %v %.300s", err, out)
			}
		})
	}
}
