package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// form posts values to path as the holder of token, without following a
// redirect.
func form(t *testing.T, base, token, path string, values url.Values) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest("POST", base+path, strings.NewReader(values.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// The dashboard's forms, on both backends, with what a hostile browser
// sends: the competitors (refused whole, with the line named), the
// language (one the pages are written in; the way back stays on this
// site), a note and a rating (the store's checks), the token form.
func TestDashboardForms(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			tokens, _, item := policyFixture(t, b.DB)
			itemID := strconv.FormatInt(item, 10)
			cco := tokens["cco"]
			for _, tc := range []struct {
				path   string
				values url.Values
				code   int
				where  string // the redirect's target, or a text of the error page
			}{
				{"/overview/competitors", url.Values{"competitors": {"Rival Mart=1200000\n\nOther=5"}}, 303, "/overview#competitors"},
				{"/overview/competitors", url.Values{"competitors": {"Fine=1\nno equals sign"}}, 400, "line 2"},
				{"/overview/competitors", url.Values{"competitors": {"Neg=-5"}}, 400, "line 1"},
				{"/overview/competitors", url.Values{"competitors": {"=5"}}, 400, "line 1"},
				{"/settings/language", url.Values{"lang": {"ko"}, "back": {"/segments"}}, 303, "/segments"},
				{"/settings/language", url.Values{"lang": {"ko"}, "back": {"//evil.example/"}}, 303, "/"},
				{"/settings/language", url.Values{"lang": {"ko"}, "back": {"https://evil.example/"}}, 303, "/"},
				{"/settings/language", url.Values{"lang": {"ko"}, "back": {"/\\evil.example"}}, 303, "/"},
				{"/settings/language", url.Values{"lang": {"fr"}}, 400, "must be one of en, ko"},
				{"/settings/language", url.Values{"lang": {"ko-KR"}}, 400, "must be one of en, ko"},
				{"/customers/cust-0417/notes", url.Values{"kind": {"call_note"}, "text": {"Prefers e-mail."}}, 303, "/customers/cust-0417#notes"},
				{"/customers/cust-0417/notes", url.Values{"kind": {"gossip"}, "text": {"x"}}, 400, "kind"},
				{"/customers/cust-0417/notes", url.Values{"kind": {"call_note"}, "text": {""}}, 400, "text"},
				{"/customers/nobody/notes", url.Values{"kind": {"call_note"}, "text": {"x"}}, 404, "nobody"},
				{"/items/" + itemID + "/rating", url.Values{"rating": {"5"}, "back": {"/sharing"}}, 303, "/sharing"},
				{"/items/" + itemID + "/rating", url.Values{"rating": {"9"}}, 400, "rating"},
				{"/items/" + itemID + "/rating", url.Values{"rating": {"five"}}, 400, "rating"},
				{"/items/0/rating", url.Values{"rating": {"3"}}, 400, "id"},
			} {
				code, loc, body := form(t, c.url, cco, tc.path, tc.values)
				if code != tc.code || (code == 303 && loc != tc.where) || (code != 303 && !strings.Contains(body, tc.where)) {
					t.Errorf("POST %s %v: %d → %q %s", tc.path, tc.values, code, loc, body)
				}
			}
			// The brands page builds the migration of a category the
			// products have, no other.
			if code, body := send(t, c.url, "GET", "/brands?category=snacks", "", cco); code != 200 || !strings.Contains(body, "Crunchy") {
				t.Errorf("brands of snacks: %d %s", code, body)
			}
			if code, body := send(t, c.url, "GET", "/brands?category=no-such-thing", "", cco); code != 400 || !strings.Contains(body, "snacks") {
				t.Errorf("brands of an unknown category: %d %s", code, body)
			}
			// The competitors stored are the first form's, not the refused.
			code, body := send(t, c.url, "GET", "/api/v1/competitors", "", cco)
			if code != 200 || !strings.Contains(body, `"Rival Mart":1200000`) || !strings.Contains(body, `"Other":5`) || strings.Contains(body, "Fine") {
				t.Errorf("competitors: %d %s", code, body)
			}
			// A form sent as JSON is refused, and so is one without the
			// session's CSRF token (TestLoginForm); a token's secret is
			// shown once on the page that created it.
			if code, body := send(t, c.url, "POST", "/overview/competitors", `{"competitors":"x=1"}`, cco); code != http.StatusUnsupportedMediaType {
				t.Errorf("competitors as JSON: %d %s", code, body)
			}
			code, _, page := form(t, c.url, tokens["admin"], "/admin/tokens", url.Values{"name": {"crm sync"}, "role": {"integrator"}})
			if code != 200 || !strings.Contains(page, `class="secret">clt_`) {
				t.Errorf("create a token: %d %s", code, page)
			}
			if code, _, page := form(t, c.url, tokens["admin"], "/admin/tokens", url.Values{"name": {"x"}, "role": {"emperor"}}); code != 400 {
				t.Errorf("a token with no such role: %d %s", code, page)
			}
			if code, loc, _ := form(t, c.url, tokens["admin"], "/admin/tokens/revoke", url.Values{"id": {"1"}}); code != 303 || loc != "/admin" {
				t.Errorf("revoke: %d %q", code, loc)
			}
			if code, _, _ := form(t, c.url, tokens["admin"], "/admin/tokens/revoke", url.Values{"id": {"-1"}}); code != 400 {
				t.Errorf("revoke -1: %d", code)
			}
		})
	}
}

