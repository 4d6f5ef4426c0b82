package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// segmentBatch is the batch of Segment's HTTP tracking API documentation
// (https://segment.com/docs/connections/sources/catalog/libraries/server/http-api/#batch):
// its messages have no messageId, so a resend is told apart by content.
const segmentBatch = `{
  "batch": [
    {"type": "identify", "userId": "019mr8mf4r", "traits": {"email": "jake@yahoo.com", "name": "Jake Peterson", "age": 26}, "timestamp": "2012-12-02T00:30:12.984Z"},
    {"type": "track", "userId": "019mr8mf4r", "event": "Song Played", "properties": {"name": "Fallin for You", "artist": "Dierks Bentley"}, "timestamp": "2012-12-02T00:30:08.276Z"},
    {"type": "track", "userId": "971mj8mk7p", "event": "Song Played", "properties": {"name": "Get Right", "artist": "Jennifer Lopez"}, "timestamp": "2012-12-02T00:30:12.984Z"}
  ],
  "context": {"device": {"type": "phone", "name": "Apple iPhone 6"}, "library": {"name": "http"}}
}`

// track posts body to a tracking path the way the SDKs do: the write key
// as the Basic-auth user name, an empty password.
func track(t *testing.T, c client, path, body string, header ...string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", c.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(c.token, "")
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return resp.StatusCode, v
}

func statuses(v map[string]any) []string {
	var out []string
	for _, r := range v["results"].([]any) {
		out = append(out, r.(map[string]any)["status"].(string))
	}
	return out
}

// Segment's own batch imports and, sent again, is deduplicated; the
// identify's traits fill the profile.
func TestTrackingBatch(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			code, v := track(t, c, "/v1/batch", segmentBatch)
			if code != 200 || v["success"] != true || v["created"] != 3.0 {
				t.Fatalf("batch: %d %v", code, v)
			}
			if _, v = track(t, c, "/v1/batch", segmentBatch); v["duplicates"] != 3.0 || v["created"] != 0.0 {
				t.Errorf("the batch again: %v", v)
			}
			jake, err := b.DB.Customer(ctx, "019mr8mf4r")
			if err != nil || jake.Name != "Jake Peterson" || jake.Email != "jake@yahoo.com" || jake.Attributes["age"] != json.Number("26") {
				t.Fatalf("identified customer: %+v %v", jake, err)
			}
			v360, err := b.DB.Customer360(ctx, "019mr8mf4r", 10)
			if err != nil || len(v360.Events) != 1 || v360.Events[0].Type != "Song Played" {
				t.Errorf("events: %+v %v", v360, err)
			}
			// A message with an id is deduplicated by it, whatever else
			// changes; a bad message is reported and the rest applied.
			batch := `{"batch": [
				{"type": "track", "messageId": "m-1", "userId": "u9", "event": "Signed Up", "timestamp": "2024-05-01T10:00:00Z"},
				{"type": "track", "messageId": "m-1", "userId": "u9", "event": "Signed Up", "timestamp": "2024-05-01T10:00:05Z"},
				{"type": "track", "messageId": "m-2", "event": "Nobody"},
				{"type": "shout", "messageId": "m-3", "userId": "u9"}
			]}`
			_, v = track(t, c, "/v1/batch", batch)
			if diff := cmp.Diff([]string{"created", "duplicate", "error", "error"}, statuses(v)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s\n%v", diff, v)
			}
			// Hostile messages are each refused, naming the field; the
			// valid one beside them is applied.
			hostile := map[string]string{
				`{"type": "track", "messageId": "h1", "userId": "u9", "event": "Sig\u0000ned"}`:                                   "type",
				`{"type": "track", "messageId": "` + strings.Repeat("m", 200) + `", "userId": "u9", "event": "e"}`:                "id",
				`{"type": "track", "messageId": "h3", "userId": "u 9", "event": "e"}`:                                             "customer_id",
				`{"type": "track", "messageId": "h4", "userId": "u9", "event": "e", "properties": ` + deep(20) + `}`:              "properties",
				`{"type": "track", "messageId": "h5", "userId": "u9", "event": "e", "timestamp": "3024-01-01T00:00:00Z"}`:         "timestamp",
				`{"type": "identify", "messageId": "h6", "userId": "u9", "traits": {"email": "not an address"}}`:                  "email",
				`{"type": "track", "messageId": "h7", "userId": "u9", "event": "Order Completed", "properties": {"total": 1e30}}`: "properties.total",
			}
			var msgs []string
			var fields []string
			for m, f := range hostile {
				msgs, fields = append(msgs, m), append(fields, f)
			}
			msgs = append(msgs, `{"type": "track", "messageId": "ok-1", "userId": "u9", "event": "Fine"}`)
			_, v = track(t, c, "/v1/batch", `{"batch": [`+strings.Join(msgs, ",")+`]}`)
			for i, r := range v["results"].([]any) {
				m := r.(map[string]any)
				if i == len(fields) {
					if m["status"] != "created" {
						t.Errorf("the valid message beside hostile ones: %v", m)
					}
					continue
				}
				if b, _ := json.Marshal(m["error"]); m["status"] != "error" || !strings.Contains(string(b), `"field":"`+fields[i]+`"`) {
					t.Errorf("hostile message %.60s: %v, want an error naming %s", msgs[i], m, fields[i])
				}
			}
		})
	}
}

