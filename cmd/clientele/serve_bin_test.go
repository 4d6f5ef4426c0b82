package main_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"clientele/internal/store/storetest"
)

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
	token, _, err := run(t, db, "token", "create", "--name", "test", "--role", "admin")
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
	// Every demo user signs in with the password printed.
	login := regexp.MustCompile(`Sign in:\s+http://\S+/login as (.+), password (\S+)`).FindStringSubmatch(out)
	if login == nil || !strings.Contains(login[1], "jiwoo (agent)") {
		t.Fatalf("demo printed no logins:\n%s", out)
	}
	resp, err := http.Post("http://"+addr+"/api/v1/sessions", "application/json", strings.NewReader(`{"name":"jiwoo","password":"`+login[2]+`"}`))
	if err != nil || resp.StatusCode != 201 {
		t.Errorf("signing in as jiwoo: %v %v", resp.StatusCode, err)
	}
	resp.Body.Close()
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
	// The grocery market's switching survey is stored: the Brands page's
	// share of customer equity has the firm's brands and its rivals'.
	code, body = get(t, "http://"+addr+"/api/v1/reports/switching?survey=grocery-survey", m[1])
	if code != 200 || !strings.Contains(body, `"Rival Mart"`) || !strings.Contains(body, `"Harbor"`) || !strings.Contains(body, `"share"`) {
		t.Errorf("switching report of the demo's survey: %d %.400s", code, body)
	}
	// The demo's colleagues have shared information: every department the
	// article names stored or retrieved some, and departments read each
	// other's.
	code, body = get(t, "http://"+addr+"/api/v1/reports/sharing", m[1])
	var sharing struct {
		Stored      int `json:"stored"`
		Retrieved   int `json:"retrieved"`
		Departments []struct {
			Name              string `json:"name"`
			Stored, Retrieved int
		} `json:"departments"`
		Flow struct {
			Counts [][]int `json:"counts"`
		} `json:"flow"`
		Authors []struct {
			MeanRating float64 `json:"mean_rating"`
		} `json:"authors"`
	}
	if err := json.Unmarshal([]byte(body), &sharing); code != 200 || err != nil {
		t.Fatalf("sharing report: %d %v %.300s", code, err, body)
	}
	across := 0
	for i, row := range sharing.Flow.Counts {
		for j, n := range row {
			if i != j {
				across += n
			}
		}
	}
	if sharing.Stored < 100 || sharing.Retrieved < 100 || len(sharing.Departments) < 7 || across < 50 || len(sharing.Authors) == 0 || sharing.Authors[0].MeanRating == 0 {
		t.Errorf("the demo's sharing: %d stored, %d retrieved, %d departments, %d reads across departments: %.500s",
			sharing.Stored, sharing.Retrieved, len(sharing.Departments), across, body)
	}
}

// --version says what binary this is; revoking a token says so.
func TestVersionAndRevoke(t *testing.T) {
	db := storetest.SQLiteDSN(t)
	if out, _, err := run(t, db, "--version"); err != nil || !strings.HasPrefix(out, "clientele version ") || !strings.Contains(out, "go1.") {
		t.Errorf("--version: %q, %v", out, err)
	}
	if _, errOut, err := run(t, db, "token", "create", "--name", "ci", "--role", "admin"); err != nil {
		t.Fatalf("token create: %v\n%s", err, errOut)
	}
	if out, _, err := run(t, db, "token", "revoke", "1"); err != nil || !strings.Contains(out, "token 1 revoked") {
		t.Errorf("token revoke: %q, %v", out, err)
	}
	if _, errOut, err := run(t, db, "token", "revoke", "1"); err == nil || !strings.Contains(errOut, "no active token 1") {
		t.Errorf("revoking twice: %v %s", err, errOut)
	}
}

// The commands an analyst types first: users list; import with the kind
// in the singular; a flag's own name in its error.
func TestCommandRoughEdges(t *testing.T) {
	db := storetest.SQLiteDSN(t)
	if _, errOut, err := run(t, db, "users", "create", "--name", "yuna", "--role", "cco"); err != nil {
		t.Fatalf("users create: %v\n%s", err, errOut)
	}
	if out, _, err := run(t, db, "users", "list", "--format", "json"); err != nil || !strings.Contains(out, `"name": "yuna"`) || !strings.Contains(out, `"role": "cco"`) {
		t.Errorf("users list: %q, %v", out, err)
	}
	if out, errOut, err := run(t, db, "import", "transaction", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil || !strings.Contains(out, "imported 6919") {
		t.Errorf("import transaction (singular): %v\n%s%s", err, out, errOut)
	}
	if _, errOut, err := run(t, db, "report", "equity", "--plot-format", "pdf"); err == nil || !strings.Contains(errOut, `--plot-format "pdf": want one of png, svg`) {
		t.Errorf("--plot-format pdf: %v %s", err, errOut)
	}
}
