package clientele

import (
	"slices"
	"strings"
	"sync/atomic"

	"github.com/nyaruka/phonenumbers"
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

// phoneRegion is the region phone numbers without a country code are
// read in (see SetPhoneRegion); "" keeps them as digits.
var phoneRegion atomic.Value // string

// SetPhoneRegion sets the region (ISO 3166 code, e.g. "KR") in which phone
// numbers without a country code are read: with it, 010-1234-5678 and
// +82 10-1234-5678 are one identity, +821012345678 (E.164). "" reads them
// as digits only, as before a region is given. It is a setting of the
// process, made once at start-up (--region, CLIENTELE_REGION).
func SetPhoneRegion(region string) error {
	region = strings.ToUpper(strings.TrimSpace(region))
	if region != "" && phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return Errorf(EINVALID, "region %q: want an ISO 3166 country code such as KR, US or GB", Excerpt(region))
	}
	phoneRegion.Store(region)
	return nil
}

// PhoneRegion returns the region set by SetPhoneRegion.
func PhoneRegion() string {
	r, _ := phoneRegion.Load().(string)
	return r
}

// NormalizePhone returns a phone number's canonical form: E.164
// (+821012345678) when a region is set and libphonenumber finds it a
// valid number of its country; otherwise its digits and a leading '+'. It returns "" when fewer than 5 digits remain or other
// letters appear.
func NormalizePhone(s string) string {
	digits := phoneDigits(s)
	if digits == "" {
		return ""
	}
	if region := PhoneRegion(); region != "" {
		if n, err := phonenumbers.Parse(s, region); err == nil && phonenumbers.IsValidNumber(n) {
			return phonenumbers.Format(n, phonenumbers.E164)
		}
	}
	return digits
}

// phoneDigits keeps the digits of a phone number and a leading '+'; it
// returns "" when fewer than 5 digits remain or other letters appear.
func phoneDigits(s string) string {
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

// PhoneForms returns the forms a stored phone identity may have, the
// canonical one first: a number stored before a region was set is kept as
// its digits, and is found by them.
func PhoneForms(s string) []string {
	n, d := NormalizePhone(s), phoneDigits(s)
	if n == "" {
		return nil
	}
	if d != n && d != "" {
		return []string{n, d}
	}
	return []string{n}
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
