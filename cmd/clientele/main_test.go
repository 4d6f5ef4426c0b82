package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

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

var apiLine = regexp.MustCompile(`http://([0-9.:]+)/api/v1`)
