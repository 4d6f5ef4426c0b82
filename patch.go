package clientele

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// CustomerPatch is a partial update of a customer's profile: a nil field is
// left as it is, a pointer to "" clears it; Attributes are merged key by
// key, a nil value deleting its key, as a JSON merge patch does (RFC 7396).
type CustomerPatch struct {
	Name, Email, Phone, BirthDate, City, HouseholdID *string
	Attributes                                       map[string]any
}

// Empty reports whether p changes nothing.
func (p *CustomerPatch) Empty() bool {
	return p.Name == nil && p.Email == nil && p.Phone == nil && p.BirthDate == nil && p.City == nil && p.HouseholdID == nil && len(p.Attributes) == 0
}

// Apply changes c as p says.
func (p *CustomerPatch) Apply(c *Customer) {
	for _, f := range []struct {
		from *string
		to   *string
	}{{p.Name, &c.Name}, {p.Email, &c.Email}, {p.Phone, &c.Phone}, {p.BirthDate, &c.BirthDate}, {p.City, &c.City}, {p.HouseholdID, &c.HouseholdID}} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if len(p.Attributes) == 0 {
		return
	}
	attrs := maps.Clone(c.Attributes)
	if attrs == nil {
		attrs = map[string]any{}
	}
	for k, v := range p.Attributes {
		if v == nil {
			delete(attrs, k)
		} else {
			attrs[k] = v
		}
	}
	c.Attributes = attrs
}

// patchFields are the keys a customer merge patch may hold.
var patchFields = []string{"name", "email", "phone", "birth_date", "city", "household_id", "attributes"}

// DecodeCustomerPatch reads a JSON merge patch of a customer (RFC 7396):
// an object of some of name, email, phone, birth_date, city, household_id
// and attributes; null clears a field (or deletes an attribute). The id,
// if given, must be id; created_at and updated_at are the server's.
func DecodeCustomerPatch(data []byte, id string) (CustomerPatch, error) {
	var raw map[string]json.RawMessage
	var p CustomerPatch
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil || raw == nil {
		if err == nil {
			err = fmt.Errorf("want an object")
		}
		return p, JSONError("invalid customer patch", err)
	}
	v := invalid{item: "customer " + id}
	str := func(k string) *string {
		b, ok := raw[k]
		if !ok {
			return nil
		}
		if string(b) == "null" {
			return new(string)
		}
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			v.add(k, "must be a string or null")
			return nil
		}
		return &s
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		switch {
		case k == "id":
			var s string
			if json.Unmarshal(raw[k], &s) != nil || s != id {
				v.add("id", "the body's id %s differs from the path's %q", Excerpt(string(raw[k])), id)
			}
		case k == "created_at" || k == "updated_at":
			v.add(k, "is set by the server")
		case !slices.Contains(patchFields, k):
			v.add(k, "is not a field of a customer (want %s)", strings.Join(patchFields, ", "))
		}
	}
	p.Name, p.Email, p.Phone, p.BirthDate, p.City, p.HouseholdID = str("name"), str("email"), str("phone"), str("birth_date"), str("city"), str("household_id")
	if b, ok := raw["attributes"]; ok {
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber()
		var attrs map[string]any
		if err := d.Decode(&attrs); err != nil || attrs == nil && string(b) != "null" {
			v.add("attributes", "must be an object")
		}
		if string(b) == "null" {
			v.add("attributes", "cannot be null: set each attribute to null to delete it")
		}
		p.Attributes = attrs
	}
	return p, v.err("customer patch")
}
