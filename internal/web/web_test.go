package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/equity"
	"clientele/internal/report"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

type client struct {
	t     *testing.T
	url   string
	token string
}

func (c client) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	code, h, b := c.raw(method, path, body)
	var v map[string]any
	if strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(b, &v); err != nil {
			c.t.Fatalf("%s %s: response is not a JSON object: %s", method, path, b)
		}
	}
	return code, v
}

func (c client) raw(method, path, body string) (int, http.Header, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := noRedirects.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

// noRedirects is a client that shows a redirect rather than following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func start(t *testing.T, db *store.DB) (client, *web.Server) {
	t.Helper()
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(testLog{t}, nil)))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tok, err := db.CreateToken(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	return client{t: t, url: ts.URL, token: tok}, srv
}

// Every route but signing in (the API's and the login form's), and any
// other path, refuses a request without a valid token.
func TestEveryRouteNeedsAToken(t *testing.T) {
	db := storetest.Open(t)[0].DB
	c, srv := start(t, db)
	if diff := cmp.Diff([]string{"POST /api/v1/sessions", "GET /login", "POST /login", "GET /static/{file}"}, srv.PublicRoutes()); diff != "" {
		t.Errorf("routes without credentials (-want +got):\n%s", diff)
	}
	var paths []string
	for _, r := range srv.Routes() {
		if !slices.Contains(srv.PublicRoutes(), r) {
			paths = append(paths, r)
		}
	}
	paths = append(paths, "GET /nowhere", "DELETE /api/v1/customers/x")
	for _, tok := range []string{"", "clt_wrong", "not-even-a-token"} {
		anon := c
		anon.token = tok
		for _, r := range paths {
			method, pattern, _ := strings.Cut(r, " ")
			path := strings.NewReplacer("{id}", "c1", "{kind}", "email", "{value}", "a@b.c").Replace(pattern)
			code, body := anon.do(method, path, "[]")
			if code != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: status %d, want 401", method, path, tok, code)
				continue
			}
			if e, _ := body["error"].(map[string]any); e["code"] != "unauthorized" {
				t.Errorf("%s %s: body %v, want an unauthorized error", method, path, body)
			}
		}
	}
	if code, _ := c.do("GET", "/healthz", ""); code != 200 {
		t.Errorf("healthz with a token: %d", code)
	}
	if code, _ := c.do("GET", "/nowhere", ""); code != 404 {
		t.Errorf("unknown path with a token: %d, want 404", code)
	}
}

