package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"clientele/internal/store/storetest"
)

var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "clientele-bin")
	if err != nil {
		panic(err)
	}
	bin = filepath.Join(dir, "clientele")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// master is the CDNOW master file, shared with the ingest tests.
const master = "../../internal/ingest/testdata/CDNOW_master.txt"

func run(t *testing.T, db string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--db", db, "--tz", "UTC"}, args...)...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

type stats struct {
	Customers    int64  `json:"customers"`
	Transactions int64  `json:"transactions"`
	Revenue      any    `json:"revenue"`
	First        string `json:"first"`
	Last         string `json:"last"`
}

func getStats(t *testing.T, db string) stats {
	t.Helper()
	out, errOut, err := run(t, db, "stats", "--format", "json")
	if err != nil {
		t.Fatalf("stats: %v\n%s", err, errOut)
	}
	var s stats
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("stats output %q: %v", out, err)
	}
	return s
}

func backends(t *testing.T) map[string]string {
	dbs := map[string]string{"sqlite": storetest.SQLiteDSN(t)}
	if os.Getenv(storetest.EnvPostgres) != "" {
		dbs["postgres"] = storetest.PostgresDSN(t)
	}
	return dbs
}

// The acceptance checks of the customer database, through the binary.
func TestImportCDNOW(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			out, errOut, err := run(t, db, "import", "transactions", master, "--format", "cdnow")
			if err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "read 69659 rows, imported 69659, skipped 0 as duplicates, rejected 0") {
				t.Errorf("summary: %s", out)
			}
			want := stats{Customers: 23570, Transactions: 69659, Revenue: 2500315.63, First: "1997-01-01T00:00:00Z", Last: "1998-06-30T00:00:00Z"}
			if got := getStats(t, db); got != want {
				t.Errorf("stats = %+v, want %+v", got, want)
			}
			out, _, err = run(t, db, "import", "transactions", master)
			if err != nil || !strings.Contains(out, "imported 0, skipped 69659 as duplicates") {
				t.Errorf("second import: %v %s", err, out)
			}
			if got := getStats(t, db); got != want {
				t.Errorf("after second import: %+v", got)
			}

			data, _ := os.ReadFile(master)
			lines := strings.Split(string(data), "\n")
			lines[10] = " 00011 1997011 1 10.00"
			lines[20] = " 00021 19970101 one 10.00"
			lines[30] = " 00031 19970101 1"
			bad := filepath.Join(t.TempDir(), "broken.txt")
			os.WriteFile(bad, []byte(strings.Join(lines, "\n")), 0o644)
			_, errOut, err = run(t, db, "import", "transactions", bad)
			if err == nil {
				t.Fatal("a broken file was accepted")
			}
			for _, l := range []string{"line 11: date", "line 21: quantity", "line 31: has 3 columns"} {
				if !strings.Contains(errOut, l) {
					t.Errorf("stderr does not name %q:\n%s", l, errOut)
				}
			}
			if !strings.Contains(errOut, "rejected, nothing imported: 3 bad rows") {
				t.Errorf("stderr: %s", errOut)
			}
			if got := getStats(t, db); got != want {
				t.Errorf("after the broken file: %+v", got)
			}
		})
	}
}