// An anonymous visitor's events follow them when they identify; an alias
// merges one id into another; Order Completed is a purchase; an e-mail
// address another customer holds is a conflict naming the holder.
func TestTrackingIdentity(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			if code, v := track(t, c, "/v1/page", `{"messageId": "p1", "anonymousId": "dev-7", "name": "Pricing", "timestamp": "2024-05-01T09:00:00Z"}`); code != 200 {
				t.Fatalf("page: %d %v", code, v)
			}
			if _, err := b.DB.Customer(ctx, "anon-dev-7"); err != nil {
				t.Fatalf("the anonymous visitor: %v", err)
			}
			order := `{"messageId": "o1", "anonymousId": "dev-7", "event": "Order Completed", "timestamp": "2024-05-01T09:05:00Z",
				"properties": {"order_id": "50314b8e", "total": 27.50, "currency": "usd",
					"products": [{"product_id": "507f1f77", "sku": "45790-32", "price": 19, "quantity": 1}, {"sku": "46493-32", "price": 4.25, "quantity": 2}]}}`
			if code, v := track(t, c, "/v1/track", order); code != 200 {
				t.Fatalf("order: %d %v", code, v)
			}
			code, v := track(t, c, "/v1/identify", `{"messageId": "i1", "anonymousId": "dev-7", "userId": "kim", "traits": {"email": "Kim@Example.com", "firstName": "Min-jun", "lastName": "Kim"}}`)
			if code != 200 {
				t.Fatalf("identify: %d %v", code, v)
			}
			if _, err := b.DB.Customer(ctx, "anon-dev-7"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("the anonymous customer after identify: %v", err)
			}
			v360, err := b.DB.Customer360(ctx, "kim", 10)
			if err != nil {
				t.Fatal(err)
			}
			if v360.Customer.Name != "Min-jun Kim" || len(v360.Events) != 2 || len(v360.Transactions) != 1 {
				t.Fatalf("kim after identify: %+v", v360)
			}
			tx := v360.Transactions[0]
			if tx.ID != "50314b8e" || tx.Amount != 2750 || tx.Currency != "USD" || len(tx.Lines) != 2 || tx.Lines[1].UnitPrice != 425 || tx.Quantity != 3 {
				t.Errorf("the order's transaction: %+v", tx)
			}
			if who, err := b.DB.CustomerByIdentity(ctx, clientele.IdentityAnonymous, "dev-7"); err != nil || who != "kim" {
				t.Errorf("anonymousId dev-7 → %q %v", who, err)
			}
			// Later anonymous messages of the device reach kim.
			track(t, c, "/v1/track", `{"messageId": "t2", "anonymousId": "dev-7", "event": "Viewed"}`)
			if v360, _ = b.DB.Customer360(ctx, "kim", 10); len(v360.Events) != 3 {
				t.Errorf("kim has %d events, want 3", len(v360.Events))
			}
			// alias: kim was also "kim-old" in another system.
			write(t, b.DB, func(w *store.Writer) error {
				_, err := w.Events(ctx, []clientele.Event{{ID: "e-old", CustomerID: "kim-old", Type: "call", Time: tx.Time}}, nil)
				return err
			})
			if code, v := track(t, c, "/v1/alias", `{"messageId": "a1", "previousId": "kim-old", "userId": "kim"}`); code != 200 {
				t.Fatalf("alias: %d %v", code, v)
			}
			if v360, _ = b.DB.Customer360(ctx, "kim", 10); len(v360.Events) != 4 {
				t.Errorf("kim has %d events after the alias, want 4", len(v360.Events))
			}
			merges, err := b.DB.Merges(ctx, "kim")
			if err != nil || len(merges) != 2 || merges[0].From != "anon-dev-7" || merges[1].From != "kim-old" {
				t.Errorf("merge history: %+v %v", merges, err)
			}
			// Kim's e-mail address, claimed by someone else.
			code, v = track(t, c, "/v1/identify", `{"messageId": "i2", "userId": "lee", "traits": {"email": "kim@example.com"}}`)
			if code != 409 || !strings.Contains(errorText(v), "belongs to customer kim") {
				t.Errorf("a held e-mail: %d %v", code, v)
			}
		})
	}
}

// errorText is an error response's message and details, as text.
func errorText(v map[string]any) string {
	b, _ := json.Marshal(v["error"])
	return string(b)
}

func write(t *testing.T, db *store.DB, fn func(w *store.Writer) error) {
	t.Helper()
	if err := db.Write(context.Background(), fn); err != nil {
		t.Fatal(err)
	}
}

