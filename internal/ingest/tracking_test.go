package ingest

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"clientele"
)

// FuzzTrackingMessage: no message panics the decoder; a message it accepts
// has an id, a known type, a customer to attach to, and an event (and
// transaction) that can be stored once the customer is known; a message of
// the wrong type for its endpoint, or too large, is refused; decoding is
// deterministic (the derived message id above all: a resend must be a
// duplicate).
func FuzzTrackingMessage(f *testing.F) {
	for _, s := range []string{
		`{"type":"track","userId":"u1","event":"Song Played","properties":{"name":"x"},"timestamp":"2012-12-02T00:30:08.276Z"}`,
		`{"type":"identify","userId":"019mr8mf4r","traits":{"email":"jake@yahoo.com","name":"Jake Peterson","age":26,"address":{"city":"Seoul"},"birthday":"1990-01-02T00:00:00Z"}}`,
		`{"type":"alias","previousId":"a","userId":"b","messageId":"m"}`,
		`{"type":"page","anonymousId":"dev","name":"Home"}`,
		`{"type":"group","userId":"u","groupId":"g","traits":{"name":"Acme"}}`,
		`{"type":"track","anonymousId":"d","event":"Order Completed","properties":{"order_id":"o","total":"27.50","currency":"krw","products":[{"sku":"s","price":19,"quantity":2}]}}`,
		`{"type":"track","userId":12345,"event":"x","context":{"traits":{"email":"a@b.c"}}}`,
		`{"type":"screen","userId":"u","timestamp":"not a time"}`,
		`[]`, `null`, `{"type":"track","userId":"u","event":"e","properties":[1]}`,
	} {
		f.Add([]byte(s), "")
		f.Add([]byte(s), "track")
	}
	now := time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte, typ string) {
		m, err := DecodeTrackingMessage(data, typ, "USD", time.UTC, now)
		again, err2 := DecodeTrackingMessage(data, typ, "USD", time.UTC, now)
		if (err == nil) != (err2 == nil) || m.MessageID != again.MessageID {
			t.Fatalf("not deterministic: %v / %v, %q / %q", err, err2, m.MessageID, again.MessageID)
		}
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Fatalf("error %v is not an invalid-input error", err)
			}
			return
		}
		if len(data) > MaxTrackingMessage {
			t.Fatalf("accepted %d bytes", len(data))
		}
		if m.MessageID == "" || !slices.Contains(TrackingTypes, m.Type) || (typ != "" && m.Type != typ) || (m.UserID == "" && m.AnonymousID == "") {
			t.Fatalf("accepted %+v", m)
		}
		if (m.Type == "track" || m.Type == "page" || m.Type == "screen" || m.Type == "group") != (m.Event != nil) {
			t.Fatalf("%s message with event %v", m.Type, m.Event)
		}
		if m.Event != nil && len(m.Event.Properties) > 0 && !json.Valid(m.Event.Properties) {
			t.Fatalf("properties %q", m.Event.Properties)
		}
		if m.Transaction != nil && (m.Transaction.ID == "" || m.Transaction.Time.IsZero()) {
			t.Fatalf("transaction %+v", m.Transaction)
		}
	})
}