// The OpenAPI document describes exactly the routes the server serves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	db := storetest.Open(t)[0].DB
	c, srv := start(t, db)
	code, doc := c.do("GET", "/api/v1/openapi.json", "")
	if code != 200 {
		t.Fatalf("openapi.json: %d", code)
	}
	var documented []string
	for path, ops := range doc["paths"].(map[string]any) {
		for method := range ops.(map[string]any) {
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	served := srv.Routes()
	sort.Strings(documented)
	sort.Strings(served)
	if diff := cmp.Diff(served, documented); diff != "" {
		t.Errorf("routes (-served +documented):\n%s", diff)
	}
}

func TestBatchesAndReads(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			batch := `[
				{"id":"t1","customer_id":"c1","time":"2024-05-01T10:00:00Z","store":"s1","amount":12.50,"margin":"3.10","lines":[{"sku":"A","quantity":1,"unit_price":12.50}]},
				{"id":"t2","customer_id":"c1","time":"2024-05-02T10:00:00Z","amount":5},
				{"id":"t1","customer_id":"c1","time":"2024-05-01T10:00:00Z","amount":12.50},
				{"id":"t3","customer_id":"c2","time":"yesterday","amount":1},
				{"id":"t4","customer_id":"c2","time":"2024-05-02T10:00:00Z","amount":1.005},
				{"id":"t5","customer_id":"c2","time":"2024-05-02T10:00:00Z","amount":1,"colour":"red"}
			]`
			code, res := c.do("POST", "/api/v1/transactions", batch)
			if code != 200 {
				t.Fatalf("post: %d %v", code, res)
			}
			var statuses []string
			for _, r := range res["results"].([]any) {
				statuses = append(statuses, r.(map[string]any)["status"].(string))
			}
			if diff := cmp.Diff([]string{"created", "created", "duplicate", "error", "error", "error"}, statuses); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			r3 := res["results"].([]any)[3].(map[string]any)["error"].(map[string]any)
			if d := r3["details"].([]any)[0].(map[string]any); d["field"] != "time" {
				t.Errorf("item 3 error = %v, want field time", r3)
			}
			// The same batch again: nothing new.
			_, res = c.do("POST", "/api/v1/transactions", batch)
			if res["created"] != 0.0 || res["duplicates"] != 3.0 {
				t.Errorf("second post: created %v duplicates %v", res["created"], res["duplicates"])
			}
			st, err := b.DB.Stats(context.Background())
			if err != nil || st.Transactions != 2 {
				t.Errorf("stored %d transactions (%v), want 2", st.Transactions, err)
			}
			// A repeated id with other content says what differs; the same
			// content again is a plain duplicate.
			_, res = c.do("POST", "/api/v1/transactions", `[{"id":"t2","customer_id":"c1","time":"2024-05-02T10:00:00Z","amount":6},
				{"id":"t2","customer_id":"c1","time":"2024-05-02T10:00:00Z","amount":5}]`)
			r0, r1 := res["results"].([]any)[0].(map[string]any), res["results"].([]any)[1].(map[string]any)
			if fmt.Sprint(r0["differs"]) != "[amount]" || !strings.Contains(fmt.Sprint(r0["note"]), "duplicate (differs: amount)") || r1["differs"] != nil {
				t.Errorf("a changed duplicate: %v / %v", r0, r1)
			}

			code, res = c.do("POST", "/api/v1/events", `[{"id":"e1","customer_id":"c1","type":"web_visit","time":"2024-05-03T00:00:00Z","properties":{"page":"offers"}},
				{"id":"e1","customer_id":"c1","type":"web_visit","time":"2024-05-03T00:00:00Z"}]`)
			if code != 200 || res["created"] != 1.0 || res["duplicates"] != 1.0 {
				t.Errorf("events: %d %v", code, res)
			}

			code, res = c.do("PUT", "/api/v1/customers/c1", `{"name":"Ada Lovelace","email":"ada@example.com","birth_date":"1985-12-10"}`)
			if code != 200 || res["name"] != "Ada Lovelace" {
				t.Errorf("put existing customer: %d %v", code, res)
			}
			code, _ = c.do("PUT", "/api/v1/customers/c9", `{"name":"New"}`)
			if code != 201 {
				t.Errorf("put new customer: %d, want 201", code)
			}
			code, res = c.do("PUT", "/api/v1/customers/c9", `{"email":"not-an-email"}`)
			if code != 400 || !strings.Contains(fmt.Sprint(res), "email") {
				t.Errorf("put bad customer: %d %v", code, res)
			}

			code, v := c.do("GET", "/api/v1/customers/c1/360", "")
			if code != 200 {
				t.Fatalf("360: %d %v", code, v)
			}
			txs := v["recent_transactions"].([]any)
			if len(txs) != 2 || txs[0].(map[string]any)["id"] != "t2" {
				t.Errorf("360 transactions = %v", txs)
			}
			t1 := txs[1].(map[string]any)
			if t1["amount"] != 12.5 || t1["margin"] != 3.1 || len(t1["lines"].([]any)) != 1 {
				t.Errorf("t1 = %v", t1)
			}
			if tot := v["totals"].(map[string]any); tot["transactions"] != 2.0 || tot["revenue"].(map[string]any)["USD"] != 17.5 {
				t.Errorf("totals = %v", tot)
			}
			if len(v["recent_events"].([]any)) != 1 {
				t.Errorf("events = %v", v["recent_events"])
			}

			code, v = c.do("GET", "/api/v1/identities/email/ADA@example.com", "")
			if code != 200 || v["id"] != "c1" {
				t.Errorf("identity: %d %v", code, v)
			}
			code, _ = c.do("GET", "/api/v1/identities/email/nobody@example.com", "")
			if code != 404 {
				t.Errorf("unknown identity: %d", code)
			}
			code, _ = c.do("GET", "/api/v1/identities/shoe-size/42", "")
			if code != 400 {
				t.Errorf("bad identity kind: %d", code)
			}

			code, v = c.do("GET", "/api/v1/customers?q=ada&limit=10", "")
			if code != 200 || len(v["items"].([]any)) != 1 {
				t.Errorf("search: %d %v", code, v)
			}
			code, v = c.do("GET", "/api/v1/customers/c1/transactions?limit=1", "")
			if code != 200 || len(v["items"].([]any)) != 1 || v["next"] == nil {
				t.Fatalf("transactions page 1: %d %v", code, v)
			}
			code, v = c.do("GET", "/api/v1/customers/c1/transactions?limit=1&cursor="+v["next"].(string), "")
			if code != 200 || v["items"].([]any)[0].(map[string]any)["id"] != "t1" || v["next"] != nil {
				t.Errorf("transactions page 2: %d %v", code, v)
			}
			for _, q := range []string{"/api/v1/customers?limit=0", "/api/v1/customers?limit=x", "/api/v1/customers/c1/transactions?cursor=bad"} {
				if code, _ := c.do("GET", q, ""); code != 400 {
					t.Errorf("GET %s: %d, want 400", q, code)
				}
			}
			if code, _ := c.do("GET", "/api/v1/customers/nobody", ""); code != 404 {
				t.Errorf("unknown customer: %d", code)
			}
		})
	}
}

