package clientele

import (
	"slices"
	"strings"
	"time"
)

// Consent purposes: what a customer may agree to be contacted or used for.
const (
	PurposeEmail      = "email_marketing"
	PurposeSMS        = "sms_marketing"
	PurposePhone      = "phone_marketing"
	PurposeProfiling  = "profiling"
	PurposeThirdParty = "third_party_sharing"
)

// Purposes lists the consent purposes.
var Purposes = []string{PurposeEmail, PurposeSMS, PurposePhone, PurposeProfiling, PurposeThirdParty}

// Consent statuses. A purpose with no consent recorded is not granted:
// consent is asked for, never assumed (opt-in).
const (
	ConsentGranted   = "granted"
	ConsentWithdrawn = "withdrawn"
	ConsentDenied    = "denied"
)

// ConsentStatuses lists the consent statuses.
var ConsentStatuses = []string{ConsentGranted, ConsentWithdrawn, ConsentDenied}

// Consent is a customer's consent for one purpose, as stated at a time
// through a source (a web form, a call, an import).
type Consent struct {
	CustomerID string
	Purpose    string
	Status     string
	Source     string    // where it was given: "web form", "call 8812", a file
	At         time.Time // when the customer stated it
	RecordedBy string    // the user or token that recorded it
}

// Validate reports every invalid field of c; it trims the source.
func (c *Consent) Validate() error {
	v := invalid{item: "consent " + c.CustomerID + "/" + c.Purpose}
	c.Source = strings.TrimSpace(c.Source)
	if c.CustomerID == "" {
		v.add("customer_id", "required")
	}
	if !slices.Contains(Purposes, c.Purpose) {
		v.add("purpose", "%q: want one of %s", Excerpt(c.Purpose), strings.Join(Purposes, ", "))
	}
	if !slices.Contains(ConsentStatuses, c.Status) {
		v.add("status", "%q: want one of %s", Excerpt(c.Status), strings.Join(ConsentStatuses, ", "))
	}
	checkText(&v, "source", c.Source, 256)
	if c.At.IsZero() {
		v.add("at", "required")
	}
	return v.err("consent")
}

// ConsentJSON is the JSON form of a Consent.
type ConsentJSON struct {
	CustomerID string `json:"customer_id,omitempty" personal:"id"`
	Purpose    string `json:"purpose"`
	Status     string `json:"status"`
	Source     string `json:"source,omitempty"`
	At         any    `json:"at"`
	RecordedBy string `json:"recorded_by,omitempty"`
}

// JSON returns c's JSON form, its time in loc.
func (c *Consent) JSON(loc *time.Location) ConsentJSON {
	return ConsentJSON{CustomerID: c.CustomerID, Purpose: c.Purpose, Status: c.Status, Source: c.Source, At: TimeJSON(c.At, loc), RecordedBy: c.RecordedBy}
}
