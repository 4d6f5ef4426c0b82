package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
				for _, path := range []string{b.DSN, store.AuditPath(b.DSN)} {
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
				var n int
				if err := f.QueryRowContext(ctx, "SELECT count(*) FROM audit_log").Scan(&n); err != nil || n == 0 {
					t.Fatalf("file %d: %d entries, %v", i, n, err)
				}
				stmts := []string{"UPDATE audit_log SET user_name = 'someone else'", "DELETE FROM audit_log"}
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
	if db, file := describe(b.DSN), describe(store.AuditPath(b.DSN)); db != file {
		t.Errorf("audit_log in the database:\n%s\nin the reads' file:\n%s", db, file)
	}
}
