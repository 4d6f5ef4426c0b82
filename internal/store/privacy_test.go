package store_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// eraseFixture stores a customer with every kind of row a customer has,
// and a second customer who must be left alone.
func eraseFixture(t *testing.T, db *store.DB) {
	t.Helper()
	ctx := context.Background()
	at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	err := db.Write(ctx, func(w *store.Writer) error {
		if _, err := w.Customers(ctx, []clientele.Customer{
			{ID: "erase-me-7731", Name: "Jisoo Erasable", Email: "jisoo.erasable@example.org", Phone: "+821055501234", City: "Incheon", Attributes: map[string]any{"pet": "Mongsil"}},
			{ID: "keep-me", Name: "Kept Person", Email: "kept@example.org"},
			{ID: "anon-5521", Name: ""},
		}); err != nil {
			return err
		}
		if _, err := w.Accounts(ctx, []clientele.Account{{CustomerID: "erase-me-7731", ID: "4111222233334444", Kind: "card", OpenedOn: "2020-01-02", Currency: "USD", Holder: "JISOO ERASABLE"}}); err != nil {
			return err
		}
		if _, err := w.Transactions(ctx, []clientele.Transaction{
			{ID: "t1", CustomerID: "erase-me-7731", Time: at, Amount: 1000, Currency: "USD", Lines: []clientele.Line{{SKU: "A", Quantity: 1, UnitPrice: 1000}}},
			{ID: "t2", CustomerID: "keep-me", Time: at, Amount: 500, Currency: "USD"},
		}, nil); err != nil {
			return err
		}
		// e2 is recent: its counts by day are kept.
		if _, err := w.Events(ctx, []clientele.Event{{ID: "e1", CustomerID: "erase-me-7731", Type: "life_event", Time: at, Properties: []byte(`{"note":"moved to Incheon"}`)},
			{ID: "e2", CustomerID: "erase-me-7731", Type: "web_visit", Time: time.Now().UTC().Truncate(time.Second)}}, nil); err != nil {
			return err
		}
		if err := w.MergeCustomers(ctx, "anon-5521", "erase-me-7731", "identify"); err != nil {
			return err
		}
		if err := w.SetConsent(ctx, clientele.Consent{CustomerID: "erase-me-7731", Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, Source: "web form", At: at}); err != nil {
			return err
		}
		run, err := w.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", CalibrationEnd: "2024-06-30", Currency: "USD",
			Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 2, Converged: true})
		if err != nil {
			return err
		}
		return w.Scores(ctx, run, []clientele.Score{{CustomerID: "erase-me-7731", ProbAlive: 0.5, CLV: 100}, {CustomerID: "keep-me", ProbAlive: 0.5, CLV: 50}})
	})
	if err != nil {
		t.Fatal(err)
	}
	seg, err := db.CreateSegment(ctx, clientele.Segment{Name: "all", Definition: "true"})
	if err != nil {
		t.Fatal(err)
	}
	agent, err := db.CreateUser(ctx, clientele.User{Name: "agent", Role: "agent"}, "")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(w *store.Writer) error {
		it, err := w.CreateItem(ctx, clientele.InfoItem{CustomerID: "erase-me-7731", AuthorID: agent.ID, Kind: clientele.InfoCallNote, Text: "Asked to move her savings to Kookmin"})
		if err != nil {
			return err
		}
		if err := w.RecordItemReads(ctx, agent.ID, "", at, []int64{it.ID}); err != nil {
			return err
		}
		return w.RateItem(ctx, it.ID, agent.ID, 4, at)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyMembership(ctx, seg.ID, []clientele.MembershipChange{{CustomerID: "erase-me-7731", Joined: true}, {CustomerID: "keep-me", Joined: true}}, "test", at); err != nil {
		t.Fatal(err)
	}
	// The engine's rows: a trigger fired, a decision sent, its message.
	tr := clientele.NewTrigger()
	tr.Name, tr.When, tr.Then = "moved", "true", []string{"sofa"}
	trig, err := db.PutTrigger(ctx, tr, "test")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(w *store.Writer) error {
		if err := w.Fired(ctx, "erase-me-7731", trig.ID, at); err != nil {
			return err
		}
		d := &clientele.Decision{CustomerID: "erase-me-7731", At: at, FactAt: at, TriggerID: trig.ID, TriggerVersion: 1, Fact: "event:e1",
			Status: clientele.DecisionSent, Offers: []clientele.Option{{Offer: "sofa", Class: clientele.OfferSales, Channel: "email", Chosen: true}}}
		id, err := w.Decide(ctx, d, "all")
		if err != nil {
			return err
		}
		return w.Enqueue(ctx, store.Message{DecisionID: id, CustomerID: "erase-me-7731", Channel: "email", Key: "decision-1-email", Payload: []byte(`{"customer_id":"erase-me-7731"}`)})
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The erased person's strings, which must be gone from the file.
var erased = []string{"erase-me-7731", "Jisoo Erasable", "jisoo.erasable@example.org", "821055501234", "4111222233334444", "JISOO ERASABLE", "Mongsil", "moved to Incheon", "savings to Kookmin"}

// The export holds a row of every table that holds customers' rows; the
// erasure removes them all but the transactions, which stay under a
// random id, on both backends; on SQLite, none of the person's strings is
// left in the database file or its write-ahead log.
func TestEraseAndExport(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			db := b.DB
			eraseFixture(t, db)
			doc, err := db.ExportCustomer(ctx, "erase-me-7731")
			if err != nil {
				t.Fatal(err)
			}
			for _, tc := range store.CustomerTables() {
				table, _, _ := strings.Cut(tc, ".")
				if len(doc[table]) == 0 {
					t.Errorf("the export has no %s rows", table)
				}
			}
			if got := doc["customers"][0]["email"]; got != "jisoo.erasable@example.org" {
				t.Errorf("export's e-mail %v", got)
			}
			if _, ok := doc["customers"][0]["created_at"].(time.Time); !ok {
				t.Errorf("export's created_at is %T, want a time", doc["customers"][0]["created_at"])
			}

			er, err := db.EraseCustomer(clientele.WithAudit(ctx, &clientele.AuditEntry{UserName: "dpo", Role: "admin", Action: clientele.AuditErase, CustomerID: "erase-me-7731", Route: "clientele customers erase", Reason: "request 12"}), "erase-me-7731")
			if err != nil {
				t.Fatal(err)
			}
			if er.Kept != 1 || !strings.HasPrefix(er.KeptAs, "erased-") || er.Suppressed < 4 || er.Overwritten != (b.Name == "sqlite") {
				t.Errorf("erasure %+v", er)
			}
			if _, err := db.Customer(ctx, "erase-me-7731"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("the customer after erasure: %v", err)
			}
			if _, err := db.CustomerByIdentity(ctx, "email", "jisoo.erasable@example.org"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("the e-mail identity after erasure: %v", err)
			}
			if _, err := db.Customer(ctx, "keep-me"); err != nil {
				t.Errorf("the other customer: %v", err)
			}
			st, err := db.Stats(ctx)
			if err != nil || st.Transactions != 2 {
				t.Errorf("transactions after erasure: %d (%v), want both kept", st.Transactions, err)
			}
			// Erasing again: not found. Storing the person again: refused.
			if _, err := db.EraseCustomer(ctx, "erase-me-7731"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("second erasure: %v", err)
			}
			for name, write := range map[string]func(w *store.Writer) error{
				"by id": func(w *store.Writer) error {
					_, err := w.Customers(ctx, []clientele.Customer{{ID: "erase-me-7731"}})
					return err
				},
				"by e-mail under a new id": func(w *store.Writer) error {
					_, err := w.Customers(ctx, []clientele.Customer{{ID: "new-1", Email: "Jisoo.Erasable@example.org"}})
					return err
				},
				"a transaction": func(w *store.Writer) error {
					_, err := w.Transactions(ctx, []clientele.Transaction{{ID: "t9", CustomerID: "erase-me-7731", Time: time.Now(), Amount: 1, Currency: "USD"}}, nil)
					return err
				},
			} {
				if err := db.Write(ctx, write); clientele.ErrorCode(err) != clientele.ESUPPRESSED {
					t.Errorf("stored again %s: %v", name, err)
				}
			}
			es, _, err := db.Audit(ctx, clientele.AuditFilter{UserName: "dpo"}, "")
			if err != nil || len(es) != 1 || es[0].Action != "erase" || es[0].Reason != "request 12" {
				t.Errorf("the erasure's audit entry: %+v %v", es, err)
			}
			if b.Name != "sqlite" {
				return
			}
			for _, path := range []string{b.DSN, b.DSN + "-wal"} {
				raw, err := os.ReadFile(path)
				if err != nil && !os.IsNotExist(err) {
					t.Fatal(err)
				}
				for _, s := range erased {
					if bytes.Contains(raw, []byte(s)) {
						t.Errorf("%s still holds %q", path, s)
					}
				}
			}
		})
	}
}

