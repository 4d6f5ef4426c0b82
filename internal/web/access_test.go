package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

// accessServer serves db with the route × role test's fixture: a token
// per role, and the run's id.
func accessServer(t *testing.T, db *store.DB) (string, map[string]string, int64) {
	t.Helper()
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tokens, run, _ := policyFixture(t, db)
	return ts.URL, tokens, run
}

func getJSON(t *testing.T, base, path, token, reason string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	if reason != "" {
		req.Header.Set("X-Clientele-Reason", reason)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, v
}

// An analyst sees customers under pseudonyms: the same one for the same
// token every time, another for another token, never the id; its paging
// cursors are sealed and work.
func TestPseudonyms(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			base, tokens, run := accessServer(t, b.DB)
			// A second scored customer, so that a page of one has a next.
			err := b.DB.Write(ctx, func(w *store.Writer) error {
				// Scores replaces a run's scores: both again.
				return w.Scores(ctx, run, []clientele.Score{{CustomerID: "cust-0417", ProbAlive: 0.8, DERT: 2, CLV: 5000, DERTLifetime: 4, CLVLifetime: 9000},
					{CustomerID: "cust-0999", ProbAlive: 0.5, DERT: 1, CLV: 100, DERTLifetime: 2, CLVLifetime: 200}})
			})
			if err != nil {
				t.Fatal(err)
			}
			ids := func(token string) []string {
				var out []string
				cursor := ""
				for range 4 {
					code, v := getJSON(t, base, fmt.Sprintf("/api/v1/runs/%d/scores?limit=1&cursor=%s", run, cursor), token, "")
					if code != 200 {
						t.Fatalf("scores: %d %v", code, v)
					}
					for _, it := range v["items"].([]any) {
						out = append(out, it.(map[string]any)["customer_id"].(string))
					}
					next, _ := v["next"].(string)
					if next == "" {
						return out
					}
					if token != tokens["admin"] && strings.Contains(next, "cust-") {
						t.Errorf("cursor %q shows a customer id", next)
					}
					cursor = next
				}
				t.Fatal("paging did not end")
				return nil
			}
			first, again := ids(tokens["analyst"]), ids(tokens["analyst"])
			if diff := cmp.Diff(first, again); diff != "" {
				t.Errorf("pseudonyms changed between reads (-first +again):\n%s", diff)
			}
			if len(first) != 2 || first[0] == first[1] || !strings.HasPrefix(first[0], "p_") {
				t.Errorf("pseudonyms %v", first)
			}
			other, err := b.DB.CreateServiceToken(ctx, "another analyst", "analyst")
			if err != nil {
				t.Fatal(err)
			}
			if o := ids(other); o[0] == first[0] || o[1] == first[1] {
				t.Errorf("two analysts' tokens share pseudonyms: %v and %v", first, o)
			}
			if got := ids(tokens["admin"]); !cmp.Equal(got, []string{"cust-0417", "cust-0999"}) {
				t.Errorf("admin sees %v", got)
			}
			// A cursor not sealed for it, or tampered with, is refused.
			for _, bad := range []string{"cust-0417", "s_AAAA", "s_" + strings.Repeat("A", 60)} {
				if code, v := getJSON(t, base, fmt.Sprintf("/api/v1/runs/%d/scores?cursor=%s", run, bad), tokens["analyst"], ""); code != 400 {
					t.Errorf("cursor %q: %d %v", bad, code, v)
				}
			}
		})
	}
}

