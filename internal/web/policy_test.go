package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"clientele"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

// who may call each route, written out here apart from the route table, so
// that neither a route added without a decision nor a policy changed by
// mistake goes unnoticed.
var wantPolicy = map[string][]string{
	"GET /healthz":                                clientele.Roles,
	"GET /metrics":                                clientele.Roles,
	"GET /api/v1/openapi.json":                    clientele.Roles,
	"GET /api/v1/stats":                           {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/customers":                       {"admin", "cco"},
	"GET /api/v1/customers/{id}":                  {"admin", "cco", "agent"},
	"PUT /api/v1/customers/{id}":                  {"admin", "cco", "integrator"},
	"PATCH /api/v1/customers/{id}":                {"admin", "cco", "integrator"},
	"GET /api/v1/customers/{id}/360":              {"admin", "cco", "agent"},
	"GET /api/v1/customers/{id}/transactions":     {"admin", "cco", "agent"},
	"GET /api/v1/identities/{kind}/{value}":       {"admin", "cco", "agent"},
	"POST /api/v1/transactions":                   {"admin", "integrator"},
	"POST /api/v1/events":                         {"admin", "integrator"},
	"GET /api/v1/segments":                        {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/segments/{name}/members":         {"admin", "cco"},
	"POST /v1/batch":                              {"admin", "integrator"},
	"POST /v1/track":                              {"admin", "integrator"},
	"POST /v1/identify":                           {"admin", "integrator"},
	"POST /v1/alias":                              {"admin", "integrator"},
	"POST /v1/page":                               {"admin", "integrator"},
	"POST /v1/screen":                             {"admin", "integrator"},
	"POST /v1/group":                              {"admin", "integrator"},
	"GET /api/v1/runs":                            {"admin", "cco", "analyst"},
	"GET /api/v1/runs/{id}":                       {"admin", "cco", "analyst"},
	"GET /api/v1/runs/{id}/scores":                {"admin", "cco"},
	"GET /api/v1/reports/equity":                  {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/segments":                {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/profitability":           {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/migration":               {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/switching":               {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/switching-surveys":               {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"GET /api/v1/reports/{report}/charts/{chart}": {"admin", "cco", "customer_manager", "brand_manager", "analyst"},
	"POST /api/v1/sessions":                       clientele.Roles, // signing in: no credentials
	"DELETE /api/v1/sessions":                     {"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"},
}

// Every route × every role: a role the route does not admit gets a JSON
// 403 naming the role, before the handler runs; a role it admits gets past
// the authorisation layer (whatever the handler then answers to the probe).
func TestRoutePolicies(t *testing.T) {
	db := storetest.Open(t)[0].DB
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	for route := range srv.Policies() {
		if _, ok := wantPolicy[route]; !ok {
			t.Errorf("route %s has no expected policy in this test: decide who may call it", route)
		}
	}
	tokens := map[string]string{}
	for _, role := range clientele.Roles {
		tok, err := db.CreateServiceToken(context.Background(), "test "+role, role)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = tok
	}
	fill := strings.NewReplacer("{id}", "c1", "{kind}", "email", "{value}", "a@b.c", "{name}", "vip", "{report}", "equity", "{chart}", "equity")
	for route, allowed := range wantPolicy {
		method, pattern, _ := strings.Cut(route, " ")
		for _, role := range clientele.Roles {
			req, err := http.NewRequest(method, ts.URL+fill.Replace(pattern), strings.NewReader("{}"))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", "Bearer "+tokens[role])
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			forbidden := resp.StatusCode == http.StatusForbidden
			if want := !slices.Contains(allowed, role); forbidden != want {
				t.Errorf("%s as %s: %d %s (want forbidden: %v)", route, role, resp.StatusCode, body, want)
			}
			if forbidden && (!strings.Contains(string(body), `"code":"forbidden"`) || !strings.Contains(string(body), "role "+role)) {
				t.Errorf("%s as %s: 403 body %s", route, role, body)
			}
			if resp.StatusCode == http.StatusUnauthorized && !slices.Contains(srv.PublicRoutes(), route) { // signing in with {} is a 401
				t.Errorf("%s as %s: 401 with a valid token", route, role)
			}
		}
	}
}
