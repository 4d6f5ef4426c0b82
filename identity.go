package clientele

import (
	"slices"
	"strings"
)

// Identity kinds: how a customer is recognised at a till, a call centre or a
// web form.
const (
	IdentityCard     = "card"
	IdentityEmail    = "email"
	IdentityPhone    = "phone"
	IdentityExternal = "external"
	// IdentityAnonymous is a tracking SDK's anonymousId: a visitor known
	// by device before they sign in.
	IdentityAnonymous = "anonymous"
)

// IdentityKinds lists the identity kinds.
var IdentityKinds = []string{IdentityCard, IdentityEmail, IdentityPhone, IdentityExternal, IdentityAnonymous}

// Identity maps one identifier (a card number, an e-mail address, a phone
// number, another system's key) to one customer. Kind and Value together are
// unique.
type Identity struct {
	Kind       string
	Value      string
	CustomerID string
}

// NormalizeIdentity returns value in canonical form for its kind: e-mail
// addresses lower-cased, phone numbers reduced to digits and a leading '+',
// card numbers without spaces or dashes.
func NormalizeIdentity(kind, value string) string {
	value = strings.TrimSpace(value)
	switch kind {
	case IdentityEmail:
		return strings.ToLower(value)
	case IdentityPhone:
		return NormalizePhone(value)
	case IdentityCard:
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return -1
			}
			return r
		}, value)
	}
	return value
}

// NormalizePhone keeps the digits of a phone number and a leading '+';
// it returns "" when fewer than 5 digits remain or other letters appear.
func NormalizePhone(s string) string {
	var b strings.Builder
	digits := 0
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '(' || r == ')' || r == '.':
		default:
			return ""
		}
	}
	if digits < 5 || digits > 20 {
		return ""
	}
	return b.String()
}

// Validate reports every invalid field of id.
func (id *Identity) Validate() error {
	v := invalid{item: "identity " + id.Kind + "/" + id.Value}
	if !slices.Contains(IdentityKinds, id.Kind) {
		v.add("kind", "%q is not one of %s", id.Kind, strings.Join(IdentityKinds, ", "))
	}
	if id.Value == "" {
		v.add("value", "is empty")
	} else {
		checkText(&v, "value", id.Value, 256)
	}
	checkID(&v, "customer_id", id.CustomerID)
	return v.err("identity")
}
