package web_test

import (
	"context"
	"strings"
	"testing"

	"clientele"
	"clientele/internal/store/storetest"
)

// The engine's inputs — triggers, offers, responses, the contact policy,
// webhooks and the reports' parameters — refuse what is too long, too
// large, out of range, NUL, invalid UTF-8, too deep or of the wrong type
// with a 400 naming the field, on both backends, and store nothing of it
// (the engine's version, raised by every stored change, stays).
func TestHostileEngineInput(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, ctx := b.DB, context.Background()
			_, base, tok := playbookServer(t, db)
			integ, err := db.CreateServiceToken(ctx, "shop", "integrator")
			if err != nil {
				t.Fatal(err)
			}
			before, err := db.EngineVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			trig := func(extra string) string {
				return `{"on":["transaction"],"when":"true","then":["toys-coupon"]` + extra + `}`
			}
			offer := func(extra string) string { return `{"name":"x","class":"sales","channel":"email"` + extra + `}` }
			long := strings.Repeat("x", 5000)
			cases := []struct {
				token, method, path, body, want string
			}{
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"` + long + `","then":["toys-coupon"]}`, "when"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"description":"a\u0000b"`), "description"},
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"true\u0000","then":["toys-coupon"]}`, "when"},
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"` + "tr\xffue" + `","then":["toys-coupon"]}`, `"field":"body","reason":"is not valid UTF-8"`},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"holdout":1`), "holdout"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"holdout":-0.1`), "holdout"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"weight":1e300`), "weight"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"cooldown":"99999999999d"`), "cooldown"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"cooldown":"30x"`), "cooldown"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"once_per_customer":true,"cooldown":"30d"`), "cooldown"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"on":["events:x"]`), "on[0]"},
				{tok, "PUT", "/api/v1/triggers/t", trig(`,"max_age":[[["deep"]]]`), "max_age"},
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"true","then":["` + strings.Repeat("c", 200) + `"]}`, "then[0]"},
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"true","then":` + `["a","b","c","d","e","f","g","h","i","j","k","l","m","n","o","p","q","r","s","t","u"]}`, "then"},
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"count(\"a\", \"401d\") > 1","then":["toys-coupon"]}`, "400 days"},
				{tok, "PUT", "/api/v1/triggers/t", `{"when":"` + strings.Repeat("w", 17<<20) + `"}`, "body"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"value":1e16`), "value"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"value":-1`), "value"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"lever":-1`), "lever"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"class":"bribe"`), "class"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"channel":"pigeon"`), "channel"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"brand":"a\u0000"`), "brand"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"eligible":"customer.age >"`), "line 1, column"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"prior_mean":1`), "prior_mean"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"valid_from":"2027-01-01T00:00:00Z","valid_until":"2026-01-01T00:00:00Z"`), "valid_until"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"suppress_sales":"30d"`), "suppress_sales"},
				{tok, "PUT", "/api/v1/offers/o", offer(`,"class":"migration","from":"A","to":"A"`), "to"},
				{tok, "PUT", "/api/v1/offers/" + strings.Repeat("o", 200), offer(""), "code"},
				{tok, "PUT", "/api/v1/contact-policy", `{"per_7_days":-1,"per_30_days":4,"max_offers_per_message":3}`, "per_7_days"},
				{tok, "PUT", "/api/v1/contact-policy", `{"per_7_days":2,"per_30_days":4,"max_offers_per_message":0}`, "max_offers_per_message"},
				{tok, "PUT", "/api/v1/contact-policy", `{"per_7_days":1e12,"per_30_days":4,"max_offers_per_message":3}`, "per_7_days"},
				{tok, "PUT", "/api/v1/webhooks/email", `{"url":"https://example.com/a\u0000b"}`, "url"},
				{tok, "PUT", "/api/v1/webhooks/email", `{"url":"https:///nohost"}`, "url"},
				{tok, "PUT", "/api/v1/webhooks/email", `{"url":"https://example.com/` + long + `"}`, "url"},
				{tok, "PUT", "/api/v1/webhooks/email", `{"url":"https://example.com/","secret":"whsec_c2hvcnQ="}`, "secret"},
				{tok, "PUT", "/api/v1/webhooks/fax", `{"url":"https://example.com/"}`, "channel"},
				{integ, "POST", "/api/v1/responses", `[{"decision_id":1,"offer":"a\u0000b","response":"redeemed"}]`, "offer"},
				{integ, "POST", "/api/v1/responses", `[{"decision_id":1,"offer":"` + strings.Repeat("o", 200) + `","response":"redeemed"}]`, "offer"},
				{integ, "POST", "/api/v1/responses", `[{"decision_id":-1,"offer":"a","response":"redeemed"}]`, "decision_id"},
				{integ, "POST", "/api/v1/responses", `[{"decision_id":1e30,"offer":"a","response":"redeemed"}]`, "invalid response"},
				{integ, "POST", "/api/v1/responses", `[{"decision_id":1,"offer":"a","response":"redeemed","at":"9999-01-01T00:00:00Z"}]`, "at"},
				{integ, "POST", "/api/v1/responses", `[` + strings.Repeat(`{},`, 1000) + `{}]`, "1000"},
				{tok, "GET", "/api/v1/reports/uplift?trigger=first-diapers&window_days=401", "", "window_days"},
				{tok, "GET", "/api/v1/reports/uplift?trigger=first-diapers&from=2026-13-01", "", "from"},
				{tok, "POST", "/api/v1/triggers/first-diapers/dry-run?days=0", "", "days"},
				{tok, "GET", "/api/v1/customers/x/decisions?limit=100000", "", "limit"},
			}
			for _, c := range cases {
				cl := client{t: t, url: base, token: c.token}
				code, _, body := cl.raw(c.method, c.path, c.body)
				got := string(body)
				if c.method == "POST" && strings.HasSuffix(c.path, "/responses") && code == 200 {
					// A batch refuses the item, by index, and records nothing.
					if !strings.Contains(got, `"created":0`) || !strings.Contains(got, c.want) {
						t.Errorf("%s %s %.80s: %d %s", c.method, c.path, c.body, code, got)
					}
					continue
				}
				if code != 400 || !strings.Contains(got, c.want) {
					t.Errorf("%s %.70s %.80s: %d %.300s (want 400 naming %q)", c.method, c.path, c.body, code, got, c.want)
				}
			}
			after, err := db.EngineVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before {
				t.Errorf("refused input changed the engine: version %d → %d", before, after)
			}
			if _, err := db.Trigger(ctx, "t"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("a refused trigger was stored: %v", err)
			}
		})
	}
}
