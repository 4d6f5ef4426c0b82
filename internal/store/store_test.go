package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func tx(cust, id string, day int, amount int64, lines ...clientele.Line) clientele.Transaction {
	t := clientele.Transaction{
		ID: id, CustomerID: cust, Time: time.Date(2024, 1, day, 10, 0, 0, 0, time.UTC),
		Store: "s1", Channel: "store", PaymentMethod: "card", Amount: amount, Margin: ptr(amount / 4),
		Currency: "USD", Lines: lines,
	}
	t.Complete()
	return t
}

func TestTransactionsIdempotent(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			batch := []clientele.Transaction{
				tx("c1", "t1", 1, 1000, clientele.Line{SKU: "A", Quantity: 2, UnitPrice: 500}),
				tx("c1", "t2", 2, 250),
				tx("c1", "t1", 3, 9999), // repeats t1 in the same batch
				tx("c2", "t1", 4, 700),  // same id, other customer: a different transaction
			}
			created := make([]bool, len(batch))
			var res store.Result
			err := b.DB.Write(ctx, func(w *store.Writer) error {
				var err error
				res, err = w.Transactions(ctx, batch, created)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]bool{true, true, false, true}, created); diff != "" {
				t.Errorf("created (-want +got):\n%s", diff)
			}
			if res != (store.Result{Written: 3, Duplicates: 1}) {
				t.Errorf("result = %+v, want 3 written, 1 duplicate", res)
			}
			// The whole batch again: nothing new.
			err = b.DB.Write(ctx, func(w *store.Writer) error {
				var err error
				res, err = w.Transactions(ctx, batch, created)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Written != 0 || res.Duplicates != 4 {
				t.Errorf("second write = %+v, want 0 written, 4 duplicates", res)
			}
			st, err := b.DB.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Customers != 2 || st.Transactions != 3 || st.Revenue["USD"] != 1950 {
				t.Errorf("stats = %+v, want 2 customers, 3 transactions, revenue 1950", st)
			}
			if !st.First.Equal(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)) || !st.Last.Equal(time.Date(2024, 1, 4, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("first, last = %v, %v", st.First, st.Last)
			}
			got, next, err := b.DB.Transactions(ctx, "c1", "", 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].ID != "t2" || next == "" {
				t.Fatalf("first page = %+v, next %q; want t2 and a cursor", got, next)
			}
			got, next, err = b.DB.Transactions(ctx, "c1", next, 1)
			if err != nil {
				t.Fatal(err)
			}
			want := batch[0]
			if diff := cmp.Diff([]clientele.Transaction{want}, got); diff != "" || next != "" {
				t.Errorf("second page (-want +got):\n%s\nnext %q", diff, next)
			}
		})
	}
}

// TestTransactionsWithMemo writes batches prepared with one CustomerMemo,
// as an import does: each customer is created once, with the time of its
// first transaction (in key order) in the first batch that brings it, whether it comes
// again in a later batch or was stored before.
func TestTransactionsWithMemo(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			if err := b.DB.Write(ctx, func(w *store.Writer) error {
				_, err := w.Transactions(ctx, []clientele.Transaction{tx("c0", "t0", 1, 100)}, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			memo := store.NewCustomerMemo()
			batches := [][]clientele.Transaction{
				{tx("c2", "t3", 5, 100), tx("c1", "t1", 3, 100), tx("c2", "t2", 4, 100), tx("c0", "t4", 2, 100)},
				{tx("c1", "t5", 6, 100), tx("c3", "t6", 7, 100), tx("c0", "t7", 8, 100), tx("c3", "t8", 9, 100)},
			}
			var got store.Result
			err := b.DB.Write(ctx, func(w *store.Writer) error {
				for _, txs := range batches {
					res, err := w.WriteTransactions(ctx, b.DB.PrepareTransactions(txs, memo), nil)
					if err != nil {
						return err
					}
					got.Written += res.Written
					got.Duplicates += res.Duplicates
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := (store.Result{Written: 8}); got != want {
				t.Errorf("written %+v, want %+v", got, want)
			}
			st, err := b.DB.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Customers != 4 || st.Transactions != 9 {
				t.Errorf("stats %+v, want 4 customers and 9 transactions", st)
			}
			for id, day := range map[string]int{"c0": 1, "c1": 3, "c2": 4, "c3": 7} {
				c, err := b.DB.Customer(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if want := time.Date(2024, 1, day, 10, 0, 0, 0, time.UTC); !c.CreatedAt.Equal(want) {
					t.Errorf("%s created %v, want %v", id, c.CreatedAt, want)
				}
			}
		})
	}
}

func TestWriteRollsBack(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			boom := errors.New("boom")
			err := b.DB.Write(ctx, func(w *store.Writer) error {
				if _, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 100)}, nil); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			st, err := b.DB.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Customers != 0 || st.Transactions != 0 {
				t.Errorf("after rollback: %+v, want an empty database", st)
			}
		})
	}
}

