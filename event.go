package clientele

import (
	"encoding/json"
	"reflect"
	"time"
	"unicode/utf8"
)

// Event is something a customer did or that happened to a customer: a web
// visit, a call, a change of address, a life event.
type Event struct {
	ID         string
	CustomerID string
	Type       string
	Time       time.Time
	Properties json.RawMessage // a JSON object; nil or "{}" when empty
}

// Validate reports every invalid field of e.
func (e *Event) Validate() error {
	v := invalid{item: "event " + e.ID}
	checkID(&v, "id", e.ID)
	checkID(&v, "customer_id", e.CustomerID)
	checkTime(&v, "time", e.Time)
	if e.Type == "" {
		v.add("type", "is empty")
	} else {
		checkText(&v, "type", e.Type, 64)
	}
	if len(e.Properties) > 0 {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e.Properties, &m); err != nil || m == nil {
			v.add("properties", "is not a JSON object")
		} else if len(e.Properties) > MaxDocumentBytes {
			v.add("properties", "is larger than %d bytes", MaxDocumentBytes)
		} else if !utf8.Valid(e.Properties) {
			v.add("properties", "is not valid UTF-8")
		} else {
			var doc any
			json.Unmarshal(e.Properties, &doc)
			checkValue(&v, "properties", doc)
		}
	}
	return v.err("event")
}

// Differs names the fields in which e and f, the same event sent twice,
// differ (properties compared as JSON values, not as text).
func (e *Event) Differs(f *Event) []string {
	var d []string
	if e.Type != f.Type {
		d = append(d, "type")
	}
	if !e.Time.Equal(f.Time) {
		d = append(d, "time")
	}
	if !sameJSON(e.Properties, f.Properties) {
		d = append(d, "properties")
	}
	return d
}

// sameJSON reports whether a and b hold the same JSON value; empty is {}.
func sameJSON(a, b json.RawMessage) bool {
	var va, vb any
	if len(a) == 0 {
		a = json.RawMessage("{}")
	}
	if len(b) == 0 {
		b = json.RawMessage("{}")
	}
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(va, vb)
}