func TestBatchLimits(t *testing.T) {
	db := storetest.Open(t)[0].DB
	c, _ := start(t, db)
	var big bytes.Buffer
	big.WriteString("[")
	for i := range 1001 {
		if i > 0 {
			big.WriteString(",")
		}
		fmt.Fprintf(&big, `{"id":"e%d","customer_id":"c","type":"x","time":"2024-01-01T00:00:00Z"}`, i)
	}
	big.WriteString("]")
	for _, body := range []string{big.String(), "[]", "{}", "not json", `[{"id":1}]`} {
		code, res := c.do("POST", "/api/v1/events", body)
		if body == `[{"id":1}]` {
			if code != 200 || res["errors"] != 1.0 {
				t.Errorf("wrongly typed item: %d %v", code, res)
			}
			continue
		}
		if code != 400 {
			t.Errorf("body %.20q: %d, want 400", body, code)
		}
	}
	// Metrics count what was posted.
	req, _ := http.NewRequest("GET", c.url+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), `clientele_ingested_items_total{kind="event",status="error"} 1`) {
		t.Errorf("metrics do not count the bad event:\n%.2000s", b)
	}
}

// The 360 view carries the customer's CLV score and segments; segments and
// the equity report are served for the dashboard.
func TestScoreSegmentsAndEquity(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			if code, _ := c.do("PUT", "/api/v1/customers/c1", `{"name":"Ann"}`); code != 201 {
				t.Fatalf("put customer: %d", code)
			}
			code, v := c.do("GET", "/api/v1/customers/c1/360", "")
			if code != 200 || v["score"] != nil || len(v["segments"].([]any)) != 0 {
				t.Fatalf("360 before scoring: %d %v %v", code, v["score"], v["segments"])
			}
			run, err := b.DB.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", TimeZone: "UTC", Currency: "USD",
				Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 1, Converged: true})
			if err != nil {
				t.Fatal(err)
			}
			err = b.DB.Write(ctx, func(w *store.Writer) error {
				return w.Scores(ctx, run, []clientele.Score{{CustomerID: "c1", ProbAlive: 0.8, ExpectedPurchases: 3, ExpectedSpend: 2500, DERT: 2.5, CLV: 12345}})
			})
			if err != nil {
				t.Fatal(err)
			}
			seg, err := b.DB.CreateSegment(ctx, clientele.Segment{Name: "vip", Definition: "clv.value > 100.0"})
			if err != nil {
				t.Fatal(err)
			}
			if err := b.DB.ApplyMembership(ctx, seg.ID, []clientele.MembershipChange{{CustomerID: "c1", Joined: true}}, "test", time.Now()); err != nil {
				t.Fatal(err)
			}
			_, v = c.do("GET", "/api/v1/customers/c1/360", "")
			score, _ := v["score"].(map[string]any)
			if score == nil || score["clv"] != 123.45 || score["p_alive"] != 0.8 || score["expected_spend"] != 25.0 || score["p_alive_note"] != nil {
				t.Errorf("360 score: %v", v["score"])
			}
			if fmt.Sprint(v["segments"]) != "[vip]" {
				t.Errorf("360 segments: %v", v["segments"])
			}
			code, v = c.do("GET", "/api/v1/segments", "")
			if code != 200 || len(v["items"].([]any)) != 1 {
				t.Errorf("segments: %d %v", code, v)
			}
			code, v = c.do("GET", "/api/v1/segments/vip/members", "")
			if code != 200 || fmt.Sprint(v["items"]) != "[map[customer_id:c1]]" {
				t.Errorf("members: %d %v", code, v)
			}
			if code, _ := c.do("GET", "/api/v1/segments/nope/members", ""); code != 404 {
				t.Errorf("unknown segment: %d", code)
			}
			code, v = c.do("GET", "/api/v1/reports/equity?competitor=rival=370.35", "")
			runs, _ := v["history"].([]any)
			if code != 200 || len(runs) != 1 || runs[0].(map[string]any)["customer_equity"] != 123.45 || v["share_of_customer_equity"] != 0.25 {
				t.Errorf("equity report: %d %v", code, v)
			}
			if code, v := c.do("GET", "/api/v1/reports/equity?competitor=rival", ""); code != 400 || !strings.Contains(fmt.Sprint(v), "competitor") {
				t.Errorf("bad competitor: %d %v", code, v)
			}
			code, v = c.do("GET", "/api/v1/reports/segments", "")
			segs, _ := v["segments"].([]any)
			if code != 200 || len(segs) != 1 || segs[0].(map[string]any)["segment_lifetime_value"] != 123.45 || segs[0].(map[string]any)["share_of_customer_equity"] != 1.0 {
				t.Errorf("segments report: %d %v", code, v)
			}
			code, h, body := c.raw("GET", "/api/v1/reports/segments/charts/segments", "")
			if code != 200 || h.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(body, []byte("<svg")) || !bytes.Contains(body, []byte("vip")) {
				t.Errorf("segments chart: %d %s %.200s", code, h.Get("Content-Type"), body)
			}
			code, h, body = c.raw("GET", "/api/v1/reports/equity/charts/concentration?format=png", "")
			if code != 200 || h.Get("Content-Type") != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG")) {
				t.Errorf("concentration chart: %d %s", code, h.Get("Content-Type"))
			}
			for path, want := range map[string]int{
				"/api/v1/reports/equity/charts/nope":                    404,
				"/api/v1/reports/nope/charts/equity":                    404,
				"/api/v1/reports/equity/charts/equity?format=gif":       400,
				"/api/v1/reports/migration":                             400, // no category
				"/api/v1/reports/profitability?from=yesterday&top=0":    400,
				"/api/v1/reports/profitability":                         404, // no transactions
				"/api/v1/reports/migration?category=grocery&horizon=-1": 400,
			} {
				if code, v := c.do("GET", path, ""); code != want {
					t.Errorf("GET %s: %d %v, want %d", path, code, v, want)
				}
			}
			if code, v := c.do("POST", "/api/v1/transactions", `[{"id":"t1","customer_id":"c1","time":"2024-05-01T10:00:00Z","amount":20,"margin":"7.50"},
				{"id":"t2","customer_id":"c1","time":"2024-06-01T10:00:00Z","amount":-5,"margin":"-1.25"}]`); code != 200 {
				t.Fatalf("post transactions: %d %v", code, v)
			}
			code, v = c.do("GET", "/api/v1/reports/profitability?from=2024-01-01&to=2024-12-31", "")
			best, _ := v["most_profitable"].([]any)
			if code != 200 || v["margin"] != 6.25 || len(best) != 1 || best[0].(map[string]any)["returns"] != 1.0 || best[0].(map[string]any)["clv"] != 123.45 {
				t.Errorf("profitability report: %d %v", code, v)
			}
		})
	}
}

