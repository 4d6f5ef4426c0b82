package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store/storetest"
)

// Colleagues store items, read each other's and rate them (a second
// rating replaces the first); the sharing report counts, per department,
// what was stored and retrieved, who read whose, and the ratings.
func TestInformationSharing(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			base, tokens, _ := accessServer(t, b.DB)
			// One more person, of market research.
			if _, err := b.DB.CreateUser(ctx, clientele.User{Name: "dahye", Role: "analyst", Department: "market research"}, ""); err != nil {
				t.Fatal(err)
			}
			research, err := b.DB.CreateUserToken(ctx, "t", "dahye")
			if err != nil {
				t.Fatal(err)
			}
			// The fixture's users are all of customer management; the agent
			// and the brand manager move to their departments.
			for name, dept := range map[string]string{"u-agent": "customer service", "u-brand_manager": "brand management"} {
				if err := b.DB.SetDepartment(ctx, name, dept); err != nil {
					t.Fatal(err)
				}
			}
			call := func(method, path, token, body string) map[string]any {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("X-Clientele-Reason", "call 0007")
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				var v map[string]any
				json.Unmarshal(raw, &v)
				if resp.StatusCode >= 300 {
					t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
				}
				return v
			}
			// The fixture has two items of the customer manager's (one on the
			// customer, one on vip); two more here.
			call("POST", "/api/v1/customers/cust-0417/items", tokens["agent"], `{"kind":"call_note","text":"Wants paper statements","tags":["statements"]}`)
			res := call("POST", "/api/v1/segments/vip/items", research, `{"kind":"research","text":"VIPs rate the lounge 4.6 of 5"}`)
			if res["author"] != "dahye" || res["department"] != "market research" {
				t.Errorf("created %v", res)
			}
			got := call("GET", "/api/v1/segments/vip/items", tokens["agent"], "")
			if n := len(got["items"].([]any)); n != 2 {
				t.Fatalf("vip's items: %d", n)
			}
			call("GET", "/api/v1/segments/vip/items", tokens["brand_manager"], "")
			call("GET", "/api/v1/customers/cust-0417/items", tokens["customer_manager"], "")
			var vipItem float64
			for _, it := range got["items"].([]any) {
				if it.(map[string]any)["author"] == "u-customer_manager" {
					vipItem = it.(map[string]any)["id"].(float64)
				}
			}
			path := fmt.Sprintf("/api/v1/items/%d/rating", int64(vipItem))
			call("PUT", path, tokens["brand_manager"], `{"rating":3}`)
			call("PUT", path, tokens["brand_manager"], `{"rating":5}`)
			rated := call("PUT", path, tokens["agent"], `{"rating":4}`)
			if rated["ratings"] != 2.0 || rated["mean_rating"] != 4.5 {
				t.Errorf("after three ratings by two people: %v", rated)
			}

			rep := call("GET", "/api/v1/reports/sharing", tokens["cco"], "")
			type dept struct {
				Name      string
				Stored    float64
				Retrieved float64
			}
			var depts []dept
			for _, d := range rep["departments"].([]any) {
				m := d.(map[string]any)
				depts = append(depts, dept{m["name"].(string), m["stored"].(float64), m["retrieved"].(float64)})
			}
			want := []dept{{"customer management", 2, 2}, {"customer service", 1, 2}, {"brand management", 0, 2}, {"market research", 1, 0}}
			if diff := cmp.Diff(want, depts); diff != "" {
				t.Errorf("departments (-want +got):\n%s", diff)
			}
			flow := rep["flow"].(map[string]any)
			names := flow["departments"].([]any)
			counts := flow["counts"].([]any)
			cell := func(reader, author string) float64 {
				for i, r := range names {
					for j, a := range names {
						if r == reader && a == author {
							return counts[i].([]any)[j].(float64)
						}
					}
				}
				return -1
			}
			for _, c := range []struct {
				reader, author string
				want           float64
			}{{"customer service", "customer management", 1}, {"customer service", "market research", 1}, {"brand management", "market research", 1},
				{"customer management", "customer service", 1}, {"market research", "customer management", 0}} {
				if got := cell(c.reader, c.author); got != c.want {
					t.Errorf("flow %s → %s: %v, want %v", c.reader, c.author, got, c.want)
				}
			}
			// The chart draws.
			req, _ := http.NewRequest("GET", base+"/api/v1/reports/sharing/charts/flow", nil)
			req.Header.Set("Authorization", "Bearer "+tokens["cco"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/svg+xml" {
				t.Errorf("flow chart: %v %v", resp.StatusCode, err)
			}
			resp.Body.Close()
			// A rating out of range, and an item the caller may not see.
			req, _ = http.NewRequest("PUT", base+path, strings.NewReader(`{"rating":6}`))
			req.Header.Set("Authorization", "Bearer "+tokens["agent"])
			req.Header.Set("Content-Type", "application/json")
			if resp, _ := http.DefaultClient.Do(req); resp.StatusCode != 400 {
				t.Errorf("rating 6: %d", resp.StatusCode)
			}
		})
	}
}
