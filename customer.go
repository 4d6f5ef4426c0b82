package clientele

import (
	"encoding/json"
	"strings"
	"time"
)

// Customer is a person or organisation the firm manages. ID is the firm's
// own external identifier (a loyalty-card holder number, a CRM key).
type Customer struct {
	ID          string
	Name        string
	Email       string
	Phone       string
	BirthDate   string // YYYY-MM-DD, or "" when unknown
	City        string
	HouseholdID string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Attributes  map[string]any
}

// Validate reports every invalid field of c.
func (c *Customer) Validate() error {
	v := invalid{item: "customer " + c.ID}
	checkID(&v, "id", c.ID)
	if c.Email != "" && (!strings.Contains(c.Email, "@") || len(c.Email) > 254 || strings.ContainsAny(c.Email, " \t\r\n")) {
		v.add("email", "%q is not an e-mail address", c.Email)
	}
	if c.Phone != "" && NormalizePhone(c.Phone) == "" {
		v.add("phone", "%q is not a phone number", c.Phone)
	}
	if c.BirthDate != "" {
		if d, err := time.Parse(time.DateOnly, c.BirthDate); err != nil {
			v.add("birth_date", "%q is not a date (YYYY-MM-DD)", c.BirthDate)
		} else if d.Year() < 1850 || d.After(time.Now().AddDate(0, 0, 1)) {
			v.add("birth_date", "%s is out of range", c.BirthDate)
		}
	}
	checkText(&v, "name", c.Name, 256)
	checkText(&v, "city", c.City, 256)
	checkText(&v, "household_id", c.HouseholdID, MaxIDLength)
	checkText(&v, "email", c.Email, 254)
	if len(c.Attributes) > 0 {
		if b, err := json.Marshal(c.Attributes); err != nil {
			v.add("attributes", "cannot be written as JSON: %v", err)
		} else if len(b) > MaxDocumentBytes {
			v.add("attributes", "take %d bytes as JSON, more than %d", len(b), MaxDocumentBytes)
		} else {
			checkValue(&v, "attributes", map[string]any(c.Attributes))
		}
	}
	return v.err("customer")
}

// Age returns c's age in whole years at t, and false when the birth date is
// unknown.
func (c *Customer) Age(t time.Time) (int, bool) {
	d, err := time.Parse(time.DateOnly, c.BirthDate)
	if err != nil {
		return 0, false
	}
	age := t.Year() - d.Year()
	if t.Month() < d.Month() || (t.Month() == d.Month() && t.Day() < d.Day()) {
		age--
	}
	return age, true
}