// The OpenAPI schemas of the reports name exactly the fields the report
// types write.
func TestOpenAPIReportSchemas(t *testing.T) {
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(web.OpenAPI(), &doc); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]any{"EquityReport": report.EquityReport{}, "SegmentsReport": report.SegmentsReport{},
		"ProfitabilityReport": report.ProfitabilityReport{}, "MigrationReport": report.MigrationReport{}, "SwitchingReport": report.SwitchingReport{},
		"UpliftReport": report.UpliftReport{}} {
		var fields []string
		rt := reflect.TypeOf(v)
		for i := range rt.NumField() {
			if tag, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ","); tag != "" && tag != "-" {
				fields = append(fields, tag)
			}
		}
		var documented []string
		for p := range doc.Components.Schemas[name].Properties {
			documented = append(documented, p)
		}
		sort.Strings(fields)
		sort.Strings(documented)
		if diff := cmp.Diff(fields, documented); diff != "" {
			t.Errorf("%s (-type +schema):\n%s", name, diff)
		}
	}
}

// A stored survey is served as the switching report, its what-if and its
// chart.
func TestSwitchingReport(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			s := &clientele.SwitchingSurvey{Name: "q1", Brands: []string{"A", "B"}, Drivers: []string{"value"}, IDs: []string{"r1", "r2"},
				Respondents: []equity.Respondent{
					{Ratings: [][]float64{{4}, {2}}, Last: 0, Frequency: 2, Chosen: -1},
					{Ratings: [][]float64{{3}, {3}}, Last: 1, Frequency: 1, Chosen: -1},
				},
				Market: json.RawMessage(`{"brands":[{"name":"A","contribution":10,"owner":"X"},{"name":"B","contribution":8,"owner":"Y"}],
					"discount_rate":0.1,"horizon_years":3,"market_size":1000,"coefficients":{"inertia":1,"drivers":{"value":0.5}}}`)}
			if err := b.DB.SaveSwitchingSurvey(context.Background(), s); err != nil {
				t.Fatal(err)
			}
			code, v := c.do("GET", "/api/v1/switching-surveys", "")
			if items, _ := v["items"].([]any); code != 200 || len(items) != 1 || items[0].(map[string]any)["has_market"] != true {
				t.Errorf("surveys: %d %v", code, v)
			}
			code, v = c.do("GET", "/api/v1/reports/switching?survey=q1&what_if=brand=B,driver=value,delta=0.5,spend=100@0", "")
			brands, _ := v["brands"].([]any)
			if code != 200 || len(brands) != 2 || v["survey"] != "q1" {
				t.Fatalf("switching: %d %v", code, v)
			}
			share := 0.0
			for _, x := range brands {
				share += x.(map[string]any)["share"].(float64)
			}
			w, _ := v["what_if"].(map[string]any)
			if math.Abs(share-1) > 1e-9 || w == nil || w["delta_ce"].(float64) <= 0 || w["portfolio_owner"] != "Y" {
				t.Errorf("switching: shares sum to %v, what-if %v", share, w)
			}
			if code, h, body := c.raw("GET", "/api/v1/reports/switching/charts/shares?survey=q1", ""); code != 200 || h.Get("Content-Type") != "image/svg+xml" || !bytes.Contains(body, []byte("<svg")) {
				t.Errorf("shares chart: %d %s", code, body)
			}
			for path, want := range map[string]int{
				"/api/v1/reports/switching":                            400,
				"/api/v1/reports/switching?survey=nope":                404,
				"/api/v1/reports/switching?survey=q1&what_if=brand=Z":  400,
				"/api/v1/reports/switching?survey=q1&what_if=nonsense": 400,
				"/api/v1/reports/switching/charts/nope?survey=q1":      404,
			} {
				if code, v := c.do("GET", path, ""); code != want {
					t.Errorf("GET %s: %d %v, want %d", path, code, v, want)
				}
			}
		})
	}
}

