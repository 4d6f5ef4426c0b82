package clientele

import (
	"strings"
)

// Identity kinds: how a customer is recognised at a till, a call centre or a
// web form.
const (
	IdentityCard     = "card"
	IdentityEmail    = "email"
	IdentityPhone    = "phone"
	IdentityExternal = "external"
)

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
	switch id.Kind {
	case IdentityCard, IdentityEmail, IdentityPhone, IdentityExternal:
	default:
		v.add("kind", "%q is not one of card, email, phone, external", id.Kind)
	}
	if id.Value == "" {
		v.add("value", "is empty")
	} else {
		checkText(&v, "value", id.Value, 256)
	}
	checkID(&v, "customer_id", id.CustomerID)
	return v.err("identity")
}
