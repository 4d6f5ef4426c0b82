package clientele

import (
	"fmt"
	"slices"
	"time"
)

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
	checkAmount(&v, "amount", t.Amount)
	if t.Margin != nil {
		checkAmount(&v, "margin", *t.Margin)
	}
	if t.Quantity > MaxQuantity || t.Quantity < -MaxQuantity {
		v.add("quantity", "is out of range: at most %d either way", int64(MaxQuantity))
	}
	for i, l := range t.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		checkID(&v, f+".sku", l.SKU)
		switch {
		case l.Quantity == 0:
			v.add(f+".quantity", "is zero")
		case l.Quantity > MaxQuantity || l.Quantity < -MaxQuantity:
			v.add(f+".quantity", "is out of range: at most %d either way", int64(MaxQuantity))
		}
		if l.UnitPrice < 0 {
			v.add(f+".unit_price", "is negative")
		} else if l.UnitPrice > MaxAmount {
			checkAmount(&v, f+".unit_price", l.UnitPrice)
		} else if lt := SatMul(l.Quantity, l.UnitPrice); lt > MaxAmount || lt < -MaxAmount {
			v.add(f, "quantity × unit_price is out of range: at most %d minor units either way", int64(MaxAmount))
		}
	}
	return v.err("transaction")
}

// LinesTotal returns Σ quantity × unit price over t's lines, saturating
// at the int64 bounds (an amount out of range that Validate refuses) rather
// than wrapping around.
func (t *Transaction) LinesTotal() int64 {
	var s int64
	for _, l := range t.Lines {
		s = SatAdd(s, SatMul(l.Quantity, l.UnitPrice))
	}
	return s
}

// Differs names the fields in which t and u, the same transaction sent
// twice, differ: a repeated id with other content is kept as first stored,
// and the sender should know what was not taken.
func (t *Transaction) Differs(u *Transaction) []string {
	var d []string
	add := func(field string, differ bool) {
		if differ {
			d = append(d, field)
		}
	}
	add("time", !t.Time.Equal(u.Time))
	add("amount", t.Amount != u.Amount)
	add("margin", (t.Margin == nil) != (u.Margin == nil) || (t.Margin != nil && *t.Margin != *u.Margin))
	add("currency", t.Currency != u.Currency)
	add("store", t.Store != u.Store)
	add("channel", t.Channel != u.Channel)
	add("payment_method", t.PaymentMethod != u.PaymentMethod)
	add("quantity", t.Quantity != u.Quantity)
	add("lines", !slices.Equal(t.Lines, u.Lines))
	return d
}
