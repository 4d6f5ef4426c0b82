package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

// who may call each route, written out here apart from the route table, so
// that neither a route added without a decision nor a policy changed by
// mistake goes unnoticed.
var wantPolicy = map[string][]string{
	"GET /healthz":                                 clientele.Roles,
	"GET /metrics":                                 clientele.Roles,
	"GET /api/v1/openapi.json":                     clientele.Roles,
	"GET /api/v1/stats":                            {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/customers":                        {"admin", "cco"},
	"GET /api/v1/customers/{id}":                   {"admin", "cco", "customer_manager", "agent"},
	"PUT /api/v1/customers/{id}":                   {"admin", "cco", "integrator"},
	"PATCH /api/v1/customers/{id}":                 {"admin", "cco", "integrator"},
	"GET /api/v1/customers/{id}/360":               {"admin", "cco", "customer_manager", "agent"},
	"GET /api/v1/customers/{id}/transactions":      {"admin", "cco", "customer_manager", "agent"},
	"GET /api/v1/identities/{kind}/{value}":        {"admin", "cco", "customer_manager", "agent", "integrator"},
	"POST /api/v1/transactions":                    {"admin", "integrator"},
	"POST /api/v1/events":                          {"admin", "integrator"},
	"GET /api/v1/segments":                         {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/segments/{name}/members":          {"admin", "cco", "customer_manager", "analyst"},
	"POST /v1/batch":                               {"admin", "integrator"},
	"POST /v1/track":                               {"admin", "integrator"},
	"POST /v1/identify":                            {"admin", "integrator"},
	"POST /v1/alias":                               {"admin", "integrator"},
	"POST /v1/page":                                {"admin", "integrator"},
	"POST /v1/screen":                              {"admin", "integrator"},
	"POST /v1/group":                               {"admin", "integrator"},
	"GET /api/v1/runs":                             {"admin", "cco", "analyst"},
	"GET /api/v1/runs/{id}":                        {"admin", "cco", "analyst"},
	"GET /api/v1/runs/{id}/scores":                 {"admin", "cco", "analyst"},
	"GET /api/v1/reports/equity":                   {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/segments":                 {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/profitability":            {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/migration":                {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/switching":                {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/switching-surveys":                {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/{report}/charts/{chart}":  {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"POST /api/v1/sessions":                        clientele.Roles, // signing in: no credentials
	"DELETE /api/v1/sessions":                      {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"GET /api/v1/audit":                            {"admin", "cco"},
	"DELETE /api/v1/customers/{id}":                {"admin", "cco"},
	"GET /api/v1/customers/{id}/export":            {"admin", "cco"},
	"GET /api/v1/customers/{id}/consent":           {"admin", "cco", "customer_manager", "agent", "integrator"},
	"PUT /api/v1/customers/{id}/consent/{purpose}": {"admin", "cco", "agent", "integrator"},
	"GET /api/v1/customers/{id}/items":             {"admin", "cco", "customer_manager", "agent"},
	"POST /api/v1/customers/{id}/items":            {"admin", "cco", "customer_manager", "agent"},
	"GET /api/v1/segments/{name}/items":            {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"POST /api/v1/segments/{name}/items":           {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"PUT /api/v1/items/{id}/rating":                {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"GET /api/v1/reports/sharing":                  {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /login":                                   clientele.Roles, // the login form: no credentials
	"POST /login":                                  clientele.Roles,
	"GET /{$}":                                     {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"POST /logout":                                 {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"GET /api/v1/competitors":                      {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"PUT /api/v1/competitors":                      {"admin", "cco"},
	// The real-time engine.
	"GET /api/v1/customers/{id}/counters":          {"admin", "cco", "customer_manager", "agent"},
	"GET /api/v1/customers/{id}/next-best-actions": {"admin", "cco", "customer_manager", "agent", "integrator"},
	"GET /api/v1/customers/{id}/decisions":         {"admin", "cco", "customer_manager", "agent"},
	"GET /api/v1/decisions":                        {"admin", "cco", "analyst"},
	"GET /api/v1/offers":                           {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"PUT /api/v1/offers/{code}":                    {"admin", "cco", "customer_manager"},
	"DELETE /api/v1/offers/{code}":                 {"admin", "cco", "customer_manager"},
	"GET /api/v1/triggers":                         {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/triggers/{name}":                  {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"PUT /api/v1/triggers/{name}":                  {"admin", "cco", "customer_manager"},
	"DELETE /api/v1/triggers/{name}":               {"admin", "cco", "customer_manager"},
	"POST /api/v1/triggers/{trigger}/dry-run":      {"admin", "cco", "customer_manager"},
	"POST /api/v1/responses":                       {"admin", "integrator"},
	"GET /api/v1/reports/uplift":                   {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/contact-policy":                   {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"PUT /api/v1/contact-policy":                   {"admin", "cco"},
	"GET /api/v1/webhooks":                         {"admin"},
	"PUT /api/v1/webhooks/{channel}":               {"admin"},
	"DELETE /api/v1/webhooks/{channel}":            {"admin"},
	"GET /api/v1/outbox":                           {"admin"},
	"POST /api/v1/outbox/{id}/retry":               {"admin"},
	// The dashboard's pages and forms.
	"GET /static/{file}":                   clientele.Roles, // the style sheet and script: nothing personal
	"POST /settings/language":              {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"GET /overview":                        {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"POST /overview/competitors":           {"admin", "cco"},
	"GET /portfolio":                       {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /customers":                       {"admin", "cco", "customer_manager", "agent"},
	"GET /customers/{id}":                  {"admin", "cco", "customer_manager", "agent"},
	"POST /customers/{id}/notes":           {"admin", "cco", "customer_manager", "agent"},
	"POST /items/{id}/rating":              {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
	"GET /segments":                        {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /segments/{name}":                 {"admin", "cco", "customer_manager", "analyst"},
	"GET /brands":                          {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /models":                          {"admin", "cco", "analyst"},
	"GET /sharing":                         {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /engine":                          {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"POST /engine/triggers/{name}":         {"admin", "cco", "customer_manager"},
	"POST /engine/triggers/{name}/dry-run": {"admin", "cco", "customer_manager"},
	"POST /engine/offers/{code}":           {"admin", "cco", "customer_manager"},
	"GET /admin":                           {"admin"},
	"POST /admin/tokens":                   {"admin"},
	"POST /admin/tokens/revoke":            {"admin"},
	"GET /audit":                           {"admin", "cco"},
}

// probe is the request the route × role test sends to a route, with a
// body where the route takes one. {id} is the fixture's customer (its run
// for /runs), {name} its segment.
var probe = map[string]string{
	"PUT /api/v1/competitors":                      `{"competitors": {"Rival Mart": 1000}}`,
	"PUT /api/v1/customers/{id}":                   `{"name":"Seo-yeon Yoon","email":"syoon@example.net","phone":"+821012345678","city":"Gwangju"}`,
	"PATCH /api/v1/customers/{id}":                 `{"city":"Busan"}`,
	"POST /api/v1/transactions":                    `[{"id":"t9","customer_id":"cust-0417","time":"2024-06-01T10:00:00Z","amount":20}]`,
	"POST /api/v1/events":                          `[{"id":"e9","customer_id":"cust-0417","type":"web_visit","time":"2024-06-01T10:00:00Z","properties":{"email":"syoon@example.net"}}]`,
	"POST /v1/batch":                               `{"batch":[{"type":"track","userId":"cust-0417","event":"Viewed","messageId":"m1","timestamp":"2024-06-01T10:00:00Z"}]}`,
	"POST /v1/track":                               `{"userId":"cust-0417","event":"Viewed","messageId":"m2","timestamp":"2024-06-01T10:00:00Z"}`,
	"POST /v1/identify":                            `{"userId":"cust-0417","traits":{"city":"Gwangju"},"messageId":"m3","timestamp":"2024-06-01T10:00:00Z"}`,
	"POST /v1/alias":                               `{"userId":"cust-0417","previousId":"anon-1","messageId":"m4","timestamp":"2024-06-01T10:00:00Z"}`,
	"POST /v1/page":                                `{"userId":"cust-0417","name":"Home","messageId":"m5","timestamp":"2024-06-01T10:00:00Z"}`,
	"POST /v1/screen":                              `{"userId":"cust-0417","name":"Home","messageId":"m6","timestamp":"2024-06-01T10:00:00Z"}`,
	"POST /v1/group":                               `{"userId":"cust-0417","groupId":"g1","messageId":"m7","timestamp":"2024-06-01T10:00:00Z"}`,
	"POST /api/v1/sessions":                        `{}`,
	"PUT /api/v1/customers/{id}/consent/{purpose}": `{"status":"granted","source":"web form"}`,
	"POST /api/v1/customers/{id}/items":            `{"kind":"call_note","text":"Asked about the annual fee; prefers e-mail","tags":["fees"]}`,
	"POST /api/v1/segments/{name}/items":           `{"kind":"insight","text":"Members shop on weekday mornings","tags":["timing"]}`,
	"PUT /api/v1/items/{id}/rating":                `{"rating":4}`,
	"PUT /api/v1/offers/{code}":                    `{"name":"Wipes","class":"sales","channel":"email","segment":"vip","value":100,"cost":100,"margin":500}`,
	"PUT /api/v1/triggers/{name}":                  `{"on":["transaction"],"when":"first(\"category:snacks\")","once_per_customer":true,"then":["wipes"],"segment":"vip"}`,
	"POST /api/v1/responses":                       `[{"decision_id":999,"offer":"wipes","response":"redeemed"}]`,
	"PUT /api/v1/contact-policy":                   `{"per_7_days":2,"per_30_days":4,"max_offers_per_message":3}`,
	"PUT /api/v1/webhooks/{channel}":               `{"url":"http://127.0.0.1:9/hook"}`,
}

// customerOf is the customer a route's probe names, where it is not the
// fixture's: each role erases a customer of its own.
var customerOf = map[string]string{
	"DELETE /api/v1/customers/{id}": "gone-{role}",
}

// pathOf is the probe's path where the route removes something: each role
// removes one of its own.
var pathOf = map[string]string{
	"DELETE /api/v1/offers/{code}":      "/api/v1/offers/gone-{role}",
	"DELETE /api/v1/triggers/{name}":    "/api/v1/triggers/gone-{role}",
	"DELETE /api/v1/webhooks/{channel}": "/api/v1/webhooks/sms",
	"POST /api/v1/outbox/{id}/retry":    "/api/v1/outbox/1/retry",
}

// query is the probe's query string, where the route needs one.
var query = map[string]string{
	"GET /api/v1/reports/migration": "?category=snacks",
	"GET /api/v1/reports/switching": "?survey=none",
	"GET /api/v1/reports/uplift":    "?trigger=vip",
}

// notOK lists the answers other than 2xx that an admitted role gets to its
// probe: signing in with no credentials (throttled after five), signing
// out without a session, a switching report of a survey not stored.
var notOK = map[string][]int{
	"POST /api/v1/sessions":         {http.StatusUnauthorized, http.StatusTooManyRequests},
	"DELETE /api/v1/sessions":       {http.StatusBadRequest},
	"GET /api/v1/reports/switching": {http.StatusNotFound},
	"POST /login":                   {http.StatusUnsupportedMediaType}, // the probe is JSON, not a form
	"POST /logout":                  {http.StatusSeeOther},
	"GET /{$}":                      {http.StatusSeeOther}, // to the role's first page
	// The dashboard's forms, sent JSON by the probe.
	"POST /settings/language":              {http.StatusUnsupportedMediaType},
	"POST /overview/competitors":           {http.StatusUnsupportedMediaType},
	"POST /customers/{id}/notes":           {http.StatusUnsupportedMediaType},
	"POST /items/{id}/rating":              {http.StatusUnsupportedMediaType},
	"POST /admin/tokens":                   {http.StatusUnsupportedMediaType},
	"POST /admin/tokens/revoke":            {http.StatusUnsupportedMediaType},
	"POST /engine/triggers/{name}":         {http.StatusUnsupportedMediaType},
	"POST /engine/triggers/{name}/dry-run": {http.StatusUnsupportedMediaType},
	"POST /engine/offers/{code}":           {http.StatusUnsupportedMediaType},
	// No message is dead.
	"POST /api/v1/outbox/{id}/retry": {http.StatusNotFound},
}

// The fixture's customer: every string that would give the person away.
var personal = []string{"Seo-yeon Yoon", "syoon@example.net", "+821012345678", "Gwangju", "cust-0417"}

// seeShowsPersonal lists the routes whose 2xx body, for a role that sees
// everything of the customer, holds the fixture's personal data: proof that
// the scan of the other roles' bodies could find it.
var seeShowsPersonal = []string{"GET /api/v1/customers/{id}", "GET /api/v1/customers/{id}/360", "GET /api/v1/identities/{kind}/{value}", "GET /api/v1/customers",
	"GET /api/v1/customers/{id}/export", "GET /customers/{id}"}

// Every route × every role, on both backends: a role the route does not
// admit gets a JSON 403 naming the role, before the handler runs; a role it
// admits gets its answer; and no response to a brand manager, an analyst
// or an integrator holds the name, e-mail, phone, city or id of any
// customer.
func TestRoutePolicies(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db := b.DB
			engine, err := rules.New(t.Context(), db, "USD")
			if err != nil {
				t.Fatal(err)
			}
			srv := web.New(db, web.Config{Engine: engine}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			ts := httptest.NewServer(srv)
			t.Cleanup(ts.Close)
			for route := range srv.Policies() {
				if _, ok := wantPolicy[route]; !ok {
					t.Errorf("route %s has no expected policy in this test: decide who may call it", route)
				}
			}
			tokens, runID, itemID := policyFixture(t, db)
			engineFixture(t, db, engine)
			fill := strings.NewReplacer("{$}", "", "{purpose}", "email_marketing", "{kind}", "email", "{value}", "syoon@example.net", "{name}", "vip", "{report}", "equity", "{chart}", "equity", "{file}", "app.css",
				"{code}", "wipes", "{trigger}", "vip", "{channel}", "email")
			for _, route := range slices.Sorted(func(yield func(string) bool) {
				for r := range wantPolicy {
					if !yield(r) {
						return
					}
				}
			}) {
				allowed := wantPolicy[route]
				method, pattern, _ := strings.Cut(route, " ")
				id := "cust-0417"
				switch {
				case strings.HasPrefix(pattern, "/api/v1/runs/"):
					id = fmt.Sprint(runID)
				case strings.HasPrefix(pattern, "/api/v1/items/"), strings.HasPrefix(pattern, "/items/"):
					id = fmt.Sprint(itemID)
				}
				for _, role := range clientele.Roles {
					id := id
					if c, ok := customerOf[route]; ok {
						id = strings.ReplaceAll(c, "{role}", role)
					}
					path := fill.Replace(strings.ReplaceAll(pattern, "{id}", id)) + query[route]
					if p, ok := pathOf[route]; ok {
						path = strings.ReplaceAll(p, "{role}", role)
					}
					code, body := send(t, ts.URL, method, path, probe[route], tokens[role])
					forbidden := code == http.StatusForbidden
					if want := !slices.Contains(allowed, role); forbidden != want {
						t.Errorf("%s as %s: %d %s (want forbidden: %v)", route, role, code, body, want)
					}
					page := strings.HasPrefix(body, "<!doctype html>") // a page's refusal is a page
					if forbidden && (!page && !strings.Contains(body, `"code":"forbidden"`) || !strings.Contains(body, "role "+role)) {
						t.Errorf("%s as %s: 403 body %s", route, role, body)
					}
					if !forbidden {
						want, special := notOK[route]
						if special && !slices.Contains(want, code) || !special && (code < 200 || code > 299) {
							t.Errorf("%s as %s: %d %s", route, role, code, body)
						}
					}
					switch role {
					case "brand_manager", "analyst", "integrator":
						for _, p := range personal {
							// An integrator's own write echoes no more than the id.
							if p == "cust-0417" && role == "integrator" {
								continue
							}
							if strings.Contains(body, p) {
								t.Errorf("%s as %s: the body holds %q: %s", route, role, p, body)
							}
						}
					case "admin", "cco":
						if slices.Contains(seeShowsPersonal, route) && !strings.Contains(body, "syoon@example.net") {
							t.Errorf("%s as %s: no personal data in %s", route, role, body)
						}
					}
				}
			}
		})
	}
}

func send(t *testing.T, base, method, path, body, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("X-Clientele-Reason", "call 0001")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// policyFixture stores one customer with personal data, purchases and an
// event, a segment vip holding it and owned by the customer manager, and a
// scored run; and returns a token per role (a user's, but the
// integrator's, which is a service token), the run's id and the id of an
// information item on the segment.
func policyFixture(t *testing.T, db *store.DB) (map[string]string, int64, int64) {
	t.Helper()
	ctx := context.Background()
	err := db.Write(ctx, func(w *store.Writer) error {
		if _, err := w.Customers(ctx, []clientele.Customer{{ID: "cust-0417", Name: "Seo-yeon Yoon", Email: "syoon@example.net", Phone: "+821012345678", City: "Gwangju"}}); err != nil {
			return err
		}
		for _, role := range clientele.Roles {
			if _, err := w.Customers(ctx, []clientele.Customer{{ID: "gone-" + role}}); err != nil {
				return err
			}
		}
		// Two brands of snacks, one bought before the other: the migration
		// report has a row for the customer.
		if _, err := w.Products(ctx, []clientele.Product{{SKU: "A", Name: "Crisps", Category: "snacks", Brand: "Crunchy", Price: 250, UnitCost: 150, Currency: "USD"},
			{SKU: "B", Name: "Puffs", Category: "snacks", Brand: "Airy", Price: 250, UnitCost: 100, Currency: "USD"}}); err != nil {
			return err
		}
		at := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
		txs := []clientele.Transaction{
			{ID: "t0", CustomerID: "cust-0417", Time: at.AddDate(0, -8, 0), Amount: 500, Currency: "USD", Lines: []clientele.Line{{SKU: "A", Quantity: 2, UnitPrice: 250}}},
			{ID: "t1", CustomerID: "cust-0417", Time: at, Amount: 1250, Currency: "USD", Lines: []clientele.Line{{SKU: "B", Quantity: 5, UnitPrice: 250}}},
		}
		if _, err := w.Transactions(ctx, txs, nil); err != nil {
			return err
		}
		_, err := w.Events(ctx, []clientele.Event{{ID: "e1", CustomerID: "cust-0417", Type: "web_visit", Time: at, Properties: []byte(`{"page":"offers"}`)}}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, role := range clientele.Roles {
		if role == "integrator" {
			tok, err := db.CreateServiceToken(ctx, "test integrator", role)
			if err != nil {
				t.Fatal(err)
			}
			tokens[role] = tok
			continue
		}
		name := "u-" + role
		if _, err := db.CreateUser(ctx, clientele.User{Name: name, Role: role, Department: "customer management"}, ""); err != nil {
			t.Fatal(err)
		}
		tok, err := db.CreateUserToken(ctx, "test "+role, name)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
	}
	seg, err := db.CreateSegment(ctx, clientele.Segment{Name: "vip", Definition: "true", Owner: "u-customer_manager"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.ApplyMembership(ctx, seg.ID, []clientele.MembershipChange{{CustomerID: "cust-0417", Joined: true}}, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	run, err := db.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", CalibrationEnd: "2024-06-30", TimeZone: "UTC",
		Currency: "USD", Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 1, Converged: true})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Write(ctx, func(w *store.Writer) error {
		if err := w.Scores(ctx, run, []clientele.Score{{CustomerID: "cust-0417", ProbAlive: 0.8, DERT: 2, CLV: 5000, DERTLifetime: 4, CLVLifetime: 9000}}); err != nil {
			return err
		}
		return w.SetScoring(ctx, run, clientele.Scoring{Horizon: 52, DiscountRate: 0.1, Basis: clientele.BasisMargin})
	})
	if err != nil {
		t.Fatal(err)
	}
	cm, err := db.UserByName(ctx, "u-customer_manager")
	if err != nil {
		t.Fatal(err)
	}
	var item *clientele.InfoItem
	err = db.Write(ctx, func(w *store.Writer) error {
		if _, err := w.CreateItem(ctx, clientele.InfoItem{CustomerID: "cust-0417", AuthorID: cm.ID, Department: "customer management", Kind: "call_note", Text: "Moving to Gwangju next month"}); err != nil {
			return err
		}
		item, err = w.CreateItem(ctx, clientele.InfoItem{Segment: "vip", AuthorID: cm.ID, Department: "customer management", Kind: "insight", Text: "VIPs answer surveys"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tokens, run, item.ID
}

// engineFixture stores an offer and a trigger of the segment vip, one of
// each for every role to remove, and a webhook for sms.
func engineFixture(t *testing.T, db *store.DB, e *rules.Engine) {
	t.Helper()
	ctx := t.Context()
	codes := []string{"wipes"}
	for _, role := range clientele.Roles {
		codes = append(codes, "gone-"+role)
	}
	for _, code := range codes {
		o := clientele.NewOffer()
		o.Code, o.Name, o.Class, o.Channel, o.Segment, o.Margin = code, "Wipes", clientele.OfferSales, "email", "vip", 500
		if err := rules.CheckOffer(&o); err != nil {
			t.Fatal(err)
		}
		if err := db.PutOffer(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	for _, name := range append([]string{"vip"}, codes[1:]...) {
		tr := clientele.NewTrigger()
		tr.Name, tr.When, tr.Then, tr.Segment = name, `first("category:snacks")`, []string{"wipes"}, "vip"
		if err := e.CheckTrigger(ctx, &tr); err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutTrigger(ctx, tr, "test"); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.PutWebhook(ctx, store.Webhook{Channel: "sms", URL: "http://127.0.0.1:9/sms", Secret: "whsec_" + strings.Repeat("QUFB", 8)}); err != nil {
		t.Fatal(err)
	}
}
