package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

// The engine page's forms, on both backends: a trigger saved as its next
// version (a bad condition refused with its position, a bad hold-out
// refused, nothing saved), a dry run shown in counts, an offer's lever;
// a customer manager gets the forms of its own segments' triggers only,
// and is refused the others'.
func TestEngineForms(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, ctx := b.DB, context.Background()
			e, base, admin := playbookServer(t, db)
			if _, err := db.CreateUser(ctx, clientele.User{Name: "yuna", Role: "customer_manager"}, ""); err != nil {
				t.Fatal(err)
			}
			yuna, err := db.CreateUserToken(ctx, "yuna", "yuna")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateSegment(ctx, clientele.Segment{Name: "new-parents", Definition: "true", Owner: "yuna"}); err != nil {
				t.Fatal(err)
			}
			own := clientele.NewTrigger()
			own.Name, own.Segment, own.On, own.When, own.Then = "yuna-wipes", "new-parents", []string{"transaction"}, `"baby" in event.categories`, []string{"baby-wipes-coupon"}
			if err := e.CheckTrigger(ctx, &own); err != nil {
				t.Fatal(err)
			}
			if _, err := db.PutTrigger(ctx, own, "yuna"); err != nil {
				t.Fatal(err)
			}
			before, err := db.Trigger(ctx, "first-diapers")
			if err != nil {
				t.Fatal(err)
			}
			// A diaper purchase of last week, for the dry run to find.
			err = db.Write(ctx, func(w *store.Writer) error {
				if _, err := w.Products(ctx, []clientele.Product{{SKU: "BABY-DIAPER", Category: "baby", Brand: "Softy", Price: 2499, Currency: "USD"}}); err != nil {
					return err
				}
				_, err := w.Transactions(ctx, []clientele.Transaction{{ID: "t1", CustomerID: "mum", Time: time.Now().UTC().AddDate(0, 0, -7), Amount: 2499, Currency: "USD",
					Lines: []clientele.Line{{SKU: "BABY-DIAPER", Quantity: 1, UnitPrice: 2499}}}}, nil)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}

			_, page := send(t, base, "GET", "/engine", "", admin)
			for _, want := range []string{`action="/engine/triggers/first-diapers"`, `action="/engine/triggers/yuna-wipes"`, `action="/engine/offers/toys-coupon"`} {
				if !strings.Contains(page, want) {
					t.Errorf("the engine page as admin has no %s", want)
				}
			}
			_, page = send(t, base, "GET", "/engine", "", yuna)
			if strings.Contains(page, `action="/engine/triggers/first-diapers"`) || !strings.Contains(page, `action="/engine/triggers/yuna-wipes"`) {
				t.Errorf("the engine page as a customer manager: forms of other segments' triggers shown, or its own not")
			}

			newWhen := `first("product:BABY-DIAPER") && customer.age >= 18`
			for _, tc := range []struct {
				token, path string
				values      url.Values
				code        int
				where       string
			}{
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {`first("product:BABY-DIAPER") &&`}, "holdout": {"0.1"}, "enabled": {"on"}}, 400, "line 1, column"},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {newWhen}, "holdout": {"1.5"}}, 400, "holdout"},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {"  "}, "holdout": {"0.1"}}, 400, "when"},
				{admin, "/engine/triggers/no-such", url.Values{"when": {"true"}, "holdout": {"0.1"}}, 404, ""},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {"true\x00"}, "holdout": {"0.1"}}, 400, "when"},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {"true || \xff"}, "holdout": {"0.1"}}, 400, "not valid UTF-8"},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {strings.Repeat("true || ", 2000) + "true"}, "holdout": {"0.1"}}, 400, "when"},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {"true"}, "holdout": {"NaN"}}, 400, "holdout"},
				{yuna, "/engine/triggers/first-diapers", url.Values{"when": {"true"}, "holdout": {"0"}}, 403, "no segment"},
				{yuna, "/engine/triggers/yuna-wipes", url.Values{"when": {`"baby" in event.categories && event.amount > 10.0`}, "holdout": {"0.05"}, "enabled": {"on"}}, 303, "/engine#manage-yuna-wipes"},
				{admin, "/engine/triggers/first-diapers", url.Values{"when": {newWhen}, "holdout": {"0.2"}}, 303, "/engine#manage-first-diapers"},
				{admin, "/engine/offers/toys-coupon", url.Values{"lever": {"-1"}}, 400, "lever"},
				{admin, "/engine/offers/toys-coupon", url.Values{"lever": {"NaN"}}, 400, "lever"},
				{admin, "/engine/offers/toys-coupon", url.Values{"lever": {"101"}}, 400, "lever"},
				{admin, "/engine/offers/toys-coupon", url.Values{"lever": {strings.Repeat("9", 400)}}, 400, "lever"},
				{admin, "/engine/triggers/first-diapers/dry-run", url.Values{"days": {"99999999999999999999"}}, 400, "days"},
				{admin, "/engine/offers/toys-coupon", url.Values{"lever": {"0"}}, 303, "/engine#levers"},
				{yuna, "/engine/offers/beer-coupon", url.Values{"lever": {"2"}}, 403, ""},
				{admin, "/engine/triggers/first-diapers/dry-run", url.Values{"days": {"0"}}, 400, "days"},
			} {
				code, loc, body := form(t, base, tc.token, tc.path, tc.values)
				if code != tc.code || (code == 303 && loc != tc.where) || (code != 303 && !strings.Contains(body, tc.where)) {
					t.Errorf("POST %s %v: %d %s, want %d %s\n%.300s", tc.path, tc.values, code, loc, tc.code, tc.where, body)
				}
			}
			after, err := db.Trigger(ctx, "first-diapers")
			if err != nil {
				t.Fatal(err)
			}
			if after.Version != before.Version+1 || after.When != newWhen || after.Enabled || after.Holdout != 0.2 {
				t.Errorf("first-diapers after the forms: v%d %q enabled %v holdout %v; was v%d", after.Version, after.When, after.Enabled, after.Holdout, before.Version)
			}
			mine, _ := db.Trigger(ctx, "yuna-wipes")
			if mine.Version != 2 || mine.Holdout != 0.05 || !mine.Enabled {
				t.Errorf("yuna-wipes: %+v", mine)
			}
			offers, err := db.Offers(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range offers {
				if (o.Code == "toys-coupon") != (o.Lever == 0) {
					t.Errorf("offer %s: lever %v", o.Code, o.Lever)
				}
			}
			// The dry run replays the stored version: the diaper purchase
			// fires it, shown in counts, without the customer's id.
			code, _, body := form(t, base, admin, "/engine/triggers/yuna-wipes/dry-run", url.Values{"days": {"30"}})
			if code != 200 || !strings.Contains(body, "Dry run of yuna-wipes over the last 30 days") || !strings.Contains(body, "Customers it fired for") || strings.Contains(body, ">mum<") {
				t.Errorf("dry run: %d %.600s", code, body)
			}
			if !strings.Contains(body, `Customers it fired for</td><td class="num" data-plain="1">`) {
				t.Errorf("dry run: not one customer fired for: %.2000s", body[strings.Index(body, "dry-run"):])
			}
		})
	}
}

// playbookServer installs the real-time engine with the article's
// playbook on db and serves it; it returns the engine, the server's URL
// and an admin token.
func playbookServer(t *testing.T, db *store.DB) (*rules.Engine, string, string) {
	t.Helper()
	ctx := context.Background()
	e, err := rules.New(ctx, db, "USD")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.LoadPlaybook(ctx, rules.ArticlePlaybook, "test"); err != nil {
		t.Fatal(err)
	}
	db.SetEngine(e)
	ts := httptest.NewServer(web.New(db, web.Config{Engine: e}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	t.Cleanup(ts.Close)
	admin, err := db.CreateToken(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	return e, ts.URL, admin
}
