package report_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/rules"
	"clientele/internal/simulate"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// The uplift report recovers the simulator's true uplift: 4,000 new
// parents' first diaper purchases fire the trigger (half held out); each
// then buys wipes, or not, as simulate.DefaultResponse has it — 8 % of the
// held out, 20 % of the treated. The report's conversion uplift, and its
// margin uplift (a wipes purchase brings 2.50), hold the true values in
// their 95 % intervals, and every held-out customer is counted.
func TestUpliftRecoversTruth(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, ctx := b.DB, t.Context()
			start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
			err := db.Write(ctx, func(w *store.Writer) error {
				_, err := w.Products(ctx, []clientele.Product{{SKU: "BABY-DIAPER", Category: "baby", Brand: "Softy", Currency: "USD"},
					{SKU: "BABY-WIPES", Category: "baby", Brand: "Softy", Currency: "USD"}})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			e, err := rules.New(ctx, db, "USD")
			if err != nil {
				t.Fatal(err)
			}
			now := start
			e.Now = func() time.Time { return now }
			o := clientele.NewOffer()
			o.Code, o.Name, o.Class, o.SKU, o.Channel, o.Margin, o.Cost = "wipes", "Wipes coupon", clientele.OfferSales, "BABY-WIPES", "email", 400, 100
			if err := rules.CheckOffer(&o); err != nil {
				t.Fatal(err)
			}
			if err := db.PutOffer(ctx, o); err != nil {
				t.Fatal(err)
			}
			e.Reload(ctx)
			tr := clientele.NewTrigger()
			tr.Name, tr.On, tr.When, tr.Once, tr.Then, tr.Holdout = "first-diapers", []string{"transaction"}, `first("product:BABY-DIAPER")`, true, []string{"wipes"}, 0.5
			if _, err := db.PutTrigger(ctx, tr, "test"); err != nil {
				t.Fatal(err)
			}
			e.Reload(ctx)
			db.SetEngine(e)
			const n = 4000
			model := simulate.DefaultResponse
			rng := rand.New(rand.NewPCG(16, 6))
			var customers []clientele.Customer
			var consents []clientele.Consent
			var diapers []clientele.Transaction
			for i := range n {
				id := fmt.Sprintf("P%05d", i)
				at := start.Add(time.Duration(i) * time.Minute)
				customers = append(customers, clientele.Customer{ID: id})
				consents = append(consents, clientele.Consent{CustomerID: id, Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, Source: "test", At: start.AddDate(0, -1, 0)})
				diapers = append(diapers, clientele.Transaction{ID: "d" + id, CustomerID: id, Time: at, Amount: 2499, Margin: ptr(int64(600)), Currency: "USD",
					Lines: []clientele.Line{{SKU: "BABY-DIAPER", Quantity: 1, UnitPrice: 2499}}})
			}
			err = db.Write(ctx, func(w *store.Writer) error {
				if _, err := w.Customers(ctx, customers); err != nil {
					return err
				}
				for _, c := range consents {
					if err := w.SetConsent(ctx, c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			// The diapers arrive as they happen, the engine's clock with them.
			for lo := 0; lo < n; lo += 500 {
				now = diapers[min(lo+499, n-1)].Time
				if err := db.Write(ctx, func(w *store.Writer) error {
					_, err := w.Transactions(ctx, diapers[lo:min(lo+500, n)], nil)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			ds, err := db.Decisions(ctx, "", 2*n)
			if err != nil || len(ds) != n {
				t.Fatalf("%d decisions for %d first diaper purchases (%v)", len(ds), n, err)
			}
			var heldOut int64
			var wipes []clientele.Transaction
			for _, d := range ds {
				treated := d.Status == clientele.DecisionSent
				if d.Status == clientele.DecisionHeldOut {
					heldOut++
				}
				if ok, after := model.Converts(treated, rng); ok {
					wipes = append(wipes, clientele.Transaction{ID: "w" + d.CustomerID, CustomerID: d.CustomerID, Time: d.FactAt.Add(after), Amount: 499, Margin: ptr(int64(250)),
						Currency: "USD", Lines: []clientele.Line{{SKU: "BABY-WIPES", Quantity: 1, UnitPrice: 499}}})
				}
			}
			if err := db.Write(ctx, func(w *store.Writer) error { _, err := w.Transactions(ctx, wipes, nil); return err }); err != nil {
				t.Fatal(err)
			}
			r, err := report.Uplift(ctx, db, report.UpliftOptions{Trigger: "first-diapers", Window: 30 * 24 * time.Hour, Now: start.AddDate(0, 3, 0), Currency: "USD"})
			if err != nil {
				t.Fatal(err)
			}
			if r.HeldOut != heldOut || r.Treated+r.HeldOut != n || heldOut < n/3 {
				t.Errorf("treated %d, held out %d (want %d), of %d", r.Treated, r.HeldOut, heldOut, n)
			}
			if !r.ConversionUplift.Contains(model.Uplift) || r.ConversionUplift.Low <= 0 {
				t.Errorf("conversion uplift %+v does not hold the true %g", r.ConversionUplift, model.Uplift)
			}
			if want := model.Uplift * 2.50; !r.MarginUplift.Contains(want) {
				t.Errorf("margin uplift %+v does not hold the true %g", r.MarginUplift, want)
			}
			if r.HeldOutRate > 0.12 || r.HeldOutRate < 0.04 {
				t.Errorf("held-out conversion %g, the model's base is %g", r.HeldOutRate, model.Base)
			}
			if _, err := r.Document(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