// TestSQLitePageSize checks that a new SQLite file gets 16 KiB pages and
// WAL mode, and that a file an earlier version made with SQLite's 4 KiB
// pages opens, migrates and keeps its page size.
func TestSQLitePageSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pragmas := func(t *testing.T, path string) (pageSize int, journal string) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		return pageSize, journal
	}
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA page_size = 4096", "PRAGMA journal_mode = WAL", "CREATE TABLE before (x)"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		pageSize   int
	}{
		{"new file", filepath.Join(dir, "new.db"), 16384},
		{"empty file", empty, 16384},
		{"4 KiB database", old, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(ctx, tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Write(ctx, func(w *store.Writer) error {
				_, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 100)}, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			pageSize, journal := pragmas(t, tt.path)
			if pageSize != tt.pageSize || journal != "wal" {
				t.Errorf("page_size %d, journal_mode %s; want %d, wal", pageSize, journal, tt.pageSize)
			}
		})
	}
}

func TestCustomer360(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c := clientele.Customer{ID: "c1", Name: "Ada Lovelace", Email: "Ada@Example.com", Phone: "+44 20 7946 0000",
				BirthDate: "1985-12-10", City: "London", HouseholdID: "h1", CreatedAt: time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC),
				Attributes: map[string]any{"student": false}}
			primary := clientele.Account{ID: "4000-0000-0000-0001", CustomerID: "c1", Kind: "card", Product: "rewards", Tier: "gold", OpenedOn: "2020-05-01", Currency: "USD"}
			supp := clientele.Account{ID: "4000-0000-0000-0002", CustomerID: "c1", Kind: "card", Product: "rewards", Tier: "gold", Holder: "Byron", OpenedOn: "2021-01-01",
				ParentID: primary.ID, SpendingLimit: ptr(int64(50000)), Currency: "USD"}
			// Opened before the first, stored after both: primary accounts
			// come first, each in order of opening.
			older := clientele.Account{ID: "4000-0000-0000-0003", CustomerID: "c1", Kind: "contract", Product: "mobile", OpenedOn: "2019-03-01", Currency: "USD"}
			ev := clientele.Event{ID: "e1", CustomerID: "c1", Type: "moved_home", Time: time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), Properties: json.RawMessage(`{"city":"Bath"}`)}
			// Events stored out of time order; e0 is the oldest and falls
			// outside a page of two.
			evs := []clientele.Event{
				{ID: "e0", CustomerID: "c1", Type: "graduated", Time: time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)},
				ev,
				{ID: "e2", CustomerID: "c1", Type: "married", Time: time.Date(2023, 9, 1, 0, 0, 0, 0, time.UTC)},
			}
			err := b.DB.Write(ctx, func(w *store.Writer) error {
				if _, err := w.Customers(ctx, []clientele.Customer{c}); err != nil {
					return err
				}
				if _, err := w.Accounts(ctx, []clientele.Account{supp, primary, older}); err != nil {
					return err
				}
				if _, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 1000), tx("c1", "t2", 5, 500)}, nil); err != nil {
					return err
				}
				_, err := w.Events(ctx, evs, nil)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			v, err := b.DB.Customer360(ctx, "c1", 2)
			if err != nil {
				t.Fatal(err)
			}
			if v.Customer.Name != c.Name || v.Customer.BirthDate != c.BirthDate || !v.Customer.CreatedAt.Equal(c.CreatedAt) ||
				v.Customer.Attributes["student"] != false {
				t.Errorf("customer = %+v", v.Customer)
			}
			wantIDs := []clientele.Identity{
				{Kind: "card", Value: "4000000000000001", CustomerID: "c1"},
				{Kind: "card", Value: "4000000000000002", CustomerID: "c1"},
				{Kind: "email", Value: "ada@example.com", CustomerID: "c1"},
				{Kind: "phone", Value: "+442079460000", CustomerID: "c1"},
			}
			if diff := cmp.Diff(wantIDs, v.Identities); diff != "" {
				t.Errorf("identities (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]clientele.Account{older, primary, supp}, v.Accounts); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
			if v.Totals.Transactions != 2 || v.Totals.Revenue["USD"] != 1500 {
				t.Errorf("totals = %+v", v.Totals)
			}
			if len(v.Transactions) != 2 || v.Transactions[0].ID != "t2" {
				t.Errorf("transactions = %+v, want t2 first", v.Transactions)
			}
			if len(v.Events) != 2 || v.Events[0].ID != "e1" || v.Events[1].ID != "e2" {
				t.Errorf("events = %+v, want e1 then e2", v.Events)
			}
			if v.Score != nil || len(v.Segments) != 0 {
				t.Errorf("never scored nor segmented: score %+v, segments %v", v.Score, v.Segments)
			}
			var props map[string]string
			if err := json.Unmarshal(v.Events[0].Properties, &props); err != nil || props["city"] != "Bath" {
				t.Errorf("event properties = %s (%v)", v.Events[0].Properties, err)
			}
			for _, q := range []struct{ kind, value string }{{"email", "ADA@example.com "}, {"phone", "+44-20-7946-0000"}, {"card", "4000 0000 0000 0002"}} {
				id, err := b.DB.CustomerByIdentity(ctx, q.kind, q.value)
				if err != nil || id != "c1" {
					t.Errorf("identity %s %q = %q, %v; want c1", q.kind, q.value, id, err)
				}
			}
			if _, err := b.DB.CustomerByIdentity(ctx, "email", "nobody@example.com"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("unknown identity: err = %v, want not found", err)
			}
			if _, err := b.DB.Customer360(ctx, "nobody", 10); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("unknown customer: err = %v, want not found", err)
			}

			// Scored twice and in two segments: the latest score, and the
			// segments by name.
			for _, clv := range []int64{100, 200} {
				run, err := b.DB.CreateRun(ctx, store.Run{Source: "database", Model: "bgnbd", Unit: "week", TimeZone: "UTC", Currency: "USD",
					Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 1, Converged: true})
				if err != nil {
					t.Fatal(err)
				}
				if err := b.DB.Write(ctx, func(w *store.Writer) error {
					return w.Scores(ctx, run, []store.Score{{CustomerID: "c1", ProbAlive: 0.5, CLV: clv}})
				}); err != nil {
					t.Fatal(err)
				}
			}
			for _, name := range []string{"zeta", "alpha"} {
				seg, err := b.DB.CreateSegment(ctx, store.Segment{Name: name, Definition: "true"})
				if err != nil {
					t.Fatal(err)
				}
				if err := b.DB.ApplyMembership(ctx, seg.ID, []store.MembershipChange{{CustomerID: "c1", Joined: true}}, "true", time.Now()); err != nil {
					t.Fatal(err)
				}
			}
			if v, err = b.DB.Customer360(ctx, "c1", 2); err != nil {
				t.Fatal(err)
			}
			if v.Score == nil || v.Score.CLV != 200 || v.ScoreRun != 2 {
				t.Errorf("score = %+v of run %d, want CLV 200 of run 2", v.Score, v.ScoreRun)
			}
			if diff := cmp.Diff([]string{"alpha", "zeta"}, v.Segments); diff != "" {
				t.Errorf("segments (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCustomersUpsertAndSearch(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			cs := []clientele.Customer{
				{ID: "c1", Name: "Ada Lovelace", Email: "ada@example.com"},
				{ID: "c2", Name: "Alan Turing", Email: "alan@example.com"},
				{ID: "c3", Name: "Grace Hopper", Email: "grace@navy.mil"},
			}
			var res store.Result
			write := func() {
				t.Helper()
				err := b.DB.Write(ctx, func(w *store.Writer) error {
					var err error
					res, err = w.Customers(ctx, cs)
					return err
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			write()
			if res.Written != 3 {
				t.Errorf("first write = %+v, want 3 written", res)
			}
			write()
			if res.Written != 0 || res.Duplicates != 3 {
				t.Errorf("same customers again = %+v, want 3 duplicates", res)
			}
			cs[1].City = "Wilmslow"
			write()
			if res.Written != 1 {
				t.Errorf("one changed = %+v, want 1 written", res)
			}
			created, err := b.DB.PutCustomer(ctx, clientele.Customer{ID: "c4", Name: "Alonzo Church"})
			if err != nil || !created {
				t.Fatalf("PutCustomer new = %v, %v", created, err)
			}
			created, err = b.DB.PutCustomer(ctx, clientele.Customer{ID: "c4", Name: "Alonzo Church", City: "Princeton"})
			if err != nil || created {
				t.Fatalf("PutCustomer existing = %v, %v", created, err)
			}
			// c5 comes with its first transaction: no name, no e-mail.
			if err := b.DB.Write(ctx, func(w *store.Writer) error {
				_, err := w.Transactions(ctx, []clientele.Transaction{tx("c5", "t1", 1, 100)}, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				query string
				want  []string
			}{
				{"al", []string{"c2", "c4"}},
				{"AL", []string{"c2", "c4"}},
				{"grace@", []string{"c3"}},
				{"c1", []string{"c1"}},
				{"c5", []string{"c5"}},
				{"zzz", nil},
				{"", []string{"c1", "c2", "c3", "c4", "c5"}},
			}
			for _, tt := range tests {
				got, _, err := b.DB.Customers(ctx, store.CustomerFilter{Query: tt.query})
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, c := range got {
					ids = append(ids, c.ID)
				}
				if diff := cmp.Diff(tt.want, ids); diff != "" {
					t.Errorf("search %q (-want +got):\n%s", tt.query, diff)
				}
			}
			// Paging visits every customer once.
			var all []string
			after := ""
			for {
				page, next, err := b.DB.Customers(ctx, store.CustomerFilter{After: after, Limit: 3})
				if err != nil {
					t.Fatal(err)
				}
				for _, c := range page {
					all = append(all, c.ID)
				}
				if next == "" {
					break
				}
				after = next
			}
			if diff := cmp.Diff([]string{"c1", "c2", "c3", "c4", "c5"}, all); diff != "" {
				t.Errorf("paging (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCustomerSearchPlan checks that a search reads the e-mail and name
// indexes, which leave out empty values (migration 00006), rather than
// scanning every customer.
func TestCustomerSearchPlan(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			plan, err := b.DB.ExplainCustomerSearch(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, index := range []string{"customers_email", "customers_name"} {
				if !strings.Contains(plan, index) {
					t.Errorf("search plan does not use %s:\n%s", index, plan)
				}
			}
		})
	}
}

func TestTokens(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			secret, err := b.DB.CreateToken(ctx, "ci")
			if err != nil {
				t.Fatal(err)
			}
			tok, err := b.DB.Authenticate(ctx, secret)
			if err != nil || tok.Name != "ci" {
				t.Fatalf("Authenticate = %+v, %v", tok, err)
			}
			for _, bad := range []string{"", "clt_nope", secret + "x"} {
				if _, err := b.DB.Authenticate(ctx, bad); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
					t.Errorf("Authenticate(%q) err = %v, want unauthorized", bad, err)
				}
			}
			if err := b.DB.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.Authenticate(ctx, secret); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
				t.Errorf("revoked token: err = %v, want unauthorized", err)
			}
			list, err := b.DB.Tokens(ctx)
			if err != nil || len(list) != 1 || !list[0].Revoked {
				t.Errorf("Tokens = %+v, %v", list, err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	got := store.Redact("postgres://u:secret@db:5432/x")
	if got != "postgres://u:xxxxx@db:5432/x" {
		t.Errorf("Redact = %q", got)
	}
}