// An import killed with SIGKILL and run again ends with exactly the counts
// of a clean import: a simulated directory, and a file of transactions
// without lines, which on PostgreSQL is a bulk load, killed while the
// table's primary key is dropped.
func TestImportSurvivesKill(t *testing.T) {
	dir := t.TempDir()
	sim := filepath.Join(dir, "sim")
	if _, errOut, err := run(t, filepath.Join(dir, "unused.db"), "simulate", "--customers", "20000", "--seed", "4", "--out", sim); err != nil {
		t.Fatalf("simulate: %v\n%s", err, errOut)
	}
	flat := filepath.Join(dir, "tx.csv")
	var csv bytes.Buffer
	csv.WriteString("id,customer_id,time,amount\n")
	for i := range 300000 {
		fmt.Fprintf(&csv, "T%d,C%d,2024-%02d-%02dT10:00:00Z,%d.%02d\n", i, (i*7919)%30000, 1+i%12, 1+i%28, i%300, i%100)
	}
	if err := os.WriteFile(flat, csv.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, src := range []struct {
		name string
		args []string
	}{
		{"directory", []string{"import", sim}},
		{"csv", []string{"import", "transactions", flat}},
	} {
		clean := filepath.Join(dir, src.name+".db")
		if _, errOut, err := run(t, clean, src.args...); err != nil {
			t.Fatalf("clean import: %v\n%s", err, errOut)
		}
		want := getStats(t, clean)
		for name, db := range backends(t) {
			t.Run(src.name+"/"+name, func(t *testing.T) {
				killed := false
				for _, delay := range []time.Duration{1500 * time.Millisecond, 700 * time.Millisecond, 300 * time.Millisecond} {
					cmd := exec.Command(bin, append([]string{"--db", db}, src.args...)...)
					if err := cmd.Start(); err != nil {
						t.Fatal(err)
					}
					time.Sleep(delay)
					cmd.Process.Signal(syscall.SIGKILL)
					err := cmd.Wait()
					if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
						killed = true
						break
					}
					if err == nil {
						// It finished before the kill: start over on a fresh
						// database with a shorter delay.
						t.Logf("import finished within %v; trying a shorter delay", delay)
						if name == "sqlite" {
							db = storetest.SQLiteDSN(t)
						} else {
							db = storetest.PostgresDSN(t)
						}
					}
				}
				if !killed {
					t.Fatal("could not kill the import mid-way")
				}
				if name == "postgres" {
					checkPrimaryKey(t, db)
				}
				if _, errOut, err := run(t, db, src.args...); err != nil {
					t.Fatalf("re-run: %v\n%s", err, errOut)
				}
				if got := getStats(t, db); got != want {
					t.Errorf("after kill and re-run: %+v, clean import: %+v", got, want)
				}
			})
		}
	}
}

// checkPrimaryKey fails t unless the transactions table of the PostgreSQL
// database dsn has its primary key, once the server has noticed that a
// killed client is gone and rolled its transaction back.
func checkPrimaryKey(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var made bool
	if err := conn.QueryRow(ctx, "SELECT to_regclass('transactions') IS NOT NULL").Scan(&made); err != nil {
		t.Fatal(err)
	}
	if !made {
		t.Log("the kill came before the schema was made")
		return
	}
	// Reading the table waits for the lock of a bulk load the kill cut
	// short, which the rollback releases.
	if _, err := conn.Exec(ctx, "SELECT count(*) FROM transactions"); err != nil {
		t.Fatal(err)
	}
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM pg_constraint WHERE conrelid = 'transactions'::regclass AND contype = 'p'").Scan(&n)
	if err != nil || n != 1 {
		t.Errorf("transactions has %d primary keys after the kill (%v), want 1", n, err)
	}
}

var apiLine = regexp.MustCompile(`http://([0-9.:]+)/api/v1`)

