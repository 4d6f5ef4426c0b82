// Package clientele holds the domain of a customer-centric marketing system:
// customers and the identities, accounts, transactions and events that
// describe them, with their validation and error kinds. It does no I/O;
// storage, file formats and HTTP live in the internal packages.
package clientele

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxIDLength bounds every external identifier (customer, transaction, event,
// account, sku) in bytes.
const MaxIDLength = 128

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
	} else if len(id.Value) > 256 {
		v.add("value", "is longer than 256 bytes")
	}
	checkID(&v, "customer_id", id.CustomerID)
	return v.err("identity")
}

// Account kinds.
const (
	AccountCard     = "card"
	AccountContract = "contract"
)

// Account is a card or a contract a customer holds. A supplementary card
// (for a family member or a contractor) has a ParentID naming the primary
// account and usually a SpendingLimit.
type Account struct {
	ID            string
	CustomerID    string
	Kind          string // card or contract
	Product       string // e.g. "rewards card", "home insurance"
	Tier          string // e.g. classic, gold, platinum
	Holder        string // name on a supplementary card
	OpenedOn      string // YYYY-MM-DD
	ClosedOn      string // YYYY-MM-DD, or "" while open
	ParentID      string
	SpendingLimit *int64 // minor units of Currency; nil = none
	Currency      Currency
}

// Validate reports every invalid field of a.
func (a *Account) Validate() error {
	v := invalid{item: "account " + a.ID}
	checkID(&v, "id", a.ID)
	checkID(&v, "customer_id", a.CustomerID)
	if a.Kind != AccountCard && a.Kind != AccountContract {
		v.add("kind", "%q is not card or contract", a.Kind)
	}
	var opened, closed time.Time
	var err error
	if opened, err = time.Parse(time.DateOnly, a.OpenedOn); err != nil {
		v.add("opened_on", "%q is not a date (YYYY-MM-DD)", a.OpenedOn)
	}
	if a.ClosedOn != "" {
		if closed, err = time.Parse(time.DateOnly, a.ClosedOn); err != nil {
			v.add("closed_on", "%q is not a date (YYYY-MM-DD)", a.ClosedOn)
		} else if !opened.IsZero() && closed.Before(opened) {
			v.add("closed_on", "%s is before opened_on %s", a.ClosedOn, a.OpenedOn)
		}
	}
	if a.ParentID == a.ID && a.ID != "" {
		v.add("parent_id", "an account cannot be its own parent")
	}
	if a.SpendingLimit != nil && *a.SpendingLimit < 0 {
		v.add("spending_limit", "is negative")
	}
	if _, err := a.Currency.Scale(); err != nil {
		v.add("currency", "%v", err)
	}
	return v.err("account")
}

// Brand is a brand the firm sells; Owner names the firm that owns it, so that
// a portfolio of brands can be valued together.
type Brand struct {
	Name  string
	Owner string
}

// Validate reports every invalid field of b.
func (b *Brand) Validate() error {
	v := invalid{item: "brand " + b.Name}
	if b.Name == "" {
		v.add("name", "is empty")
	}
	checkText(&v, "name", b.Name, 128)
	checkText(&v, "owner", b.Owner, 256)
	return v.err("brand")
}

// Product is an item the firm sells. Price and UnitCost are in minor units
// of Currency; a price below cost marks a loss leader.
type Product struct {
	SKU      string
	Name     string
	Category string
	Brand    string
	Price    int64
	UnitCost int64
	Currency Currency
}

// Validate reports every invalid field of p.
func (p *Product) Validate() error {
	v := invalid{item: "product " + p.SKU}
	checkID(&v, "sku", p.SKU)
	checkText(&v, "name", p.Name, 256)
	checkText(&v, "category", p.Category, 128)
	checkText(&v, "brand", p.Brand, 128)
	if p.UnitCost < 0 {
		v.add("unit_cost", "is negative")
	}
	if p.Price < 0 {
		v.add("price", "is negative")
	}
	if _, err := p.Currency.Scale(); err != nil {
		v.add("currency", "%v", err)
	}
	return v.err("product")
}

// Transaction is one purchase (or, with a negative amount, a return) by one
// customer. Amount and Margin are in minor units of Currency. Transaction IDs
// are unique per customer, and writing the same one twice stores it once.
type Transaction struct {
	ID            string
	CustomerID    string
	Time          time.Time
	Store         string
	Channel       string
	PaymentMethod string
	Amount        int64
	Margin        *int64 // nil when unknown
	Currency      Currency
	Quantity      int64 // units bought; the sum of the lines' quantities when there are lines
	Lines         []Line
}

// Line is one product line of a transaction.
type Line struct {
	SKU       string
	Quantity  int64
	UnitPrice int64 // minor units of the transaction's currency
}

// Validate reports every invalid field of t.
func (t *Transaction) Validate() error {
	v := invalid{item: "transaction " + t.ID}
	checkID(&v, "id", t.ID)
	checkID(&v, "customer_id", t.CustomerID)
	checkTime(&v, "time", t.Time)
	checkText(&v, "store", t.Store, 128)
	checkText(&v, "channel", t.Channel, 64)
	checkText(&v, "payment_method", t.PaymentMethod, 64)
	if _, err := t.Currency.Scale(); err != nil {
		v.add("currency", "%v", err)
	}
	for i, l := range t.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		checkID(&v, f+".sku", l.SKU)
		if l.Quantity == 0 {
			v.add(f+".quantity", "is zero")
		}
		if l.UnitPrice < 0 {
			v.add(f+".unit_price", "is negative")
		}
	}
	return v.err("transaction")
}

// LinesTotal returns Σ quantity × unit price over t's lines.
func (t *Transaction) LinesTotal() int64 {
	var s int64
	for _, l := range t.Lines {
		s += l.Quantity * l.UnitPrice
	}
	return s
}

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
		} else if len(e.Properties) > 64<<10 {
			v.add("properties", "is larger than 64 KiB")
		}
	}
	return v.err("event")
}

func checkID(v *invalid, field, s string) {
	switch {
	case s == "":
		v.add(field, "is empty")
	case len(s) > MaxIDLength:
		v.add(field, "is longer than %d bytes", MaxIDLength)
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8")
	case strings.IndexFunc(s, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0:
		v.add(field, "%q contains spaces or control characters", s)
	}
}

func checkText(v *invalid, field, s string, max int) {
	switch {
	case len(s) > max:
		v.add(field, "is longer than %d bytes", max)
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8")
	case strings.IndexFunc(s, unicode.IsControl) >= 0:
		v.add(field, "contains control characters")
	}
}

// Times outside these bounds are data errors (a year typed as 197 or 19970).
var (
	minTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func checkTime(v *invalid, field string, t time.Time) {
	if t.IsZero() {
		v.add(field, "is missing")
	} else if t.Before(minTime) || !t.Before(maxTime) {
		v.add(field, "%s is out of range", t.Format(time.RFC3339))
	}
}
