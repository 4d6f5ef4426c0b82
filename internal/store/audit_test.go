package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	_ "github.com/jackc/pgx/v5/stdlib"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// Reads recorded at once by many requests are all kept (in groups), a
// write's entry commits with the write and only with it, and the log is
// read back newest first with its filters.
func TestAuditLog(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 300)
		for i := range 300 {
			wg.Go(func() {
				errs <- db.RecordReads(ctx, clientele.AuditEntry{UserName: fmt.Sprintf("u%d", i%3), Role: "agent", Action: clientele.AuditRead,
					CustomerID: fmt.Sprintf("c%d", i%10), Route: "GET /api/v1/customers/{id}"})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		es, _, err := db.Audit(ctx, clientele.AuditFilter{CustomerID: "c3", Limit: 1000}, "")
		if err != nil || len(es) != 30 {
			t.Fatalf("entries of c3: %d, %v; want 30", len(es), err)
		}
		es, _, err = db.Audit(ctx, clientele.AuditFilter{UserName: "u1", Limit: 1000}, "")
		if err != nil || len(es) != 100 {
			t.Fatalf("entries of u1: %d, %v; want 100", len(es), err)
		}

		// A write commits its entry; a failed write leaves none.
		wctx := clientele.WithAudit(ctx, &clientele.AuditEntry{UserName: "ingest", Role: "integrator", Action: clientele.AuditWrite, CustomerID: "w1", Route: "PUT /api/v1/customers/{id}"})
		if _, err := db.PutCustomer(wctx, clientele.Customer{ID: "w1", Name: "Written"}); err != nil {
			t.Fatal(err)
		}
		failed := errors.New("refused")
		err = db.Write(clientele.WithAudit(ctx, &clientele.AuditEntry{UserName: "ingest", Role: "integrator", Action: clientele.AuditWrite, CustomerID: "w2", Route: "PUT /api/v1/customers/{id}"}),
			func(w *store.Writer) error {
				if _, err := w.Customers(ctx, []clientele.Customer{{ID: "w2"}}); err != nil {
					return err
				}
				return failed
			})
		if !errors.Is(err, failed) {
			t.Fatal(err)
		}
		es, _, err = db.Audit(ctx, clientele.AuditFilter{UserName: "ingest"}, "")
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range es {
			got = append(got, e.Action+" "+e.CustomerID)
		}
		if diff := cmp.Diff([]string{"write w1"}, got); diff != "" {
			t.Errorf("writes' entries (-want +got):\n%s", diff)
		}
		if _, err := db.Customer(ctx, "w2"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("the failed write's customer: %v", err)
		}
		// Since: nothing before today's entries is left out, nothing after
		// tomorrow is in.
		if es, _, _ := db.Audit(ctx, clientele.AuditFilter{Since: es[0].At.AddDate(0, 0, 1)}, ""); len(es) != 0 {
			t.Errorf("since tomorrow: %d entries", len(es))
		}
	})
}

// No interface can change or delete an entry: the database itself refuses,
// on both backends, in the database and (SQLite) in the reads' file.
func TestAuditLogIsAppendOnly(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := b.DB.RecordReads(ctx, clientele.AuditEntry{UserName: "u", Role: "cco", Action: "read", CustomerID: "c1", Route: "r"}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.PutCustomer(clientele.WithAudit(ctx, &clientele.AuditEntry{UserName: "u", Role: "cco", Action: "write", CustomerID: "c1", Route: "r"}),
				clientele.Customer{ID: "c1"}); err != nil {
				t.Fatal(err)
			}
			var files []*sql.DB
			switch b.Name {
			case "sqlite":
				if _, err := b.DB.IndexAuditReads(ctx); err != nil {
					t.Fatal(err)
				}
				for _, path := range []string{b.DSN, store.AuditPath(b.DSN), store.AuditPath(b.DSN) + "-index"} {
					f, err := sql.Open("sqlite", path)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					files = append(files, f)
				}
			default:
				f, err := sql.Open("pgx", b.DSN)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				files = append(files, f)
			}
			for i, f := range files {
				table, col := "audit_log", "user_name"
				if i == 2 {
					table = "audit_by_user" // the reads' index
				}
				var n int
				if err := f.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n == 0 {
					t.Fatalf("file %d: %d entries, %v", i, n, err)
				}
				stmts := []string{"UPDATE " + table + " SET " + col + " = 'someone else'", "DELETE FROM " + table}
				if i == 2 {
					stmts = append(stmts, "DELETE FROM audit_by_customer", "UPDATE audit_indexed SET upto = 0", "DELETE FROM audit_indexed")
				}
				if b.Name == "postgres" {
					stmts = append(stmts, "TRUNCATE audit_log")
				}
				for _, q := range stmts {
					_, err := f.ExecContext(ctx, q)
					if err == nil || !strings.Contains(err.Error(), "the audit log cannot be changed") {
						t.Errorf("file %d: %s: %v", i, q, err)
					}
				}
			}
		})
	}
}

