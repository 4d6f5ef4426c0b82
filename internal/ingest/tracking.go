package ingest

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"clientele"
)

// The tracking spec of Segment (and RudderStack, which follows it): the
// messages their SDKs send to /v1/track, /v1/identify, /v1/alias,
// /v1/page, /v1/screen, /v1/group and, several at a time, /v1/batch.
// https://segment.com/docs/connections/spec/
const (
	// MaxTrackingMessage is the most bytes one message may take, as in
	// Segment's HTTP API.
	MaxTrackingMessage = 32 << 10
	// MaxTrackingBatch is the most bytes a batch may take, as in Segment's.
	MaxTrackingBatch = 500 << 10
)

// TrackingTypes are the message types the tracking API accepts.
var TrackingTypes = []string{"track", "identify", "alias", "page", "screen", "group"}

// OrderCompleted is the event of Segment's e-commerce spec that records a
// purchase: it is stored as an event and as a transaction.
const OrderCompleted = "Order Completed"

// TrackingMessage is one message of the tracking spec, decoded into what
// Clientele stores. The customer is UserID, or, for an anonymous visitor,
// whoever holds the anonymous identity AnonymousID; the event's and the
// transaction's CustomerID are left for the caller to resolve.
type TrackingMessage struct {
	Type        string
	MessageID   string
	UserID      string
	AnonymousID string
	PreviousID  string // alias: the id merged into UserID
	Time        time.Time
	// Event is what a track, page, screen or group message records.
	Event *clientele.Event
	// Transaction is the purchase of an Order Completed event.
	Transaction *clientele.Transaction
	// Traits is the profile update of an identify message (and of the
	// traits any message carries in its context).
	Traits clientele.CustomerPatch
}

// trackingJSON is the part of a message Clientele reads; the SDKs send
// more (context, integrations, _metadata …), which is accepted and ignored.
type trackingJSON struct {
	Type              string          `json:"type"`
	MessageID         json.RawMessage `json:"messageId"`
	UserID            json.RawMessage `json:"userId"`
	AnonymousID       json.RawMessage `json:"anonymousId"`
	PreviousID        json.RawMessage `json:"previousId"`
	GroupID           json.RawMessage `json:"groupId"`
	Event             string          `json:"event"`
	Name              string          `json:"name"`
	Timestamp         string          `json:"timestamp"`
	OriginalTimestamp string          `json:"originalTimestamp"`
	SentAt            string          `json:"sentAt"`
	Properties        json.RawMessage `json:"properties"`
	Traits            json.RawMessage `json:"traits"`
	Context           struct {
		Traits json.RawMessage `json:"traits"`
	} `json:"context"`
}