// Every error code has its status, and a code the table does not know is a
// 500, never a status of 0 (which would panic in WriteHeader).
func TestStatusOfEveryCode(t *testing.T) {
	want := map[string]int{
		"invalid": 400, "not_found": 404, "conflict": 409, "unauthorized": 401, "forbidden": 403, "method_not_allowed": 405, "unsupported_media_type": 415, "unavailable": 503, "too_many_requests": 429, "suppressed": 409, "internal": 500,
		"no_such_code": 500, "": 500,
	}
	for _, code := range clientele.Codes {
		if _, ok := want[code]; !ok {
			t.Errorf("code %q has no expected status in this test", code)
		}
	}
	for code, st := range want {
		if got := web.StatusOf(code); got != st {
			t.Errorf("StatusOf(%q) = %d, want %d", code, got, st)
		}
	}
}

// Requests of the wrong shape get a JSON error that names the problem and
// change nothing: a body that is null or of the wrong JSON type, a body
// not sent as JSON, a path that is not canonical, a date out of range. The
// authentication scheme's name is case-insensitive.
func TestRequestShapes(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			send := func(method, path, ctype, body string) (int, http.Header, []byte) {
				t.Helper()
				req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+c.token)
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				resp, err := noRedirects.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				out, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header, out
			}
			tx := `[{"id":"t1","customer_id":"c1","time":"2024-01-01T10:00:00Z","amount":"1.00"}]`
			for _, tc := range []struct {
				name, method, path, ctype, body string
				status                          int
				code, message                   string
			}{
				{"null customer", "PUT", "/api/v1/customers/c1", "application/json", "null", 400, "invalid", "want an object"},
				{"array for a customer", "PUT", "/api/v1/customers/c1", "application/json", `[{"id":"c1"}]`, 400, "invalid", "want an object"},
				{"null batch", "POST", "/api/v1/transactions", "application/json", "null", 400, "invalid", "want an array"},
				{"empty body", "POST", "/api/v1/transactions", "application/json", "", 400, "invalid", "want an array"},
				{"form body", "POST", "/api/v1/transactions", "application/x-www-form-urlencoded", tx, 415, "unsupported_media_type", "application/json"},
				{"no content type", "PUT", "/api/v1/customers/c1", "", `{"name":"Ann"}`, 415, "unsupported_media_type", "application/json"},
				{"double slash", "GET", "/api/v1//stats", "", "", 404, "not_found", "no route"},
				{"dot dot", "GET", "/api/v1/customers/../stats", "", "", 404, "not_found", "no route"},
				{"dot", "GET", "/api/v1/./stats", "", "", 404, "not_found", "no route"},
				{"year one", "GET", "/api/v1/reports/profitability?from=0001-01-01", "", "", 400, "invalid", "from"},
				{"year 3000", "GET", "/api/v1/reports/migration?category=x&to=3000-01-01", "", "", 400, "invalid", "to"},
				{"call cost out of range", "GET", "/api/v1/reports/profitability?call_cost=10000000000000.01", "", "", 400, "invalid", "call_cost"},
				{"amount out of range", "POST", "/api/v1/transactions", "application/json",
					`[{"id":"t1","customer_id":"c1","time":"2024-01-01T10:00:00Z","amount":"90000000000000000.00"}]`, 200, "", ""},
			} {
				status, h, body := send(tc.method, tc.path, tc.ctype, tc.body)
				if tc.status == 200 { // a batch: the item is refused, naming its field
					if status != 200 || !strings.Contains(string(body), `"errors":1`) || !strings.Contains(string(body), `"field":"amount"`) {
						t.Errorf("%s: %d %s, want the item refused for its amount", tc.name, status, body)
					}
					continue
				}
				if status != tc.status || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
					t.Errorf("%s: %d %s %s, want %d with a JSON body", tc.name, status, h.Get("Content-Type"), body, tc.status)
					continue
				}
				var e struct {
					Error struct {
						Code, Message string
						Details       []struct{ Field string }
					}
				}
				json.Unmarshal(body, &e)
				text := e.Error.Message
				for _, d := range e.Error.Details {
					text += " " + d.Field
				}
				if e.Error.Code != tc.code || !strings.Contains(text, tc.message) {
					t.Errorf("%s: error %s %q, want %s mentioning %q", tc.name, e.Error.Code, text, tc.code, tc.message)
				}
			}
			if code, _ := c.do("GET", "/api/v1/customers/c1", ""); code != 404 {
				t.Errorf("a rejected PUT created the customer: GET = %d", code)
			}
			if s, err := b.DB.Stats(context.Background()); err != nil || s.Transactions != 0 || s.Customers != 0 {
				t.Errorf("rejected requests wrote: %+v, %v", s, err)
			}
			for _, scheme := range []string{"bearer", "BEARER", "Bearer"} {
				req, _ := http.NewRequest("GET", c.url+"/api/v1/stats", nil)
				req.Header.Set("Authorization", scheme+" "+c.token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("scheme %q: %d, want 200", scheme, resp.StatusCode)
				}
			}
		})
	}
}

