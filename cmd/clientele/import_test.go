package main_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"clientele/internal/store/storetest"
)

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