// startServer runs the binary with args until the test ends and returns
// the address it prints, and everything it printed up to then.
func startServer(t *testing.T, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	var seen strings.Builder
	sc := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(2*time.Minute, cancel)
	defer deadline.Stop()
	var addr string
	for sc.Scan() {
		seen.WriteString(sc.Text() + "\n")
		if m := apiLine.FindStringSubmatch(sc.Text()); m != nil && addr == "" {
			addr = m[1]
		}
		if addr != "" && (strings.Contains(sc.Text(), "Press Ctrl-C") || strings.HasPrefix(sc.Text(), "Clientele API on")) {
			go io.Copy(io.Discard, stdout)
			return addr, seen.String()
		}
	}
	t.Fatalf("server did not start; it printed:\n%s", seen.String())
	return "", ""
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestServe(t *testing.T) {
	db := storetest.SQLiteDSN(t)
	if _, errOut, err := run(t, db, "import", "transactions", master); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut)
	}
	token, _, err := run(t, db, "token", "create", "--name", "test")
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimSpace(token)
	addr, _ := startServer(t, "--db", db, "serve", "--addr", "127.0.0.1:0")
	if code, _ := get(t, "http://"+addr+"/api/v1/customers/00002/360", ""); code != 401 {
		t.Errorf("no token: %d, want 401", code)
	}
	code, body := get(t, "http://"+addr+"/api/v1/customers/00002/360", token)
	if code != 200 || !strings.Contains(body, `"transactions":2`) {
		t.Errorf("360: %d %s", code, body)
	}
	out, _, _ := run(t, db, "token", "list")
	if !strings.Contains(out, "test") || strings.Contains(out, token) {
		t.Errorf("token list shows the secret or misses the token:\n%s", out)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	addr, out := startServer(t, "demo", "--customers", "2000", "--addr", "127.0.0.1:0", "--dir", dir)
	m := regexp.MustCompile(`Token:\s+(\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("demo printed no token:\n%s", out)
	}
	code, body := get(t, "http://"+addr+"/api/v1/customers/C00000001/360", m[1])
	if code != 200 || !strings.Contains(body, `"recent_transactions"`) {
		t.Errorf("360: %d %.300s", code, body)
	}
	code, body = get(t, "http://"+addr+"/api/v1/stats", m[1])
	if code != 200 || !strings.Contains(body, `"customers":2000`) {
		t.Errorf("stats: %d %s", code, body)
	}
	// The demo's segments have owners, members and value.
	code, body = get(t, "http://"+addr+"/api/v1/reports/segments", m[1])
	var segs struct {
		Segments []struct {
			Segment string  `json:"segment"`
			Owner   string  `json:"owner"`
			Members int64   `json:"members"`
			Value   float64 `json:"segment_lifetime_value"`
		} `json:"segments"`
	}
	if err := json.Unmarshal([]byte(body), &segs); code != 200 || err != nil {
		t.Fatalf("segments report: %d %v %.300s", code, err, body)
	}
	got := map[string]string{}
	for _, s := range segs.Segments {
		if s.Members > 0 && s.Value != 0 {
			got[s.Segment] = s.Owner
		}
	}
	for name, owner := range map[string]string{"retirees": "yuna", "new-parents": "yuna", "affluent": "minho", "rfm-champions": "minho"} {
		if got[name] != owner {
			t.Errorf("segment %s: owner %q with members and value, want %q (segments: %v)", name, got[name], owner, got)
		}
	}
}

// The CLV commands on the imported CDNOW sample: the paper's BG/NBD
// parameters to three decimals (Fader, Hardie & Lee 2005), the Gamma-Gamma
// parameters of Fader & Hardie's note 025 (p = 6.25, q = 3.74, γ = 15.44),
// scores, and the validation report with its plots.
func TestFitScoreReport(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			out, errOut, err := run(t, db, "fit", "--model", "bgnbd", "--spend", "gammagamma", "--unit", "week",
				"--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30", "--format", "json")
			if err != nil {
				t.Fatalf("fit: %v\n%s", err, errOut)
			}
			var fit struct {
				RunID     int64              `json:"run_id"`
				Model     string             `json:"model"`
				Params    map[string]float64 `json:"params"`
				StdErrors map[string]float64 `json:"std_errors"`
				Customers float64            `json:"customers"`
				Converged bool               `json:"converged"`
				Spend     struct {
					Model  string             `json:"model"`
					Params map[string]float64 `json:"params"`
				} `json:"spend"`
			}
			if err := json.Unmarshal([]byte(out), &fit); err != nil {
				t.Fatalf("fit output %s: %v", out, err)
			}
			p, sp := fit.Params, fit.Spend.Params
			if got := fmt.Sprintf("%.3f %.3f %.3f %.3f", p["r"], p["alpha"], p["a"], p["b"]); got != "0.243 4.414 0.793 2.426" {
				t.Errorf("BG/NBD %s, want 0.243 4.414 0.793 2.426", got)
			}
			if got := fmt.Sprintf("%.2f %.2f %.2f", sp["p"], sp["q"], sp["gamma"]); got != "6.25 3.74 15.44" {
				t.Errorf("Gamma-Gamma %s, want 6.25 3.74 15.44", got)
			}
			if fit.Customers != 2357 || !fit.Converged || fit.StdErrors["r"] <= 0 {
				t.Errorf("fit: %+v", fit)
			}
			out, errOut, err = run(t, db, "score", "--horizon", "52", "--discount-rate", "0.15", "--margin", "0.3", "--format", "json")
			if err != nil || !strings.Contains(out, `"customers": 2357`) {
				t.Fatalf("score: %v %s\n%s", err, out, errOut)
			}
			dir := t.TempDir()
			out, errOut, err = run(t, db, "report", "validation", "--out", dir, "--plot-format", "svg")
			if err != nil {
				t.Fatalf("report: %v\n%s", err, errOut)
			}
			if !strings.Contains(out, "FREQUENCY") || !strings.Contains(out, "7+") {
				t.Errorf("report:\n%s", out)
			}
			for _, plot := range []string{"tracking", "holdout", "palive"} {
				b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("run%d-%s.svg", fit.RunID, plot)))
				if err != nil || !bytes.Contains(b, []byte("<svg")) {
					t.Errorf("%s plot: %v", plot, err)
				}
			}
			// A summary file fits the same model.
			out, _, err = run(t, db, "fit", "--model", "bgnbd", "--summary", "../../internal/valuation/testdata/cdnow_customers_summary.csv")
			if err != nil || !strings.Contains(out, "0.2425") {
				t.Errorf("fit --summary: %v\n%s", err, out)
			}
			if _, errOut, err := run(t, db, "fit", "--model", "bgnbd"); err == nil || !strings.Contains(errOut, "calibration end") {
				t.Errorf("fit without a calibration end: %v %s", err, errOut)
			}
			// Fit and score in one pass.
			out, errOut, err = run(t, db, "fit", "--model", "bgnbd", "--unit", "week", "--calibration-end", "1997-09-30", "--score", "--margin", "0.3")
			if err != nil || !strings.Contains(out, "customers scored         2357") || !strings.Contains(out, "0.24259") {
				t.Errorf("fit --score: %v\n%s%s", err, out, errOut)
			}
			if _, errOut, err := run(t, db, "fit", "--model", "bgnbd", "--summary", "../../internal/valuation/testdata/cdnow_customers_summary.csv", "--score"); err == nil ||
				!strings.Contains(errOut, "--score") {
				t.Errorf("fit --summary --score: %v %s", err, errOut)
			}
		})
	}
}

// The switching report on the worked example (Rust, Lemon & Zeithaml 2004):
// shares of customer equity and the what-if of brand A.
func TestReportSwitching(t *testing.T) {
	out, errOut, err := run(t, storetest.SQLiteDSN(t), "report", "switching", "--survey", "testdata/rlz-survey.csv",
		"--market", "testdata/rlz-market.json", "--what-if", "brand=A,driver=value,delta=0.2,spend=5000000@0;5000000@1", "--format", "json")
	if err != nil {
		t.Fatalf("report switching: %v\n%s", err, errOut)
	}
	var res struct {
		Brands []struct {
			Brand string  `json:"brand"`
			Share float64 `json:"share"`
			CE    float64 `json:"customer_equity"`
		} `json:"brands"`
		WhatIf struct {
			DeltaCE          float64            `json:"delta_ce"`
			ROI              float64            `json:"roi"`
			SharesAfter      map[string]float64 `json:"shares_after"`
			PortfolioDeltaCE float64            `json:"portfolio_delta_ce"`
		} `json:"what_if"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]float64{"A": 0.349322, "B": 0.435057, "C": 0.215621}
	for _, b := range res.Brands {
		if d := b.Share - want[b.Brand]; d > 5e-7 || d < -5e-7 {
			t.Errorf("share of %s = %.6f, want %.6f", b.Brand, b.Share, want[b.Brand])
		}
	}
	if d := res.WhatIf.ROI - 0.763975; d > 5e-7 || d < -5e-7 {
		t.Errorf("ROI = %.6f, want 0.763975", res.WhatIf.ROI)
	}
	if d := res.WhatIf.PortfolioDeltaCE - 5360188; d > 1 || d < -1 {
		t.Errorf("portfolio ΔCE = %.0f, want 5,360,188", res.WhatIf.PortfolioDeltaCE)
	}
	// Without coefficients and without a chosen column, nothing to estimate from.
	bare := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(bare, []byte(`{"brands":[{"name":"A","contribution":100},{"name":"B","contribution":90},{"name":"C","contribution":80}],"discount_rate":0.1,"horizon_years":3,"market_size":1000}`), 0o644)
	if _, errOut, err := run(t, storetest.SQLiteDSN(t), "report", "switching", "--survey", "testdata/rlz-survey.csv", "--market", bare); err == nil || !strings.Contains(errOut, "chosen") {
		t.Errorf("no coefficients, no choices: %v %s", err, errOut)
	}

	// Stored in the database, the survey gives the same report.
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			// A broken survey is rejected whole, with the line that is wrong.
			broken := filepath.Join(t.TempDir(), "broken.csv")
			os.WriteFile(broken, []byte("respondent_id,brand,value,last,frequency\nr1,A,4,1,2\nr1,B,x,0,2\n"), 0o644)
			if _, errOut, err := run(t, db, "import", "switching-survey", broken); err == nil || !strings.Contains(errOut, "line 3") {
				t.Errorf("broken survey: %v\n%s", err, errOut)
			}
			if out, _, err := run(t, db, "import", "survey", "testdata/rlz-survey.csv", "--name", "rlz", "--market", "testdata/rlz-market.json"); err != nil ||
				!strings.Contains(out, "survey rlz:") {
				t.Fatalf("import survey: %v\n%s", err, out)
			}
			list, _, err := run(t, db, "switching-surveys", "list", "--format", "json")
			var surveys []struct {
				Name      string `json:"name"`
				HasMarket bool   `json:"has_market"`
			}
			if err != nil || json.Unmarshal([]byte(list), &surveys) != nil || len(surveys) != 1 || surveys[0].Name != "rlz" || !surveys[0].HasMarket {
				t.Fatalf("surveys list: %v\n%s", err, list)
			}
			stored, errOut, err := run(t, db, "report", "switching", "--survey-name", "rlz",
				"--what-if", "brand=A,driver=value,delta=0.2,spend=5000000@0;5000000@1", "--format", "json")
			if err != nil {
				t.Fatalf("report switching --survey-name: %v\n%s", err, errOut)
			}
			var fromFile, fromDB map[string]any
			json.Unmarshal([]byte(out), &fromFile)
			json.Unmarshal([]byte(stored), &fromDB)
			if fromDB["survey"] != "rlz" {
				t.Errorf("survey name: %v", fromDB["survey"])
			}
			delete(fromDB, "survey")
			if diff := cmp.Diff(fromFile, fromDB); diff != "" {
				t.Errorf("stored survey (-file +database):\n%s", diff)
			}
			if _, errOut, err := run(t, db, "report", "switching", "--survey-name", "nope"); err == nil || !strings.Contains(errOut, "no switching survey") {
				t.Errorf("unknown survey: %v %s", err, errOut)
			}
		})
	}
}

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
	// year to now, two years on.
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
	if n := members("--as-of", "2024-12-28"); n == "0" {
		t.Errorf("as of the end of the data: %s members", n)
	}
	if n := members(); n != "0" {
		t.Errorf("as of now: %s members", n)
	}
}