// One rule for text on both backends: NUL or invalid UTF-8 in a path, a
// query, a JSON string or event properties is a 400 (or an item's error in
// a batch) that names the field, never a 500 from PostgreSQL; the good
// items of the same batch are written.
func TestTextRule(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			for _, tc := range []struct{ method, path, body, field string }{
				{"GET", "/api/v1/customers/a%00b", "", "path"},
				{"GET", "/api/v1/customers/a%ffb/360", "", "path"},
				{"GET", "/api/v1/identities/email/x%00%40y", "", "path"},
				{"GET", "/api/v1/customers?q=%00", "", "q"},
				{"GET", "/api/v1/customers?cursor=%ff", "", "cursor"},
				{"GET", "/api/v1/customers?q=%zz", "", "query"},
				{"PUT", "/api/v1/customers/c1", `{"name":"A\u0000"}`, "name"},
				{"PUT", "/api/v1/customers/c1", `{"attributes":{"k\u0000":1}}`, "attributes"},
				{"PUT", "/api/v1/customers/c1", `{"email":"a\u0000@b.c"}`, "email"},
			} {
				code, v := c.do(tc.method, tc.path, tc.body)
				if code != 400 || !strings.Contains(fmt.Sprint(v), "field:"+tc.field) {
					t.Errorf("%s %s %s: %d %v, want 400 naming %s", tc.method, tc.path, tc.body, code, v, tc.field)
				}
			}
			batch := `[{"id":"e1","customer_id":"c1","type":"visit","time":"2024-01-01T00:00:00Z","properties":{"page":"/"}},
				{"id":"e2","customer_id":"c1","type":"visit","time":"2024-01-01T00:00:00Z","properties":{"page":"\u0000"}},
				{"id":"e3","customer_id":"c1","type":"visit","time":"2024-01-01T00:00:00Z","properties":{"page":"` + "\xff" + `"}},
				{"id":"e4","customer_id":"c\u0000","type":"visit","time":"2024-01-01T00:00:00Z"}]`
			code, v := c.do("POST", "/api/v1/events", batch)
			if code != 200 || v["created"] != 1.0 || v["errors"] != 3.0 {
				t.Fatalf("events batch: %d %v, want 1 created and 3 errors", code, v)
			}
			for i, want := range []string{"", "properties", "properties", "customer_id"} {
				r := v["results"].([]any)[i].(map[string]any)
				if want == "" {
					if r["status"] != "created" {
						t.Errorf("item %d: %v, want created", i, r)
					}
				} else if !strings.Contains(fmt.Sprint(r["error"]), "field:"+want) {
					t.Errorf("item %d: %v, want an error naming %s", i, r, want)
				}
			}
			if s, err := b.DB.Stats(context.Background()); err != nil || s.Events != 1 || s.Customers != 1 {
				t.Errorf("stored: %+v, %v; want the one good event and its customer", s, err)
			}
		})
	}
}

