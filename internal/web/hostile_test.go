package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// The inputs the access system added — a reason, consent statements,
// information items and their ratings, the audit log's filters — refuse
// what is too long, too large, out of range, NUL, invalid UTF-8 or of the
// wrong type with a 400 (415 for a body not sent as JSON) that names the
// field, on both backends, and store nothing of it.
func TestHostileAccessInput(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			base, tokens, _, item := accessServerWithItem(t, b.DB)
			rate := fmt.Sprintf("/api/v1/items/%d/rating", item)
			long := strings.Repeat("x", 257)
			cases := []struct {
				role, method, path, body, header, want string
				code                                   int
			}{
				{"agent", "GET", "/api/v1/customers/cust-0417", "", long, "reason", 400},
				{"agent", "GET", "/api/v1/customers/cust-0417?reason=%ff", "", "", "reason", 400},
				{"agent", "GET", "/api/v1/customers/cust-0417?reason=a%00b", "", "", "reason", 400},
				{"agent", "GET", "/api/v1/customers/cust-0417?reason=" + strings.Repeat("y", 300), "", "", "reason", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/telepathy", `{"status":"granted"}`, "call 1", "purpose", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":"maybe"}`, "call 1", "status", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":"granted","source":"` + long + `"}`, "call 1", "source", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":"granted","source":"a\u0000b"}`, "call 1", "source", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":"granted","at":"yesterday"}`, "call 1", "at", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":"granted","at":"9999-01-01T00:00:00Z"}`, "call 1", "at", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":"granted","colour":"red"}`, "call 1", "colour", 400},
				{"agent", "PUT", "/api/v1/customers/cust-0417/consent/email_marketing", `{"status":["granted"]}`, "call 1", "status", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"gossip","text":"t"}`, "call 1", "kind", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"   "}`, "call 1", "text", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"` + strings.Repeat("z", 8193) + `"}`, "call 1", "text", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"a\u0000b"}`, "call 1", "text", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"` + "\xff\xfe" + `"}`, "call 1", `"field":"body","reason":"is not valid UTF-8"`, 400},
				{"admin", "PUT", "/api/v1/customers/cust-0417", `{"name":"` + "Seo\xc3" + `"}`, "", `"field":"body","reason":"is not valid UTF-8"`, 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"t","tags":[` + strings.Repeat(`"a",`, 20) + `"a"]}`, "call 1", "tags", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"t","tags":["` + strings.Repeat("q", 65) + `"]}`, "call 1", "tags", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"t","tags":[[[["deep"]]]]}`, "call 1", "tags", 400},
				{"agent", "POST", "/api/v1/customers/cust-0417/items", `{"kind":"call_note","text":"` + strings.Repeat("w", 17<<20) + `"}`, "call 1", "body", 400},
				{"customer_manager", "POST", "/api/v1/segments/vip/items", `{"kind":"insight","text":"t"}` + "\n" + `{}`, "", "body", 400},
				{"customer_manager", "PUT", rate, `{"rating":0}`, "", "rating", 400},
				{"customer_manager", "PUT", rate, `{"rating":6}`, "", "rating", 400},
				{"customer_manager", "PUT", rate, `{"rating":-1}`, "", "rating", 400},
				{"customer_manager", "PUT", rate, `{"rating":4.5}`, "", "rating", 400},
				{"customer_manager", "PUT", rate, `{"rating":1e30}`, "", "rating", 400},
				{"customer_manager", "PUT", rate, `{"rating":"5"}`, "", "rating", 400},
				{"customer_manager", "PUT", "/api/v1/items/0/rating", `{"rating":5}`, "", "id", 400},
				{"customer_manager", "PUT", "/api/v1/items/99999999999999999999/rating", `{"rating":5}`, "", "id", 400},
				{"cco", "GET", "/api/v1/audit?since=2024-13-01", "", "", "since", 400},
				{"cco", "GET", "/api/v1/audit?limit=0", "", "", "limit", 400},
				{"cco", "GET", "/api/v1/audit?limit=100000", "", "", "limit", 400},
				{"cco", "GET", "/api/v1/audit?cursor=1.2", "", "", "cursor", 400},
				{"cco", "GET", "/api/v1/audit?cursor=9223372036854775808.0.0", "", "", "cursor", 400},
				{"cco", "GET", "/api/v1/audit?customer=%00", "", "", "customer", 400},
				{"cco", "GET", "/api/v1/reports/sharing?from=2024-02-30", "", "", "from", 400},
			}
			before := countRows(t, b.DB)
			for _, c := range cases {
				req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
				req.Header.Set("Authorization", "Bearer "+tokens[c.role])
				if c.header != "" {
					req.Header.Set("X-Clientele-Reason", c.header)
				}
				if c.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body strings.Builder
				buf := make([]byte, 4096)
				n, _ := resp.Body.Read(buf)
				body.Write(buf[:n])
				resp.Body.Close()
				if resp.StatusCode != c.code || !strings.Contains(body.String(), c.want) {
					t.Errorf("%s %s %.80s: %d %.300s, want %d naming %s", c.method, c.path, c.body, resp.StatusCode, body.String(), c.code, c.want)
				}
			}
			if after := countRows(t, b.DB); after != before {
				t.Errorf("refused input changed the database: %v, then %v", before, after)
			}
			// Free text keeps its lines.
			req, _ := http.NewRequest("POST", base+"/api/v1/customers/cust-0417/items", strings.NewReader(`{"kind":"call_note","text":"Line one\nline two\ttabbed"}`))
			req.Header.Set("Authorization", "Bearer "+tokens["agent"])
			req.Header.Set("X-Clientele-Reason", "call 2")
			req.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
				t.Errorf("a note of two lines: %v %v", resp.StatusCode, err)
			}
			items, err := b.DB.Items(ctx, store.ItemFilter{CustomerID: "cust-0417"})
			if err != nil || items[0].Text != "Line one\nline two\ttabbed" {
				t.Errorf("stored text: %v %v", items, err)
			}
		})
	}
}

// accessServerWithItem is accessServer with the id of the fixture's
// information item on segment vip.
func accessServerWithItem(t *testing.T, db *store.DB) (string, map[string]string, int64, int64) {
	t.Helper()
	base, tokens, run := accessServer(t, db)
	items, err := db.Items(context.Background(), store.ItemFilter{Segment: "vip"})
	if err != nil || len(items) == 0 {
		t.Fatal(items, err)
	}
	return base, tokens, run, items[0].ID
}

// countRows counts the rows of the tables the refused inputs would write.
func countRows(t *testing.T, db *store.DB) [3]int {
	t.Helper()
	ctx := context.Background()
	var out [3]int
	for i, f := range []store.ItemFilter{{CustomerID: "cust-0417", Limit: 1000}, {Segment: "vip", Limit: 1000}} {
		items, err := db.Items(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = len(items)
		for _, it := range items {
			out[2] += it.Ratings
		}
	}
	hist, err := db.ConsentHistory(ctx, "cust-0417")
	if err != nil {
		t.Fatal(err)
	}
	out[2] += 1000 * len(hist)
	return out
}