// The SDKs' other habits: a bearer token works as well as Basic; gzip
// bodies; text/plain bodies (analytics.js); a message sent to the wrong
// endpoint, or without credentials, is refused.
func TestTrackingTransport(t *testing.T) {
	db := storetest.Open(t)[0].DB
	c, _ := start(t, db)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`{"messageId": "g1", "userId": "u1", "event": "Zipped"}`))
	zw.Close()
	if code, v := track(t, c, "/v1/track", gz.String(), "Content-Encoding", "gzip"); code != 200 || v["created"] != 1.0 {
		t.Errorf("gzip: %d %v", code, v)
	}
	if code, v := track(t, c, "/v1/track", `{"messageId": "x1", "userId": "u1", "event": "Plain"}`, "Content-Type", "text/plain"); code != 200 {
		t.Errorf("text/plain: %d %v", code, v)
	}
	if code, v := c.do("POST", "/v1/track", `{"messageId": "b1", "userId": "u1", "event": "Bearer"}`); code != 200 || v["created"] != 1.0 {
		t.Errorf("bearer: %d %v", code, v)
	}
	if code, v := track(t, c, "/v1/identify", `{"type": "track", "userId": "u1", "event": "Wrong"}`); code != 400 {
		t.Errorf("a track sent to /v1/identify: %d %v", code, v)
	}
	if code, v := track(t, c, "/v1/track", `{"userId": "u1", "event": "X"}`, "Content-Type", "application/xml"); code != 415 {
		t.Errorf("xml: %d %v", code, v)
	}
	anon := c
	anon.token = "clt_not_a_key"
	if code, _ := track(t, anon, "/v1/track", `{"userId": "u1", "event": "X"}`); code != 401 {
		t.Errorf("a wrong write key: %d", code)
	}
	if code, v := track(t, c, "/v1/batch", `{"batch": [`+strings.Repeat(`{"type": "track", "userId": "u", "event": "e"},`, 20000)+`{}]}`); code != 400 {
		t.Errorf("a batch past 500 KB: %d %v", code, v)
	}
}

// PATCH changes only the fields given: null clears one, attributes merge
// key by key, an unknown field or a missing customer is refused.
func TestPatchCustomer(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			c, _ := start(t, b.DB)
			if code, v := c.do("PUT", "/api/v1/customers/c1", `{"name": "Ann", "city": "Busan", "phone": "010-1234-5678", "attributes": {"tier": "gold", "kids": 2}}`); code != 201 {
				t.Fatalf("put: %d %v", code, v)
			}
			code, v := c.do("PATCH", "/api/v1/customers/c1", `{"city": "Seoul", "phone": null, "attributes": {"kids": null, "pet": "cat"}}`)
			want := map[string]any{"id": "c1", "name": "Ann", "city": "Seoul", "attributes": map[string]any{"tier": "gold", "pet": "cat"}}
			delete(v, "created_at")
			delete(v, "updated_at")
			if code != 200 || !cmp.Equal(want, v) {
				t.Errorf("patch: %d %s", code, cmp.Diff(want, v))
			}
			for body, status := range map[string]int{`{"colour": "red"}`: 400, `{"id": "c2"}`: 400, `{"created_at": "2020-01-01T00:00:00Z"}`: 400, `{"email": "nope"}`: 400, `[]`: 400} {
				if code, v := c.do("PATCH", "/api/v1/customers/c1", body); code != status {
					t.Errorf("patch %s: %d %v, want %d", body, code, v, status)
				}
			}
			if code, _ := c.do("PATCH", "/api/v1/customers/nobody", `{"city": "Seoul"}`); code != 404 {
				t.Errorf("patch of a missing customer: %d", code)
			}
			if _, err := b.DB.Customer(context.Background(), "nobody"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
				t.Errorf("a refused patch created the customer: %v", err)
			}
			// Hostile values are refused, naming the field, and change nothing.
			long := strings.Repeat("x", 300)
			for body, field := range map[string]string{
				`{"city": "Se\u0000oul"}`:          "city",
				`{"name": "` + long + `"}`:         "name",
				`{"attributes": ` + deep(20) + `}`: "attributes",
				`{"birth_date": "2999-01-01"}`:     "birth_date",
				`{"phone": "call me maybe"}`:       "phone",
			} {
				code, v := c.do("PATCH", "/api/v1/customers/c1", body)
				if code != 400 || !strings.Contains(errorText(v), `"field":"`+field+`"`) {
					t.Errorf("patch %.40s: %d %v, want 400 naming %s", body, code, v, field)
				}
			}
			if got, _ := b.DB.Customer(context.Background(), "c1"); got.City != "Seoul" || got.Name != "Ann" {
				t.Errorf("after refused patches: %+v", got)
			}
		})
	}
}

// deep is a JSON object nested n levels deep.
func deep(n int) string { return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n) }