// Input is bounded where it enters (docs/limits.md): a batch of more items
// than MaxBatch is refused at the first item too many, however many follow;
// customer attributes and event properties are bounded in size and depth.
func TestInputLimits(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			tiny := "[" + strings.Repeat("{},", 4_000_000) + "{}]" // 12 MB of items
			code, v := c.do("POST", "/api/v1/events", tiny)
			if code != 400 || !strings.Contains(fmt.Sprint(v), "more than 1000 items") {
				t.Errorf("4M tiny items: %d %.200v", code, v)
			}
			deep := strings.Repeat(`{"a":`, clientele.MaxDocumentDepth+1) + "1" + strings.Repeat("}", clientele.MaxDocumentDepth+1)
			shallow := strings.Repeat(`{"a":`, clientele.MaxDocumentDepth) + "1" + strings.Repeat("}", clientele.MaxDocumentDepth)
			large := `{"blob":"` + strings.Repeat("x", clientele.MaxDocumentBytes) + `"}`
			for _, tc := range []struct {
				attrs string
				ok    bool
			}{{deep, false}, {large, false}, {shallow, true}, {`{"n":12345678901234567890}`, true}} {
				code, v := c.do("PUT", "/api/v1/customers/c1", `{"attributes":`+tc.attrs+`}`)
				if ok := code == 200 || code == 201; ok != tc.ok || (!ok && (code != 400 || !strings.Contains(fmt.Sprint(v), "field:attributes"))) {
					t.Errorf("attributes %.40s…: %d %.300v, want ok %v", tc.attrs, code, v, tc.ok)
				}
			}
			code, v = c.do("POST", "/api/v1/events", `[{"id":"e1","customer_id":"c1","type":"x","time":"2024-01-01T00:00:00Z","properties":`+deep+`},
				{"id":"e2","customer_id":"c1","type":"x","time":"2024-01-01T00:00:00Z","properties":`+large+`}]`)
			if code != 200 || v["errors"] != 2.0 {
				t.Errorf("deep and large properties: %d %.300v, want two item errors", code, v)
			}
		})
	}
}