// The equity and segment reports agree with the scores they come from.
func TestEquityReports(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "eq.db")
	sim := filepath.Join(dir, "sim")
	for _, args := range [][]string{
		{"simulate", "--customers", "2000", "--out", sim, "--seed", "3"},
		{"import", sim},
		{"fit", "--model", "bgnbd", "--spend", "gammagamma", "--unit", "week", "--calibration-end", "2024-12-28"},
		{"score", "--horizon", "52"},
		{"segments", "create", "--name", "everyone", "--expr", "true"},
		{"segments", "create", "--name", "platinum", "--expr", `account.tier == "platinum"`},
	} {
		if _, errOut, err := run(t, db, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	out, errOut, err := run(t, db, "report", "equity", "--competitor", "rival=1000", "--format", "json")
	if err != nil {
		t.Fatalf("report equity: %v\n%s", err, errOut)
	}
	var eq struct {
		CE      float64 `json:"customer_equity"`
		Top1    float64 `json:"top_1pct_share"`
		Top20   float64 `json:"top_20pct_share"`
		Share   float64 `json:"share_of_customer_equity"`
		History []struct {
			Share float64 `json:"share_of_customer_equity"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &eq); err != nil {
		t.Fatal(err)
	}
	// With loss-making customers (negative CLV) the top 20 % may hold more
	// than 100 % of customer equity; the order of the shares still holds.
	if !(eq.CE > 0 && eq.Top1 > 0 && eq.Top1 < eq.Top20) {
		t.Errorf("equity: %+v", eq)
	}
	if want := eq.CE / (eq.CE + 1000); math.Abs(eq.Share-want) > 1e-12 || len(eq.History) != 1 || eq.History[0].Share != eq.Share {
		t.Errorf("share %v, want %v; history %+v", eq.Share, want, eq.History)
	}
	out, _, err = run(t, db, "report", "segments", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var seg struct {
		Segments []struct {
			Segment string  `json:"segment"`
			Members int64   `json:"members"`
			Value   float64 `json:"segment_lifetime_value"`
			MeanCLV float64 `json:"mean_clv"`
		} `json:"segments"`
	}
	if err := json.Unmarshal([]byte(out), &seg); err != nil {
		t.Fatal(err)
	}
	for _, s := range seg.Segments {
		// Segment lifetime value = mean CLV × customers in the segment.
		if math.Abs(s.Value-s.MeanCLV*float64(s.Members)) > 0.01*float64(s.Members) {
			t.Errorf("%s: value %.2f, mean %.2f × %d", s.Segment, s.Value, s.MeanCLV, s.Members)
		}
		if s.Segment == "everyone" && (s.Members != 2000 || math.Abs(s.Value-eq.CE) > 0.005) {
			t.Errorf("everyone: %+v, customer equity %.2f", s, eq.CE)
		}
	}
	// HTML with the charts inline, and the charts as files.
	charts := filepath.Join(dir, "charts")
	for _, c := range []struct {
		report string
		want   []string
	}{
		{"equity", []string{"<h1>Customer equity</h1>", "customer equity at every scoring run"}},
		{"segments", []string{"<td>platinum</td>", "<td>everyone</td>"}},
	} {
		out, errOut, err := run(t, db, "report", c.report, "--format", "html", "--out", charts, "--plot-format", "svg")
		if err != nil {
			t.Fatalf("report %s: %v\n%s", c.report, err, errOut)
		}
		if n := strings.Count(out, "<svg"); n == 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") {
			t.Errorf("report %s --format html: %d charts in\n%.300s", c.report, n, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("report %s --format html lacks %q", c.report, w)
			}
		}
	}
	for _, name := range []string{"equity", "concentration", "distribution", "segments"} {
		if st, err := os.Stat(filepath.Join(charts, name+".svg")); err != nil || st.Size() < 1000 {
			t.Errorf("chart %s: %v", name, err)
		}
	}
	out, _, err = run(t, db, "report", "segments", "--format", "csv")
	if err != nil || !strings.HasPrefix(out, "SEGMENT,OWNER,LEVEL,MEMBERS,") || strings.Count(out, "\n") != 3 {
		t.Errorf("segments as CSV: %v\n%s", err, out)
	}
}

// Profitability on the simulated retailer: the loss leaders (sold below
// cost) show with negative margins beside their buyers' positive CLV, and
// customer profit is margin minus the cost of calls.
func TestReportProfitability(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	sim := filepath.Join(dir, "sim")
	for _, args := range [][]string{
		{"simulate", "--customers", "2000", "--out", sim, "--seed", "5"},
		{"import", sim},
		{"fit", "--model", "bgnbd", "--unit", "week", "--calibration-end", "2024-12-28"},
		{"score", "--horizon", "52"},
	} {
		if _, errOut, err := run(t, db, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	out, errOut, err := run(t, db, "report", "profitability", "--call-cost", "4.50", "--format", "json")
	if err != nil {
		t.Fatalf("report profitability: %v\n%s", err, errOut)
	}
	var res struct {
		Products []struct {
			SKU           string  `json:"sku"`
			Margin        float64 `json:"margin"`
			BuyersMeanCLV float64 `json:"buyers_mean_clv"`
			LossLeader    bool    `json:"loss_leader"`
		} `json:"products"`
		Worst []struct {
			Margin      float64 `json:"margin"`
			CostToServe float64 `json:"cost_to_serve"`
			Profit      float64 `json:"profit"`
			Calls       int64   `json:"calls"`
		} `json:"least_profitable"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	leaders := map[string]bool{}
	for _, p := range res.Products {
		if p.LossLeader != (p.Margin < 0) {
			t.Errorf("%s: margin %v, loss leader %v", p.SKU, p.Margin, p.LossLeader)
		}
		if p.LossLeader {
			leaders[p.SKU] = true
			if p.BuyersMeanCLV <= 0 {
				t.Errorf("%s: buyers' mean CLV %v", p.SKU, p.BuyersMeanCLV)
			}
		}
	}
	if !leaders["GRO-MILK"] || !leaders["GRO-BREAD"] {
		t.Errorf("loss leaders found: %v, want GRO-MILK and GRO-BREAD among them", leaders)
	}
	for _, c := range res.Worst {
		if math.Abs(c.Profit-(c.Margin-c.CostToServe)) > 0.005 || math.Abs(c.CostToServe-4.5*float64(c.Calls)) > 0.005 {
			t.Errorf("customer profit %+v", c)
		}
	}
}

// Brand migration on the simulated retailer: the transition matrix is
// stochastic, the recommended moves go to the highest-margin brand, and the
// portfolio's ΔCE is the sum of the gains.
func TestReportMigration(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	sim := filepath.Join(dir, "sim")
	for _, args := range [][]string{
		{"simulate", "--customers", "3000", "--out", sim, "--seed", "8"},
		{"import", sim},
		{"fit", "--model", "bgnbd", "--spend", "gammagamma", "--unit", "week", "--calibration-end", "2024-12-28"},
		{"score", "--horizon", "52"},
	} {
		if _, errOut, err := run(t, db, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	out, errOut, err := run(t, db, "report", "migration", "--category", "grocery", "--top", "1000000", "--format", "json")
	if err != nil {
		t.Fatalf("report migration: %v\n%s", err, errOut)
	}
	var m struct {
		Periods int
		Brands  []struct {
			Brand      string  `json:"brand"`
			MarginRate float64 `json:"margin_rate"`
			Customers  int     `json:"customers"`
		} `json:"brands"`
		Matrix [][]float64 `json:"transition_matrix"`
		Recs   []struct {
			To   string  `json:"to"`
			Gain float64 `json:"gain"`
		} `json:"recommendations"`
		Portfolio float64 `json:"portfolio_delta_ce"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	if m.Periods != 4 || len(m.Brands) != 3 {
		t.Fatalf("periods %d, brands %+v", m.Periods, m.Brands)
	}
	best := m.Brands[0]
	for _, b := range m.Brands {
		if b.MarginRate > best.MarginRate {
			best = b
		}
	}
	for i, row := range m.Matrix {
		s := 0.0
		for _, p := range row {
			s += p
		}
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("row %d sums to %v", i, s)
		}
	}
	sum := 0.0
	for i, r := range m.Recs {
		if r.To != best.Brand || r.Gain <= 0 || (i > 0 && r.Gain > m.Recs[i-1].Gain) {
			t.Fatalf("recommendation %d: %+v (best brand %s)", i, r, best.Brand)
		}
		sum += r.Gain
	}
	if len(m.Recs) == 0 || math.Abs(sum-m.Portfolio) > 1e-6*math.Max(1, m.Portfolio) {
		t.Errorf("%d recommendations summing to %v, portfolio ΔCE %v", len(m.Recs), sum, m.Portfolio)
	}
	// The heat map and the projection, as PNG files beside the table.
	charts := filepath.Join(dir, "charts")
	out, errOut, err = run(t, db, "report", "migration", "--category", "grocery", "--out", charts)
	if err != nil || !strings.Contains(out, "transition matrix") || !strings.Contains(out, "wrote "+filepath.Join(charts, "transitions.png")) {
		t.Errorf("report migration --out: %v\n%s%s", err, out, errOut)
	}
	for _, name := range []string{"transitions", "projection"} {
		if b, err := os.ReadFile(filepath.Join(charts, name+".png")); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("chart %s: %v", name, err)
		}
	}
	if _, errOut, err := run(t, db, "report", "migration", "--category", "grocery", "--period", "8760h", "--from", "2024-01-01"); err == nil ||
		!strings.Contains(errOut, "whole periods") {
		t.Errorf("a window of one period: %v\n%s", err, errOut)
	}
}