// On SQLite the reads' log is made by auditSchema, not by the migrations:
// its table, indexes and triggers must stay those of the migration's.
func TestAuditFileSchemaMatchesMigration(t *testing.T) {
	b := storetest.Open(t)[0]
	describe := func(path string) string {
		f, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		var out []string
		rows, err := f.Query(`SELECT name, type, "notnull", coalesce(dflt_value, ''), pk FROM pragma_table_info('audit_log') ORDER BY cid`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, typ, def string
			var notnull, pk int
			if err := rows.Scan(&name, &typ, &notnull, &def, &pk); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprint(name, typ, notnull, def, pk))
		}
		rows.Close()
		rows, err = f.Query(`SELECT type, name FROM sqlite_master WHERE tbl_name = 'audit_log' AND type IN ('index', 'trigger') AND name NOT LIKE 'sqlite_%' ORDER BY type, name`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var typ, name string
			rows.Scan(&typ, &name)
			out = append(out, typ+" "+name)
		}
		rows.Close()
		return strings.Join(out, "\n")
	}
	// The same columns and triggers; the reads' indexes are in a file of
	// their own.
	db, file := describe(b.DSN), describe(store.AuditPath(b.DSN))
	var dbNoIndex []string
	for _, l := range strings.Split(db, "\n") {
		if !strings.HasPrefix(l, "index ") {
			dbNoIndex = append(dbNoIndex, l)
		}
	}
	if strings.Join(dbNoIndex, "\n") != file {
		t.Errorf("audit_log in the database, indexes aside:\n%s\nin the reads' file:\n%s", strings.Join(dbNoIndex, "\n"), file)
	}
	f, err := sql.Open("sqlite", store.AuditPath(b.DSN)+"-index")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, table := range []string{"audit_by_customer", "audit_by_user", "audit_indexed"} {
		var n int
		if err := f.QueryRow(`SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?`, table).Scan(&n); err != nil || n != 2 {
			t.Errorf("%s in the reads' index: %d triggers, %v", table, n, err)
		}
	}
}

// An index file that has got further than the reads' file beside it (the
// reads' file restored from an older copy) is made again, so that the new
// entries, numbered from where that file ends, are found by customer.
func TestAuditIndexOfAnotherFile(t *testing.T) {
	ctx := context.Background()
	path := t.TempDir() + "/c.db"
	read := func(db *store.DB, customer string, n int) {
		for range n {
			if err := db.RecordReads(ctx, clientele.AuditEntry{UserName: "u", Role: "cco", Action: clientele.AuditRead, CustomerID: customer, Route: "r"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.IndexAuditReads(ctx); err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	read(db, "old", 10)
	db.Close()
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(store.AuditPath(path) + suffix)
	}
	if db, err = store.Open(ctx, path, nil); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	read(db, "new", 3)
	for customer, want := range map[string]int{"new": 3, "old": 0} {
		if es, _, err := db.Audit(ctx, clientele.AuditFilter{CustomerID: customer}, ""); err != nil || len(es) != want {
			t.Errorf("entries of %s: %d, %v; want %d", customer, len(es), err, want)
		}
	}
}

// The reads' index file (SQLite) is brought up to date a batch at a time:
// entries are found by customer and by user before it has them, once it
// has them, and with some indexed and some not, each once.
func TestAuditIndexStages(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, t.TempDir()+"/c.db", &store.Options{AuditIndexEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	write := func() {
		for i := range 300 {
			if err := db.RecordReads(ctx, clientele.AuditEntry{UserName: fmt.Sprintf("u%d", i%3), Role: "agent", Action: clientele.AuditRead,
				CustomerID: fmt.Sprintf("c%d", i%10), Route: "GET /api/v1/customers/{id}"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	count := func(stage string, want int) {
		t.Helper()
		es, _, err := db.Audit(ctx, clientele.AuditFilter{CustomerID: "c3", Limit: 1000}, "")
		if err != nil || len(es) != want/10 {
			t.Fatalf("%s: entries of c3: %d, %v; want %d", stage, len(es), err, want/10)
		}
		ids := map[int64]bool{}
		for _, e := range es {
			if ids[e.ID] || e.CustomerID != "c3" {
				t.Fatalf("%s: entry %d twice, or of %q", stage, e.ID, e.CustomerID)
			}
			ids[e.ID] = true
		}
		es, _, err = db.Audit(ctx, clientele.AuditFilter{UserName: "u1", Limit: 1000}, "")
		if err != nil || len(es) != want/3 {
			t.Fatalf("%s: entries of u1: %d, %v; want %d", stage, len(es), err, want/3)
		}
	}
	index := func() {
		t.Helper()
		if n, err := db.IndexAuditReads(ctx); err != nil || n != 300 {
			t.Fatalf("indexed %d, %v; want the 300 new entries", n, err)
		}
	}
	write()
	count("none indexed", 300)
	index()
	count("indexed", 300)
	write()
	count("half indexed", 600)
	index()
	count("indexed again", 600)
}