// A write while another process holds the SQLite file's write lock (a long
// CLI import) waits the busy timeout, then answers 503 with Retry-After,
// not 500; once the lock is released the same request goes through.
func TestBusyDatabaseAnswers503(t *testing.T) {
	path := storetest.SQLiteDSN(t)
	ctx := context.Background()
	db, err := store.Open(ctx, path, &store.Options{BusyTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other, err := store.Open(ctx, path, nil) // the importing process
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	c, _ := start(t, db)
	holding, release, done := make(chan struct{}), make(chan struct{}), make(chan error)
	go func() {
		done <- other.Write(ctx, func(w *store.Writer) error {
			if _, err := w.Customers(ctx, []clientele.Customer{{ID: "imported"}}); err != nil {
				return err
			}
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	tx := `[{"id":"t1","customer_id":"c1","time":"2024-01-01T10:00:00Z","amount":"1.00"}]`
	status, h, body := c.raw("POST", "/api/v1/transactions", tx)
	if status != 503 || h.Get("Retry-After") == "" || !strings.Contains(string(body), `"code":"unavailable"`) {
		t.Errorf("while another process writes: %d (Retry-After %q) %s, want 503 unavailable with Retry-After", status, h.Get("Retry-After"), body)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if code, v := c.do("POST", "/api/v1/transactions", tx); code != 200 || v["created"] != 1.0 {
		t.Errorf("after the lock is released: %d %v", code, v)
	}
}

// An e-mail address held by another customer (in any case) is a 409 that
// names the holder, not a 201 with the address silently left off.
func TestIdentityConflict409(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			if code, v := c.do("PUT", "/api/v1/customers/c1", `{"email":"Ann@Example.com"}`); code != 201 {
				t.Fatalf("c1: %d %v", code, v)
			}
			code, v := c.do("PUT", "/api/v1/customers/c2", `{"name":"Bo","email":"ann@example.COM"}`)
			if code != 409 || !strings.Contains(fmt.Sprint(v), "belongs to customer c1") {
				t.Errorf("c2 with c1's e-mail: %d %v, want 409 naming c1", code, v)
			}
			if code, _ := c.do("GET", "/api/v1/customers/c2", ""); code != 404 {
				t.Errorf("the conflicting PUT created c2: %d", code)
			}
			if code, v := c.do("PUT", "/api/v1/customers/c1", `{"name":"Ann","email":"ann@example.com"}`); code != 200 {
				t.Errorf("c1 again with its own e-mail: %d %v", code, v)
			}
		})
	}
}

// The API speaks its own language: a wrong method is a 405 with Allow, a
// value of the wrong type names the field and the JSON type wanted (no Go
// type name), and JSON is not HTML-escaped.
func TestAPIConventions(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			status, h, body := c.raw("POST", "/api/v1/customers/c1", "")
			if status != 405 || h.Get("Allow") != "GET, PUT, PATCH, DELETE" || !strings.Contains(string(body), `"code":"method_not_allowed"`) {
				t.Errorf("POST a customer: %d Allow %q %s, want 405 with Allow: GET, PUT, PATCH, DELETE", status, h.Get("Allow"), body)
			}
			if status, h, _ := c.raw("POST", "/api/v1/stats", "[]"); status != 405 || h.Get("Allow") != "GET" {
				t.Errorf("POST stats: %d Allow %q", status, h.Get("Allow"))
			}
			if status, _, _ := c.raw("GET", "/api/v1/nothing", ""); status != 404 {
				t.Errorf("an unknown path: %d, want 404", status)
			}
			for _, tc := range []struct{ body, want string }{
				{`{"name":42}`, `{"field":"name","reason":"want a string, not a number"}`},
				{`{"attributes":[1]}`, `{"field":"attributes","reason":"want an object, not an array"}`},
				{`{"name":"x",}`, `not valid JSON at byte`},
				{`{"colour":"red"}`, `unknown field \"colour\"`},
			} {
				_, _, body := c.raw("PUT", "/api/v1/customers/c1", tc.body)
				if !strings.Contains(string(body), tc.want) || strings.Contains(string(body), "Go ") || strings.Contains(string(body), "CustomerJSON") {
					t.Errorf("PUT %s: %s, want it to say %s in the API's words", tc.body, body, tc.want)
				}
			}
			_, _, body = c.raw("PUT", "/api/v1/customers/c2", `{"name":"Tom & Jerry <3>"}`)
			if !strings.Contains(string(body), `"name":"Tom & Jerry <3>"`) {
				t.Errorf("JSON is HTML-escaped: %s", body)
			}
		})
	}
}

// testLog writes the server's log to the test's, so that a failing test
// shows the cause of a 500.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