// The scope of a customer manager is its segments' customers, an agent
// needs a reason; the audit log shows every read and write with the user,
// and a reason given.
func TestScopesAndAudit(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			base, tokens, _ := accessServer(t, b.DB)
			if _, err := b.DB.PutCustomer(ctx, clientele.Customer{ID: "outsider", Name: "Min Park"}); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				role, path, reason string
				want               int
			}{
				{"customer_manager", "/api/v1/customers/cust-0417/360", "", 200},
				{"customer_manager", "/api/v1/customers/outsider", "", 403},
				{"customer_manager", "/api/v1/segments/vip/members", "", 200},
				{"agent", "/api/v1/customers/cust-0417", "", 400},
				{"agent", "/api/v1/customers/cust-0417", "call 0042", 200},
				{"agent", "/api/v1/identities/email/syoon@example.net", "call 0043", 200},
				{"agent", "/api/v1/customers", "call 0044", 403},
				{"integrator", "/api/v1/identities/email/syoon@example.net", "", 200},
			}
			for _, c := range cases {
				if code, v := getJSON(t, base, c.path, tokens[c.role], c.reason); code != c.want {
					t.Errorf("%s GET %s (reason %q): %d %v, want %d", c.role, c.path, c.reason, code, v, c.want)
				}
			}
			// A customer manager may not see the members of a segment it
			// does not own.
			if _, err := b.DB.CreateSegment(ctx, clientele.Segment{Name: "other", Definition: "true"}); err != nil {
				t.Fatal(err)
			}
			if code, v := getJSON(t, base, "/api/v1/segments/other/members", tokens["customer_manager"], ""); code != 403 {
				t.Errorf("another's segment: %d %v", code, v)
			}
			// A write through the API is audited with its writer.
			req, _ := http.NewRequest("PATCH", base+"/api/v1/customers/cust-0417", strings.NewReader(`{"city":"Daegu"}`))
			req.Header.Set("Authorization", "Bearer "+tokens["integrator"])
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("patch: %v %v", resp.StatusCode, err)
			}
			resp.Body.Close()

			code, v := getJSON(t, base, "/api/v1/audit?customer=cust-0417", tokens["cco"], "")
			if code != 200 {
				t.Fatalf("audit: %d %v", code, v)
			}
			var got []string
			for _, it := range v["items"].([]any) {
				e := it.(map[string]any)
				got = append(got, fmt.Sprintf("%s %s %s %v", e["user"], e["action"], e["route"], e["reason"]))
			}
			want := []string{
				"token:test integrator write PATCH /api/v1/customers/{id} <nil>",
				"token:test integrator read GET /api/v1/identities/{kind}/{value} <nil>",
				"u-agent read GET /api/v1/identities/{kind}/{value} call 0043",
				"u-agent read GET /api/v1/customers/{id} call 0042",
				"u-customer_manager read GET /api/v1/customers/{id}/360 <nil>",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("audit of cust-0417, newest first (-want +got):\n%s", diff)
			}
			// The refused reads left no entry; the segment read left one
			// for the segment.
			_, v = getJSON(t, base, "/api/v1/audit?user=u-customer_manager", tokens["admin"], "")
			var subjects []string
			for _, it := range v["items"].([]any) {
				e := it.(map[string]any)
				subjects = append(subjects, fmt.Sprint(e["customer_id"], "|", e["subject"]))
			}
			if diff := cmp.Diff([]string{"<nil>|segment vip", "cust-0417|<nil>"}, subjects); diff != "" {
				t.Errorf("the customer manager's entries (-want +got):\n%s", diff)
			}
			// Paging: one at a time, the same entries.
			var paged []string
			cursor := ""
			for range 10 {
				_, v := getJSON(t, base, "/api/v1/audit?customer=cust-0417&limit=1&cursor="+cursor, tokens["admin"], "")
				for _, it := range v["items"].([]any) {
					e := it.(map[string]any)
					paged = append(paged, fmt.Sprintf("%s %s %s %v", e["user"], e["action"], e["route"], e["reason"]))
				}
				if cursor, _ = v["next"].(string); cursor == "" {
					break
				}
			}
			if diff := cmp.Diff(want, paged); diff != "" {
				t.Errorf("paged (-want +got):\n%s", diff)
			}
		})
	}
}

// A revoked token and a disabled user's token stop working at once.
func TestRevocationActsAtOnce(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			base, tokens, _ := accessServer(t, b.DB)
			if code, _ := getJSON(t, base, "/api/v1/stats", tokens["analyst"], ""); code != 200 {
				t.Fatalf("before: %d", code)
			}
			if err := b.DB.SetDisabled(ctx, "u-analyst", true); err != nil {
				t.Fatal(err)
			}
			if code, v := getJSON(t, base, "/api/v1/stats", tokens["analyst"], ""); code != 401 {
				t.Errorf("disabled user: %d %v", code, v)
			}
			toks, err := b.DB.Tokens(ctx)
			if err != nil {
				t.Fatal(err)
			}
			getJSON(t, base, "/api/v1/stats", tokens["cco"], "")
			for _, tk := range toks {
				if tk.UserName == "u-cco" {
					if err := b.DB.RevokeToken(ctx, tk.ID); err != nil {
						t.Fatal(err)
					}
				}
			}
			if code, v := getJSON(t, base, "/api/v1/stats", tokens["cco"], ""); code != 401 {
				t.Errorf("revoked token: %d %v", code, v)
			}
		})
	}
}

// A brand manager with brands in its scopes sees its brands' products in
// the profitability report, and the migration report only of a category
// that holds one of its brands.
func TestBrandScopes(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			base, _, _ := accessServer(t, b.DB)
			token := func(name string, scopes ...string) string {
				if _, err := b.DB.CreateUser(ctx, clientele.User{Name: name, Role: "brand_manager", Scopes: scopes}, ""); err != nil {
					t.Fatal(err)
				}
				tok, err := b.DB.CreateUserToken(ctx, "t", name)
				if err != nil {
					t.Fatal(err)
				}
				return tok
			}
			airy, other := token("airy-bm", "Airy"), token("other-bm", "Nope")
			_, v := getJSON(t, base, "/api/v1/reports/profitability", airy, "")
			var brands []string
			for _, p := range v["products"].([]any) {
				brands = append(brands, p.(map[string]any)["brand"].(string))
			}
			if diff := cmp.Diff([]string{"Airy"}, brands); diff != "" {
				t.Errorf("products of Airy's brand manager (-want +got):\n%s", diff)
			}
			if code, v := getJSON(t, base, "/api/v1/reports/migration?category=snacks", airy, ""); code != 200 {
				t.Errorf("migration of a category with its brand: %d %v", code, v)
			}
			if code, v := getJSON(t, base, "/api/v1/reports/migration?category=snacks", other, ""); code != 403 {
				t.Errorf("migration of a category without its brands: %d %v", code, v)
			}
			if code, _ := getJSON(t, base, "/api/v1/reports/migration/charts/transitions?category=snacks", other, ""); code != 403 {
				t.Errorf("its chart: %d", code)
			}
		})
	}
}
