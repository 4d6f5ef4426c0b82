package rules_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// A migration offer is worth to each customer what the migration model
// says moving them is worth: discounted expected spend × their share on
// the brand they would leave × the difference of the two brands' margin
// rates, less the offer's cost.
func TestMigrationOfferValue(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			db := b.DB
			err := db.Write(ctx, func(w *store.Writer) error {
				if _, err := w.Products(ctx, []clientele.Product{
					{SKU: "BASICS-COFFEE", Category: "coffee", Brand: "Basics", Price: 1000, UnitCost: 800, Currency: "USD"}, // margin rate 20 %
					{SKU: "HARBOR-COFFEE", Category: "coffee", Brand: "Harbor", Price: 1000, UnitCost: 500, Currency: "USD"}, // 50 %
					{SKU: "MILK", Category: "dairy", Brand: "Dairy", Price: 1000, UnitCost: 900, Currency: "USD"},
				}); err != nil {
					return err
				}
				for _, id := range []string{"loyal-basics", "milk-only", "harbor-fan", "unscored"} {
					if _, err := w.Customers(ctx, []clientele.Customer{{ID: id}}); err != nil {
						return err
					}
					if err := w.SetConsent(ctx, clientele.Consent{CustomerID: id, Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, Source: "test", At: now.Add(-time.Hour)}); err != nil {
						return err
					}
				}
				line := func(customer, id, sku string, qty int64) clientele.Transaction {
					return clientele.Transaction{ID: id, CustomerID: customer, Time: now.AddDate(0, -1, 0), Currency: "USD", Amount: 1000 * qty,
						Lines: []clientele.Line{{SKU: sku, Quantity: qty, UnitPrice: 1000}}}
				}
				if _, err := w.Transactions(ctx, []clientele.Transaction{
					line("loyal-basics", "t1", "BASICS-COFFEE", 3), line("loyal-basics", "t2", "MILK", 1), // 75 % of spend on Basics
					line("milk-only", "t3", "MILK", 2),
					line("harbor-fan", "t4", "HARBOR-COFFEE", 2),
					line("unscored", "t5", "BASICS-COFFEE", 1),
				}, nil); err != nil {
					return err
				}
				run, err := w.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", Currency: "USD"})
				if err != nil {
					return err
				}
				return w.Scores(ctx, run, []clientele.Score{
					{CustomerID: "loyal-basics", DERT: 10, ExpectedSpend: 2000, ProbAlive: 0.9},
					{CustomerID: "milk-only", DERT: 10, ExpectedSpend: 2000, ProbAlive: 0.9},
					{CustomerID: "harbor-fan", DERT: 10, ExpectedSpend: 2000, ProbAlive: 0.9},
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			o := clientele.Offer{Code: "basics-to-harbor", Name: "Try Harbor", Class: clientele.OfferMigration, From: "Basics", To: "Harbor",
				Channel: "email", Value: 200, Cost: 200, Margin: 1500, Lever: 1}
			if err := rules.CheckOffer(&o); err != nil {
				t.Fatal(err)
			}
			if err := db.PutOffer(ctx, o); err != nil {
				t.Fatal(err)
			}
			e, err := rules.New(ctx, db, "USD")
			if err != nil {
				t.Fatal(err)
			}
			e.Now = func() time.Time { return now }
			// The brands' margin rates are read in the background; until
			// then a migration offer is worth its margin.
			if opts, err := e.NextBestActions(ctx, "loyal-basics"); err != nil || len(opts) != 1 || opts[0].Value != 13 || !strings.Contains(opts[0].ValueBasis, "being read") {
				t.Fatalf("before the rates are read: %+v, %v", opts, err)
			}
			if err := e.RefreshRates(ctx); err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				customer string
				value    float64 // major units
				basis    string
				chosen   bool
			}{
				// $200 × 75 % × (50 % − 20 %) = $45, less the $2 cost.
				{"loyal-basics", 43, "migration model", true},
				{"milk-only", -2, "buys no Basics", false},
				{"harbor-fan", -2, "buys no Basics", false},
				// Not scored: the offer's margin, $15, less its cost.
				{"unscored", 13, "no score", true},
			}
			for _, tt := range tests {
				opts, err := e.NextBestActions(ctx, tt.customer)
				if err != nil {
					t.Fatal(err)
				}
				if len(opts) != 1 {
					t.Fatalf("%s: options %+v", tt.customer, opts)
				}
				got := opts[0]
				if math.Abs(got.Value-tt.value) > 1e-9 || !strings.Contains(got.ValueBasis, tt.basis) || got.Chosen != tt.chosen {
					t.Errorf("%s: value %v (%s), chosen %v; want %v (%q), chosen %v", tt.customer, got.Value, got.ValueBasis, got.Chosen, tt.value, tt.basis, tt.chosen)
				}
			}
		})
	}
}