// What the pages' query parameters and the competitors' API get from a
// hostile caller, on both backends: too long, NUL, invalid UTF-8, out of
// range, unknown; a page answers with an error page, never a 500, and
// nothing is stored.
func TestDashboardHostileInput(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			tokens, _, _ := policyFixture(t, b.DB)
			cco := tokens["cco"]
			for _, tc := range []struct {
				path string
				code int
			}{
				{"/customers?q=" + strings.Repeat("a", 257), 400},
				{"/customers?q=a%00b", 400},
				{"/customers?q=%ff%fe", 400},
				{"/customers?q=" + url.QueryEscape("' OR 1=1 --"), 200},
				{"/overview?csv=nope", 404},
				{"/overview?csv=" + strings.Repeat("x", 5000), 404},
				{"/models?run=abc", 400},
				{"/models?run=-1", 400},
				{"/models?run=99999999999999999999", 400},
				{"/models?run=424242", 404},
				{"/brands?category=" + strings.Repeat("c", 300), 400},
				{"/brands?category=%00", 400},
				{"/segments/" + strings.Repeat("s", 300), 404},
				{"/customers/" + strings.Repeat("i", 300), 404},
				{"/audit?since=yesterday", 400},
				{"/sharing?from=2026-13-45", 400},
				{"/brands?survey=nope&brand=A&driver=value&delta=NaN", 200},
			} {
				code, body := send(t, c.url, "GET", tc.path, "", cco)
				if code != tc.code || code >= 500 {
					t.Errorf("GET %.80s: %d %.300s", tc.path, code, body)
				}
			}
			long := strings.Repeat("n", 101)
			for _, tc := range []struct{ body, field string }{
				{`{"competitors": {"` + long + `": 1}}`, "competitor"},
				{`{"competitors": {"a": -1}}`, "competitor a"},
				{`{"competitors": {"a": 1e400}}`, "body"},
				{`{"competitors": {"a\u0000b": 1}}`, "competitor"},
				{`{"competitors": {"a": "1"}}`, "body"},
				{`{"competitors": [1, 2]}`, "body"},
				{`{"competitors": null}`, "competitors"},
				{"{\"competitors\": {\"\xff\": 1}}", "body"},
				{strings.Repeat(`{"competitors":`, 10000) + "{}" + strings.Repeat("}", 10000), "body"},
			} {
				code, body := send(t, c.url, "PUT", "/api/v1/competitors", tc.body, cco)
				if code != 400 || !strings.Contains(body, tc.field) {
					t.Errorf("PUT competitors %.60q: %d %.300s", tc.body, code, body)
				}
			}
			many := map[string]float64{}
			for i := range 51 {
				many["c"+strconv.Itoa(i)] = 1
			}
			mb, _ := json.Marshal(map[string]any{"competitors": many})
			if code, body := send(t, c.url, "PUT", "/api/v1/competitors", string(mb), cco); code != 400 || !strings.Contains(body, "at most 50") {
				t.Errorf("51 competitors: %d %.300s", code, body)
			}
			if code, body := send(t, c.url, "GET", "/api/v1/competitors", "", cco); code != 200 || body != "{\"competitors\":{}}\n" {
				t.Errorf("after the refused writes: %d %q", code, body)
			}
		})
	}
}

// A customer manager's search looks among its own customers: with more
// than a page of customers matching, ahead of its own in id order, it
// still finds its own, and none of the others.
func TestManagerSearchFindsItsCustomers(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			tokens, _, _ := policyFixture(t, b.DB)
			var others []clientele.Customer
			for i := range 60 {
				others = append(others, clientele.Customer{ID: fmt.Sprintf("aaa-%02d", i), Name: fmt.Sprintf("Seo Other %02d", i)})
			}
			if err := b.DB.Write(t.Context(), func(w *store.Writer) error { _, err := w.Customers(t.Context(), others); return err }); err != nil {
				t.Fatal(err)
			}
			code, body := send(t, c.url, "GET", "/customers?q=seo", "", tokens["customer_manager"])
			if code != 200 || !strings.Contains(body, "cust-0417") || strings.Contains(body, "aaa-0") {
				t.Errorf("customer manager's search: %d, own customer shown %v, others shown %v", code, strings.Contains(body, "cust-0417"), strings.Contains(body, "aaa-0"))
			}
			// The CCO sees the first page of every match.
			code, body = send(t, c.url, "GET", "/customers?q=seo", "", tokens["cco"])
			if code != 200 || !strings.Contains(body, "aaa-00") {
				t.Errorf("cco's search: %d, %v", code, strings.Contains(body, "aaa-00"))
			}
		})
	}
}
