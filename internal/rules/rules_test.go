package rules_test

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/delivery"
	"clientele/internal/rules"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

var now = time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)

// fixture is a database with a small catalogue, the diaper, bereavement
// and business-class cases, and an engine installed.
func fixture(t *testing.T, db *store.DB) *rules.Engine {
	t.Helper()
	ctx := t.Context()
	err := db.Write(ctx, func(w *store.Writer) error {
		_, err := w.Products(ctx, []clientele.Product{
			{SKU: "BABY-DIAPER", Category: "baby", Brand: "Softy", Price: 2499, Currency: "USD"},
			{SKU: "GRO-MILK", Category: "grocery", Brand: "FreshFarm", Price: 99, Currency: "USD"},
		})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []clientele.Offer{
		{Code: "wipes", Name: "Baby wipes coupon", Class: clientele.OfferSales, Brand: "Softy", Channel: "email", Value: 200, Cost: 200, Margin: 900},
		{Code: "toys", Name: "Toys coupon", Class: clientele.OfferSales, Brand: "Playful", Channel: "email", Value: 300, Cost: 300, Margin: 800},
		{Code: "beer", Name: "Beer coupon", Class: clientele.OfferSales, Brand: "Basics", Channel: "email", Value: 100, Cost: 100, Margin: 400},
		{Code: "formula", Name: "Formula coupon", Class: clientele.OfferSales, Brand: "Softy", Channel: "email", Value: 100, Cost: 100, Margin: 300},
		{Code: "care", Name: "Bereavement care call", Class: clientele.OfferCare, Channel: "agent", Value: 0},
		{Code: "milk", Name: "Milk coupon", Class: clientele.OfferSales, Channel: "email", Value: 10, Cost: 10, Margin: 50, Eligible: `count("purchase", "30d") >= 1`},
	} {
		o.Lever = 1
		if err := rules.CheckOffer(&o); err != nil {
			t.Fatal(err)
		}
		if err := db.PutOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	e, err := rules.New(ctx, db, "USD")
	if err != nil {
		t.Fatal(err)
	}
	e.Now = func() time.Time { return now }
	for _, tr := range []clientele.Trigger{
		{Name: "first-diapers", On: []string{"transaction"}, When: `first("product:BABY-DIAPER")`, Once: true, Then: []string{"wipes", "toys", "beer", "formula"}},
		{Name: "bereavement", On: []string{"event:spouse_died"}, When: `true`, Once: true, Then: []string{"care"}},
		{Name: "milk-buyer", On: []string{"transaction"}, When: `"grocery" in event.categories`, Cooldown: 24 * clientele.Window(time.Hour), Then: []string{"milk"}},
		{Name: "broken", On: []string{"event:web_visit"}, When: `event.properties.page == "baby"`, Then: []string{"wipes"}},
	} {
		tr.Weight, tr.MaxAge, tr.Enabled, tr.Holdout = 1, 7*clientele.Day, true, 0.1
		if err := e.CheckTrigger(ctx, &tr); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutTrigger(ctx, tr, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	db.SetEngine(e)
	return e
}

func grant(t *testing.T, db *store.DB, ids ...string) {
	t.Helper()
	err := db.Write(t.Context(), func(w *store.Writer) error {
		for _, id := range ids {
			if _, err := w.Customers(t.Context(), []clientele.Customer{{ID: id, City: "Bath"}}); err != nil {
				return err
			}
			if err := w.SetConsent(t.Context(), clientele.Consent{CustomerID: id, Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, Source: "test", At: now.Add(-time.Hour)}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func buy(t *testing.T, db *store.DB, customer, id, sku string, at time.Time) {
	t.Helper()
	tx := clientele.Transaction{ID: id, CustomerID: customer, Time: at, Currency: "USD", Amount: 2499, Lines: []clientele.Line{{SKU: sku, Quantity: 1, UnitPrice: 2499}}}
	if err := db.Write(t.Context(), func(w *store.Writer) error {
		_, err := w.Transactions(t.Context(), []clientele.Transaction{tx}, nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

func decisions(t *testing.T, db *store.DB, customer string) []clientele.Decision {
	t.Helper()
	ds, err := db.Decisions(t.Context(), customer, 100)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func chosen(d clientele.Decision) []string {
	var out []string
	for _, o := range d.Offers {
		if o.Chosen {
			out = append(out, o.Offer)
		}
	}
	return out
}

// customer returns a customer id that is, or is not, in trigger name's
// control group.
func customer(t *testing.T, db *store.DB, name string, heldOut bool, prefix string) string {
	t.Helper()
	tr, err := db.Trigger(t.Context(), name)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 1000 {
		id := fmt.Sprintf("%s%d", prefix, i)
		if rules.HeldOut(id, tr.ID, tr.Holdout) == heldOut {
			return id
		}
	}
	t.Fatal("no customer found")
	return ""
}

// The article's first case: a customer's first diaper purchase makes one
// decision, in the request that stored it, with the wipes, toys and beer
// offers (the best three of four: a message carries three); a second
// diaper purchase makes none; a held-out customer gets nothing but is
// recorded; a customer without consent is sent nothing.
func TestFirstDiapers(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			e := fixture(t, db)
			c := customer(t, db, "first-diapers", false, "c")
			grant(t, db, c)
			buy(t, db, c, "t1", "BABY-DIAPER", now.Add(-time.Minute))
			ds := decisions(t, db, c)
			if len(ds) != 1 {
				t.Fatalf("%d decisions after the first diaper purchase, want 1: %+v", len(ds), ds)
			}
			d := ds[0]
			if d.Status != clientele.DecisionSent || d.Trigger != "first-diapers" || d.TriggerVersion != 1 || d.Fact != "transaction:t1" {
				t.Errorf("decision %+v", d)
			}
			if diff := cmp.Diff([]string{"wipes", "toys", "beer"}, chosen(d)); diff != "" {
				t.Errorf("chosen offers (-want +got):\n%s", diff)
			}
			for _, o := range d.Offers {
				if o.Offer == "formula" && (o.Chosen || !strings.Contains(o.Reason, "at most 3")) {
					t.Errorf("formula: %+v", o)
				}
				// priority = propensity × context × value × lever, with the prior 0.05
				if o.Offer == "wipes" && math.Abs(o.Priority-0.05*1*7*1) > 1e-9 {
					t.Errorf("wipes priority %g, want 0.35", o.Priority)
				}
			}
			msgs, err := db.MessageOf(t.Context(), d.ID)
			if err != nil || len(msgs) != 1 {
				t.Fatalf("messages of the decision: %v %v", msgs, err)
			}
			var p rules.Payload
			if err := json.Unmarshal(msgs[0].Payload, &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Offers) != 3 || p.CustomerID != c || p.Channel != "email" || p.ID != msgs[0].Key {
				t.Errorf("payload %+v", p)
			}

			// The next best action after it: the trigger's offers, those
			// just sent refused by their cooldown; a customer nothing
			// fired for has no offer (every offer here is a trigger's).
			opts, err := e.NextBestActions(t.Context(), c)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range opts {
				got = append(got, o.Offer+": "+o.Reason)
			}
			want := []string{"formula: ranked 1 of the eligible offers", "wipes: sent 0 days ago; its cooldown is 30d",
				"toys: sent 0 days ago; its cooldown is 30d", "beer: sent 0 days ago; its cooldown is 30d"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("next best actions (-want +got):\n%s", diff)
			}
			if opts, err := e.NextBestActions(t.Context(), "nobody"); err != nil || len(opts) != 0 {
				t.Errorf("next best actions of a customer nothing fired for: %v, %v", opts, err)
			}

			buy(t, db, c, "t2", "BABY-DIAPER", now)
			if ds := decisions(t, db, c); len(ds) != 1 {
				t.Errorf("a second diaper purchase made a decision: %+v", ds[0])
			}

			held := customer(t, db, "first-diapers", true, "h")
			grant(t, db, held)
			buy(t, db, held, "t1", "BABY-DIAPER", now)
			ds = decisions(t, db, held)
			if len(ds) != 1 || ds[0].Status != clientele.DecisionHeldOut || len(chosen(ds[0])) != 0 {
				t.Errorf("held-out customer: %+v", ds)
			}
			if m, _ := db.MessageOf(t.Context(), ds[0].ID); len(m) != 0 {
				t.Errorf("a held-out customer was sent %d messages", len(m))
			}

			none := customer(t, db, "first-diapers", false, "n")
			buy(t, db, none, "t1", "BABY-DIAPER", now)
			ds = decisions(t, db, none)
			if len(ds) != 1 || ds[0].Status != clientele.DecisionSuppressed {
				t.Fatalf("customer without consent: %+v", ds)
			}
			for _, o := range ds[0].Offers {
				if o.Chosen || !strings.Contains(o.Reason, "no consent for email_marketing") {
					t.Errorf("without consent: %+v", o)
				}
			}
			if m, _ := db.MessageOf(t.Context(), ds[0].ID); len(m) != 0 {
				t.Errorf("a customer without consent was sent %d messages", len(m))
			}

			// History fires nothing: a purchase older than the trigger's
			// max age updates the counters only.
			old := customer(t, db, "first-diapers", false, "o")
			grant(t, db, old)
			buy(t, db, old, "t1", "BABY-DIAPER", now.Add(-30*24*time.Hour))
			if ds := decisions(t, db, old); len(ds) != 0 {
				t.Errorf("an old purchase fired: %+v", ds)
			}
		})
	}
}

// A bereavement brings a care action, which suppresses sales offers for
// 90 days; a failing condition records its error against the rule and
// the event is stored; the contact policy caps sales contacts.
func TestCareErrorsAndPolicy(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			ctx := t.Context()
			fixture(t, db)
			c := customer(t, db, "bereavement", false, "b")
			grant(t, db, c)
			err := db.Write(ctx, func(w *store.Writer) error {
				_, err := w.Events(ctx, []clientele.Event{
					{ID: "e1", CustomerID: c, Type: "spouse_died", Time: now.Add(-time.Hour)},
					{ID: "e2", CustomerID: c, Type: "web_visit", Time: now.Add(-time.Hour), Properties: json.RawMessage(`{"referrer":"x"}`)},
				}, nil)
				return err
			})
			if err != nil {
				t.Fatalf("an event whose rule fails was not stored: %v", err)
			}
			ds := decisions(t, db, c)
			if len(ds) != 1 || ds[0].Trigger != "bereavement" || ds[0].Status != clientele.DecisionSent || cmp.Diff([]string{"care"}, chosen(ds[0])) != "" {
				t.Fatalf("bereavement: %+v", ds)
			}
			broken, err := db.Trigger(ctx, "broken")
			if err != nil {
				t.Fatal(err)
			}
			if broken.Errors != 1 || !strings.Contains(broken.LastError, "no such key") || !strings.Contains(broken.LastError, "event:e2") {
				t.Errorf("broken rule: %d errors, last %q", broken.Errors, broken.LastError)
			}
			if _, err := db.Event(ctx, c, "e2"); err != nil {
				t.Errorf("the event whose rule failed: %v", err)
			}
			buy(t, db, c, "t1", "BABY-DIAPER", now)
			ds = decisions(t, db, c)
			if ds[0].Trigger != "first-diapers" || ds[0].Status != clientele.DecisionSuppressed {
				t.Fatalf("after a bereavement: %+v", ds[0])
			}
			for _, o := range ds[0].Offers {
				if !strings.Contains(o.Reason, "suppressed after a care action") {
					t.Errorf("after a bereavement: %+v", o)
				}
			}

			// The contact policy: two sales contacts in 7 days, then none.
			m := customer(t, db, "milk-buyer", false, "m")
			grant(t, db, m)
			for i := range 4 {
				buy(t, db, m, fmt.Sprintf("m%d", i), "GRO-MILK", now.Add(time.Duration(i-4)*25*time.Hour))
			}
			var sent, refused int
			for _, d := range decisions(t, db, m) {
				switch d.Status {
				case clientele.DecisionSent:
					sent++
				case clientele.DecisionSuppressed:
					refused++
					if !strings.Contains(d.Offers[0].Reason, "contact policy") && !strings.Contains(d.Offers[0].Reason, "cooldown") {
						t.Errorf("refused for %q", d.Offers[0].Reason)
					}
				}
			}
			if sent != 1 || refused != 3 {
				// The milk offer's own 30-day cooldown refuses it after the first.
				t.Errorf("milk: %d sent, %d refused; want 1 and 3", sent, refused)
			}
		})
	}
}

// A receiver that fails twice receives the message once in the end, with
// the same id each time, signed; the delivery log has the three tries.
func TestDeliveryRetries(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			ctx := t.Context()
			fixture(t, db)
			secret := delivery.NewSecret()
			var mu sync.Mutex
			var ids []string
			var delivered []string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				id, err := delivery.Verify(secret, r.Header, body, time.Now())
				if err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids = append(ids, id)
				if len(ids) <= 2 {
					http.Error(w, "down", http.StatusServiceUnavailable)
					return
				}
				delivered = append(delivered, id)
			}))
			defer srv.Close()
			if err := db.PutWebhook(ctx, store.Webhook{Channel: "email", URL: srv.URL, Secret: secret}); err != nil {
				t.Fatal(err)
			}
			c := customer(t, db, "first-diapers", false, "d")
			grant(t, db, c)
			buy(t, db, c, "t1", "BABY-DIAPER", now)
			w := &delivery.Worker{DB: db, Backoff: func(int) time.Duration { return 0 }}
			for range 5 {
				if _, err := w.Once(ctx); err != nil {
					t.Fatal(err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(ids) != 3 || len(delivered) != 1 || ids[0] != ids[1] || ids[1] != ids[2] {
				t.Fatalf("receiver saw %v, took %v; want the same id three times, taken once", ids, delivered)
			}
			msgs, err := db.Messages(ctx, store.MessageDelivered, 10)
			if err != nil || len(msgs) != 1 || msgs[0].Key != delivered[0] {
				t.Fatalf("delivered messages %+v, %v", msgs, err)
			}
			log, err := db.Attempts(ctx, msgs[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			var codes []int
			for _, a := range log {
				codes = append(codes, a.StatusCode)
			}
			if diff := cmp.Diff([]int{503, 503, 200}, codes); diff != "" {
				t.Errorf("delivery log (-want +got):\n%s", diff)
			}

			// A forged or replayed webhook is refused by Verify.
			body := msgs[0].Payload
			sig, _ := delivery.Sign(secret, "x", time.Now(), body)
			h := http.Header{"Webhook-Id": {"x"}, "Webhook-Timestamp": {fmt.Sprint(time.Now().Unix())}, "Webhook-Signature": {sig}}
			if _, err := delivery.Verify(secret, h, append(body, ' '), time.Now()); err == nil {
				t.Error("a changed body verified")
			}
			if _, err := delivery.Verify(secret, h, body, time.Now().Add(10*time.Minute)); err == nil {
				t.Error("an old webhook verified")
			}
			if _, err := delivery.Verify(delivery.NewSecret(), h, body, time.Now()); err == nil {
				t.Error("another secret verified")
			}
		})
	}
}

// A dead receiver's message dies after MaxAttempts and can be retried.
func TestDeadLetter(t *testing.T) {
	db := storetest.Open(t)[0].DB
	ctx := t.Context()
	fixture(t, db)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	defer srv.Close()
	if err := db.PutWebhook(ctx, store.Webhook{Channel: "email", URL: srv.URL, Secret: delivery.NewSecret()}); err != nil {
		t.Fatal(err)
	}
	c := customer(t, db, "first-diapers", false, "x")
	grant(t, db, c)
	buy(t, db, c, "t1", "BABY-DIAPER", now)
	w := &delivery.Worker{DB: db, MaxAttempts: 3, Backoff: func(int) time.Duration { return 0 }}
	for range 6 {
		w.Once(ctx)
	}
	dead, err := db.Messages(ctx, store.MessageDead, 10)
	if err != nil || len(dead) != 1 || dead[0].Attempts != 3 {
		t.Fatalf("dead messages %+v, %v", dead, err)
	}
	if err := db.Retry(ctx, dead[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := w.Once(ctx); n != 1 {
		t.Errorf("a retried message was not tried again (%d)", n)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, c := range []struct{ expr, want string }{
		{`first("a") &&`, "line 1, column"},
		{`count("a", "30x") > 1`, "the unit must be h, d or w"},
		{`count("a", "12h") > 1`, "whole days"},
		{`count("a", "401d") > 1`, "keep their days for 400 days"},
		{`count("a", event.type) > 1`, "must be written out"},
		{`event.amount + 1.0`, "must be true or false"},
		{`nobody.x`, "undeclared reference"},
		{"", "empty"},
	} {
		_, err := rules.Compile("trigger", c.expr)
		if err == nil || !strings.Contains(err.Error(), c.want) || clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("Compile(%q) = %v, want an invalid error with %q", c.expr, err, c.want)
		}
	}
	p, err := rules.Compile("trigger", `first("category:baby") && count("category:furniture", "30d") >= 2 && sum("purchase", "4w") > 10.0 && count("brand:" + event.type) > 0`)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Dynamic || p.MaxDays != 30 || cmp.Diff([]string{"category:baby", "category:furniture", "purchase"}, p.Keys) != "" {
		t.Errorf("program %+v", p)
	}
}

// The propensity's worked example (docs/engine.md).
func TestPropensity(t *testing.T) {
	// Prior mean 0.05, strength 20; the offer made 200 times, 30
	// redeemed: (1 + 30) / (20 + 200) = 0.1409; in a segment made 40
	// times, 10 redeemed: (20 × 0.1409 + 10) / (20 + 40) = 0.2136.
	got := rules.Propensity(0.05, 20, 200, 30, 40, 10)
	want := (20*(31.0/220) + 10) / 60
	if math.Abs(got-want) > 1e-12 || math.Abs(got-0.2136) > 1e-4 {
		t.Errorf("Propensity = %g, want %g", got, want)
	}
	if got := rules.Propensity(0.05, 20, 0, 0, 0, 0); got != 0.05 {
		t.Errorf("with no data, the prior mean: %g", got)
	}
}
