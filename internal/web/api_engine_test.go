package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store/storetest"
)

// The engine through the API, on both backends: the playbook's first
// diaper purchase, posted by an integrator, comes back with its decision
// in the same request's transaction; a bad trigger is refused with its
// position; a customer manager manages its segments' triggers only; a
// response is recorded once for an offer made and refused otherwise; a
// webhook's secret is shown once; the uplift report answers.
func TestEngineAPI(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			db, ctx := b.DB, context.Background()
			_, base, admin := playbookServer(t, db)
			integ, err := db.CreateServiceToken(ctx, "shop", "integrator")
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range []string{"yuna", "minho"} {
				if _, err := db.CreateUser(ctx, clientele.User{Name: name, Role: "customer_manager"}, ""); err != nil {
					t.Fatal(err)
				}
			}
			cmTok, err := db.CreateUserToken(ctx, "yuna", "yuna")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateSegment(ctx, clientele.Segment{Name: "new-parents", Definition: "true", Owner: "yuna"}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateSegment(ctx, clientele.Segment{Name: "affluent", Definition: "true", Owner: "minho"}); err != nil {
				t.Fatal(err)
			}
			c := client{t: t, url: base, token: admin}
			in := client{t: t, url: base, token: integ}
			cm := client{t: t, url: base, token: cmTok}

			trig, err := db.Trigger(ctx, "first-diapers")
			if err != nil {
				t.Fatal(err)
			}
			id := ""
			for i := 0; id == ""; i++ {
				if cand := fmt.Sprintf("mum-%d", i); !rules.HeldOut(cand, trig.ID, trig.Holdout) {
					id = cand
				}
			}
			if code, res := c.do("PUT", "/api/v1/customers/"+id, `{"name":"Mina Park"}`); code/100 != 2 {
				t.Fatalf("put customer: %d %v", code, res)
			}
			if code, res := c.do("PUT", "/api/v1/customers/"+id+"/consent/email_marketing", `{"status":"granted","source":"web form"}`); code != 200 {
				t.Fatalf("consent: %d %v", code, res)
			}
			now := time.Now().UTC().Format(time.RFC3339)
			tx := fmt.Sprintf(`[{"id":"t1","customer_id":%q,"time":%q,"amount":24.99,"lines":[{"sku":"BABY-DIAPER","quantity":1,"unit_price":24.99}]}]`, id, now)
			if code, res := in.do("POST", "/api/v1/transactions", tx); code != 200 || res["created"] != 1.0 {
				t.Fatalf("post: %d %v", code, res)
			}
			code, res := c.do("GET", "/api/v1/customers/"+id+"/decisions", "")
			items, _ := res["items"].([]any)
			if code != 200 || len(items) != 1 {
				t.Fatalf("decisions after the first diaper purchase: %d %v", code, res)
			}
			d := items[0].(map[string]any)
			if d["status"] != "sent" || d["trigger"] != "first-diapers" || d["fact"] != "transaction:t1" {
				t.Errorf("decision %v", d)
			}
			decision := d["id"].(float64)
			code, res = c.do("GET", "/api/v1/customers/"+id+"/counters", "")
			if code != 200 || !strings.Contains(fmt.Sprint(res), "product:BABY-DIAPER") {
				t.Errorf("counters: %d %v", code, res)
			}
			if code, res := in.do("GET", "/api/v1/customers/"+id+"/next-best-actions", ""); code != 200 || !strings.Contains(fmt.Sprint(res), "toys-coupon") {
				t.Errorf("next best actions: %d %v", code, res)
			}
			code, res = c.do("GET", "/api/v1/outbox", "")
			if code != 200 || len(res["items"].([]any)) != 1 {
				t.Errorf("outbox: %d %v", code, res)
			}

			// Responses: to an offer made, and to one that was not.
			body := fmt.Sprintf(`[{"decision_id":%d,"offer":"toys-coupon","response":"redeemed"},{"decision_id":%d,"offer":"mortgage","response":"redeemed"},{"decision_id":1,"offer":"x","response":"maybe"}]`, int(decision), int(decision))
			code, res = in.do("POST", "/api/v1/responses", body)
			if code != 200 || res["created"] != 1.0 || res["errors"] != 2.0 {
				t.Errorf("responses: %d %v", code, res)
			}

			// A bad condition is refused with its position.
			code, res = c.do("PUT", "/api/v1/triggers/broken", `{"on":["transaction"],"when":"first(\"x\") &&","then":["toys-coupon"]}`)
			if code != 400 || !strings.Contains(fmt.Sprint(res), "line 1, column") {
				t.Errorf("bad condition: %d %v", code, res)
			}
			code, res = c.do("PUT", "/api/v1/triggers/broken", `{"when":"true","then":["no-such-offer"]}`)
			if code != 400 || !strings.Contains(fmt.Sprint(res), "then[0]") {
				t.Errorf("unknown offer: %d %v", code, res)
			}
			if code, res := c.do("PUT", "/api/v1/triggers/broken", `{"when":"true","then":["toys-coupon"],"colour":"red"}`); code != 400 {
				t.Errorf("unknown field: %d %v", code, res)
			}
			// A customer manager: its segments' triggers only.
			mine := `{"on":["transaction"],"when":"first(\"category:baby\")","once_per_customer":true,"then":["toys-coupon"],"segment":"new-parents"}`
			if code, res := cm.do("PUT", "/api/v1/triggers/baby-toys", mine); code != 200 || res["version"] != 1.0 {
				t.Errorf("customer manager, own segment: %d %v", code, res)
			}
			if code, res := cm.do("PUT", "/api/v1/triggers/baby-toys", strings.Replace(mine, `"then"`, `"weight":2,"then"`, 1)); code != 200 || res["version"] != 2.0 {
				t.Errorf("a changed trigger is a new version: %d %v", code, res)
			}
			if code, _ := cm.do("PUT", "/api/v1/triggers/rich-toys", strings.Replace(mine, "new-parents", "affluent", 1)); code != 403 {
				t.Errorf("customer manager, another's segment: %d", code)
			}
			if code, _ := cm.do("DELETE", "/api/v1/triggers/first-diapers", ""); code != 403 {
				t.Errorf("customer manager deleting the firm's trigger: %d", code)
			}
			// Webhooks: the secret once.
			code, res = c.do("PUT", "/api/v1/webhooks/email", `{"url":"https://crm.example.com/hook"}`)
			secret, _ := res["secret"].(string)
			if code != 200 || !strings.HasPrefix(secret, "whsec_") {
				t.Fatalf("webhook: %d %v", code, res)
			}
			if _, _, list := c.raw("GET", "/api/v1/webhooks", ""); strings.Contains(string(list), secret) {
				t.Error("the webhook list shows the secret")
			}
			if code, _ := c.do("PUT", "/api/v1/webhooks/email", `{"url":"ftp://x"}`); code != 400 {
				t.Errorf("ftp webhook: %d", code)
			}
			if code, res := c.do("GET", "/api/v1/reports/uplift?trigger=first-diapers", ""); code != 200 || res["open"] != 1.0 {
				t.Errorf("uplift: %d %v", code, res)
			}
			if code, res := c.do("POST", "/api/v1/triggers/first-diapers/dry-run?days=30", ""); code != 200 || res["fired"] != 1.0 {
				t.Errorf("dry run: %d %v", code, res)
			}
			if code, res := c.do("PUT", "/api/v1/contact-policy", `{"per_7_days":5,"per_30_days":1,"max_offers_per_message":3}`); code != 400 {
				t.Errorf("an impossible policy: %d %v", code, res)
			}
		})
	}
}