// DecodeTrackingBatch returns the messages of a /v1/batch body:
// {"batch": [...]} (with sentAt, context … beside it, ignored).
func DecodeTrackingBatch(data []byte) ([]json.RawMessage, error) {
	var b struct {
		Batch []json.RawMessage `json:"batch"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, clientele.JSONError("invalid batch", err)
	}
	if b.Batch == nil {
		return nil, clientele.Errorf(clientele.EINVALID, `invalid batch: want {"batch": [message, …]}`)
	}
	return b.Batch, nil
}

// DecodeTrackingMessage decodes one message. typ is the message type the
// endpoint implies ("" for a message of a batch, which names its own);
// amounts without a currency are in def, and times without an offset in
// loc; a message without a time took place at now.
func DecodeTrackingMessage(data []byte, typ string, def clientele.Currency, loc *time.Location, now time.Time) (TrackingMessage, error) {
	var m TrackingMessage
	if len(data) > MaxTrackingMessage {
		return m, clientele.Errorf(clientele.EINVALID, "message of %d bytes: at most %d", len(data), MaxTrackingMessage)
	}
	var j trackingJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&j); err != nil {
		return m, clientele.JSONError("invalid message", err)
	}
	v := problems{}
	m.Type = j.Type
	if typ != "" {
		if j.Type != "" && j.Type != typ {
			v.add("type", "is %q, but the message was sent to /v1/%s", clientele.Excerpt(j.Type), typ)
		}
		m.Type = typ
	}
	if !slices.Contains(TrackingTypes, m.Type) {
		v.add("type", "%q is not a message type (want %s)", clientele.Excerpt(m.Type), strings.Join(TrackingTypes, ", "))
	}
	m.MessageID = v.id("messageId", j.MessageID)
	m.UserID = v.id("userId", j.UserID)
	m.AnonymousID = v.id("anonymousId", j.AnonymousID)
	m.PreviousID = v.id("previousId", j.PreviousID)
	if m.UserID == "" && m.AnonymousID == "" {
		v.add("userId", "give userId or anonymousId")
	}
	if m.MessageID == "" {
		// Without a messageId a resent message cannot be told from a new
		// one: the message's content names it instead.
		m.MessageID = "msg-" + DeriveID(sha256.Sum256(data), 0)
	}
	m.Time = now
	for _, t := range []struct{ field, s string }{{"timestamp", j.Timestamp}, {"originalTimestamp", j.OriginalTimestamp}, {"sentAt", j.SentAt}} {
		if t.s == "" {
			continue
		}
		tm, err := clientele.ParseTime(t.s, loc)
		if err != nil {
			v.add(t.field, "%v", err)
		} else {
			m.Time = tm
		}
		break
	}
	traits := j.Traits
	if m.Type != "identify" && m.Type != "group" {
		traits = j.Context.Traits
	}
	m.Traits = v.traits(traits)
	props := v.object("properties", j.Properties)
	switch m.Type {
	case "alias":
		if m.PreviousID == "" || m.UserID == "" {
			v.add("previousId", "an alias needs previousId and userId")
		}
	case "track":
		if j.Event == "" {
			v.add("event", "a track message needs the event's name")
		}
		m.Event = &clientele.Event{ID: m.MessageID, Type: j.Event, Time: m.Time, Properties: props}
		if j.Event == OrderCompleted {
			m.Transaction = v.order(props, m.MessageID, m.Time, def)
		}
	case "page", "screen":
		if j.Name != "" {
			props = withKey(props, "name", j.Name)
		}
		m.Event = &clientele.Event{ID: m.MessageID, Type: m.Type, Time: m.Time, Properties: props}
	case "group":
		g := v.id("groupId", j.GroupID)
		if g == "" {
			v.add("groupId", "a group message needs groupId")
		}
		m.Event = &clientele.Event{ID: m.MessageID, Type: "group", Time: m.Time, Properties: withKey(v.object("traits", j.Traits), "group_id", g)}
		m.Traits = clientele.CustomerPatch{} // a group's traits are the group's, not the customer's
	}
	return m, v.err(m.MessageID)
}

// problems collects what is wrong with a message, field by field.
type problems []clientele.FieldError

func (p *problems) add(field, format string, args ...any) {
	*p = append(*p, clientele.FieldError{Field: field, Reason: fmt.Sprintf(format, clientele.ExcerptArgs(args)...)})
}

func (p problems) err(id string) error {
	if len(p) == 0 {
		return nil
	}
	for i := range p {
		p[i].Item = "message " + clientele.Excerpt(id)
	}
	return &clientele.Error{Code: clientele.EINVALID, Message: "invalid message", Details: p}
}

// id reads an identifier: a string, or a number (some SDKs send numeric
// user ids), as its text.
func (p *problems) id(field string, raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			p.add(field, "must be a string")
			return ""
		}
		s = n.String()
	}
	return s
}

// object returns raw if it is a JSON object (or absent: nil).
func (p *problems) object(field string, raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if raw[0] != '{' {
		p.add(field, "must be an object")
		return nil
	}
	return raw
}

// withKey returns the object props with key set to value.
func withKey(props json.RawMessage, key string, value any) json.RawMessage {
	m := map[string]any{}
	if len(props) > 0 {
		dec := json.NewDecoder(bytes.NewReader(props))
		dec.UseNumber()
		if dec.Decode(&m) != nil {
			return props
		}
	}
	m[key] = value
	b, err := json.Marshal(m)
	if err != nil {
		return props
	}
	return b
}

// traitFields are the traits of Segment's identify spec that are fields
// of a customer's profile; the others go to its attributes.
var traitFields = map[string]bool{"email": true, "phone": true, "name": true, "firstName": true, "lastName": true,
	"first_name": true, "last_name": true, "birthday": true, "address": true, "city": true}

// traits maps identify traits to a profile update: email, phone, name (or
// firstName and lastName), birthday, address.city (or city); every other
// trait is an attribute.
func (p *problems) traits(raw json.RawMessage) clientele.CustomerPatch {
	var out clientele.CustomerPatch
	if p.object("traits", raw) == nil {
		return out
	}
	var t map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&t); err != nil {
		p.add("traits", "%v", err)
		return out
	}
	str := func(k string) *string {
		v, ok := t[k]
		if !ok {
			return nil
		}
		switch x := v.(type) {
		case nil:
			return new(string)
		case string:
			return &x
		case json.Number:
			s := x.String()
			return &s
		}
		p.add("traits."+k, "must be a string")
		return nil
	}
	out.Email, out.Phone, out.Name, out.City = str("email"), str("phone"), str("name"), str("city")
	if out.Name == nil {
		first, last := str("firstName"), str("lastName")
		if first == nil {
			first = str("first_name")
		}
		if last == nil {
			last = str("last_name")
		}
		if first != nil || last != nil {
			name := strings.TrimSpace(deref(first) + " " + deref(last))
			out.Name = &name
		}
	}
	if a, ok := t["address"].(map[string]any); ok {
		if c, ok := a["city"].(string); ok && out.City == nil {
			out.City = &c
		}
	}
	if b := str("birthday"); b != nil {
		// Segment sends an ISO 8601 date or date-time.
		d := *b
		if len(d) > 10 && d[10] == 'T' {
			d = d[:10]
		}
		out.BirthDate = &d
	}
	for k, v := range t {
		if !traitFields[k] {
			if out.Attributes == nil {
				out.Attributes = map[string]any{}
			}
			out.Attributes[k] = v
		}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// orderJSON is the part of an Order Completed event's properties that
// makes a transaction (Segment's e-commerce spec v2).
type orderJSON struct {
	OrderID  json.RawMessage `json:"order_id"`
	Total    json.Number     `json:"total"`
	Revenue  json.Number     `json:"revenue"`
	Currency string          `json:"currency"`
	Products []struct {
		ProductID json.RawMessage `json:"product_id"`
		SKU       json.RawMessage `json:"sku"`
		Price     json.Number     `json:"price"`
		Quantity  json.Number     `json:"quantity"`
	} `json:"products"`
}

// order makes the transaction of an Order Completed event: its order_id
// (the message id without one), its total (else revenue, else the sum of
// its products), its currency (else def) and a line per product with a
// sku (else product_id), quantity (default 1) and price.
func (p *problems) order(props json.RawMessage, messageID string, at time.Time, def clientele.Currency) *clientele.Transaction {
	var o orderJSON
	if len(props) > 0 {
		dec := json.NewDecoder(bytes.NewReader(props))
		dec.UseNumber()
		if err := dec.Decode(&o); err != nil {
			p.add("properties", "not an order of the e-commerce spec: %v", err)
			return nil
		}
	}
	t := &clientele.Transaction{ID: p.id("properties.order_id", o.OrderID), Time: at, Currency: def}
	if t.ID == "" {
		t.ID = messageID
	}
	if o.Currency != "" {
		t.Currency = clientele.Currency(strings.ToUpper(o.Currency))
	}
	scale, err := t.Currency.Scale()
	if err != nil {
		p.add("properties.currency", "%v", err)
		return nil
	}
	amount := func(field string, n json.Number) (int64, bool) {
		if n == "" {
			return 0, false
		}
		v, err := clientele.ParseAmount(n.String(), scale)
		if err != nil {
			p.add(field, "%v", err)
			return 0, false
		}
		return v, true
	}
	for i, pr := range o.Products {
		f := fmt.Sprintf("properties.products[%d]", i)
		l := clientele.Line{SKU: p.id(f+".sku", pr.SKU), Quantity: 1}
		if l.SKU == "" {
			l.SKU = p.id(f+".product_id", pr.ProductID)
		}
		if pr.Quantity != "" {
			q, err := pr.Quantity.Int64()
			if err != nil {
				p.add(f+".quantity", "must be a whole number")
			}
			l.Quantity = q
		}
		l.UnitPrice, _ = amount(f+".price", pr.Price)
		t.Lines = append(t.Lines, l)
	}
	var ok bool
	if t.Amount, ok = amount("properties.total", o.Total); !ok {
		if t.Amount, ok = amount("properties.revenue", o.Revenue); !ok {
			t.Amount = t.LinesTotal()
		}
	}
	t.Complete()
	return t
}