// Every table with a column that names a customer is on the list that
// erasure and export go through, but the audit log, which must stay.
func TestCustomerTablesCoverTheSchema(t *testing.T) {
	b := storetest.Open(t)[0]
	f, err := sql.Open("sqlite", b.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.Query(`SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	listed := store.CustomerTables()
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		isCustomer := strings.HasSuffix(col, "customer_id") || table == "customers" && col == "id" || table == "customer_merges" && strings.HasSuffix(col, "_id")
		if isCustomer && table != "audit_log" && !slices.Contains(listed, table+"."+col) {
			t.Errorf("%s.%s names a customer but is not in customerTables: erasure and export would miss it", table, col)
		}
	}
}

// An erasure cut off at any point — its context cancelled after 0 to 8
// ms, inside any of its statements — leaves the customer whole or fully
// erased, never in between.
func TestEraseInterrupted(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			eraseFixture(t, b.DB)
			whole, erasedN := 0, 0
			for i := range 24 {
				id := fmt.Sprintf("cut-%d", i)
				at := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
				err := b.DB.Write(ctx, func(w *store.Writer) error {
					if _, err := w.Customers(ctx, []clientele.Customer{{ID: id, Email: id + "@example.org", Phone: fmt.Sprintf("+8210555%05d", i)}}); err != nil {
						return err
					}
					if _, err := w.Transactions(ctx, []clientele.Transaction{{ID: "t", CustomerID: id, Time: at, Amount: 100, Currency: "USD"}}, nil); err != nil {
						return err
					}
					_, err := w.Events(ctx, []clientele.Event{{ID: "e", CustomerID: id, Type: "visit", Time: at}}, nil)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
				cut, cancel := context.WithTimeout(ctx, time.Duration(i)*time.Duration(i)*15*time.Microsecond)
				_, err = b.DB.EraseCustomer(cut, id)
				cancel()
				doc, xerr := b.DB.ExportCustomer(ctx, id)
				switch {
				case err == nil && clientele.ErrorCode(xerr) == clientele.ENOTFOUND:
					erasedN++
					if _, err := b.DB.CustomerByIdentity(ctx, "email", id+"@example.org"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
						t.Errorf("%s erased, but its e-mail still leads to it: %v", id, err)
					}
				case err != nil && xerr == nil:
					whole++
					if len(doc["identities"]) != 2 || len(doc["transactions"]) != 1 || len(doc["events"]) != 1 {
						t.Errorf("%s cut off (%v) and not whole: %d identities, %d transactions, %d events", id, err,
							len(doc["identities"]), len(doc["transactions"]), len(doc["events"]))
					}
				default:
					t.Errorf("%s: erasure %v, export %v", id, err, xerr)
				}
			}
			t.Logf("%d cut off whole, %d erased", whole, erasedN)
			if whole == 0 || erasedN == 0 {
				t.Logf("the cut-offs did not cover both outcomes: %d whole, %d erased", whole, erasedN)
			}
		})
	}
}
