package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

func TestCustomersUpsertAndSearch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		cs := []clientele.Customer{
			{ID: "c1", Name: "Ada Lovelace", Email: "ada@example.com"},
			{ID: "c2", Name: "Alan Turing", Email: "alan@example.com"},
			{ID: "c3", Name: "Grace Hopper", Email: "grace@navy.mil"},
		}
		var res store.Result
		write := func() {
			t.Helper()
			err := db.Write(ctx, func(w *store.Writer) error {
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
		created, err := db.PutCustomer(ctx, clientele.Customer{ID: "c4", Name: "Alonzo Church"})
		if err != nil || !created {
			t.Fatalf("PutCustomer new = %v, %v", created, err)
		}
		created, err = db.PutCustomer(ctx, clientele.Customer{ID: "c4", Name: "Alonzo Church", City: "Princeton"})
		if err != nil || created {
			t.Fatalf("PutCustomer existing = %v, %v", created, err)
		}
		// c5 comes with its first transaction: no name, no e-mail.
		if err := db.Write(ctx, func(w *store.Writer) error {
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
			got, _, err := db.ListCustomers(ctx, store.CustomerFilter{Query: tt.query})
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
			page, next, err := db.ListCustomers(ctx, store.CustomerFilter{After: after, Limit: 3})
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

// TestCustomerSearchPlan checks that a search reads the e-mail and name
// indexes, which leave out empty values (migration 00006), rather than
// scanning every customer.
func TestCustomerSearchPlan(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		plan, err := db.ExplainCustomerSearch(context.Background())
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
