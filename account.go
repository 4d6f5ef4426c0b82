package clientele

import (
	"time"
)

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
	checkText(&v, "product", a.Product, 128)
	checkText(&v, "tier", a.Tier, 64)
	checkText(&v, "holder", a.Holder, 256)
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
	if a.SpendingLimit != nil {
		checkAmount(&v, "spending_limit", *a.SpendingLimit)
	}
	if a.SpendingLimit != nil && *a.SpendingLimit < 0 {
		v.add("spending_limit", "is negative")
	}
	if _, err := a.Currency.Scale(); err != nil {
		v.add("currency", "%v", err)
	}
	return v.err("account")
}
