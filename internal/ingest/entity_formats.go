package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"clientele"
)

// ---- customers ----

func customerParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Customer], error) {
	switch opt.Format {
	case FormatCSV:
		t, err := newCSVTable(r, cr, Customers, opt.Map, "id")
		if err != nil {
			return nil, err
		}
		return &csvRowParser[clientele.Customer]{t: t, check: (*clientele.Customer).Validate, build: func(t *csvTable, e *rowErrs) clientele.Customer {
			c := clientele.Customer{ID: t.get("id"), Name: t.get("name"), Email: t.get("email"), Phone: t.get("phone"),
				BirthDate: t.get("birth_date"), City: t.get("city"), HouseholdID: t.get("household_id")}
			if s := t.get("created_at"); s != "" {
				if tm, err := parseTime(s, opt.Location); err != nil {
					e.add("created_at", "%v", err)
				} else {
					c.CreatedAt = tm
				}
			}
			for _, i := range t.extra {
				if i < len(t.rec) && t.rec[i] != "" {
					if c.Attributes == nil {
						c.Attributes = map[string]any{}
					}
					c.Attributes[t.head[i]] = attrValue(t.rec[i])
				}
			}
			return c
		}}, nil
	case FormatNDJSON:
		return &ndjsonParser[clientele.Customer]{sc: newScanner(r), cr: cr, decode: func(b []byte) (clientele.Customer, error) {
			return clientele.DecodeCustomer(b, opt.Location)
		}}, nil
	}
	return nil, fmt.Errorf("unknown format %q for customers (want csv or ndjson)", opt.Format)
}

// attrValue keeps numbers and booleans of attribute columns typed.
func attrValue(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && isNumberLiteral(s) {
		return f
	}
	return s
}

func isNumberLiteral(s string) bool {
	// Identifiers such as "007" or "1e5" stay strings; plain decimals do not.
	if len(s) > 1 && s[0] == '0' && s[1] != '.' {
		return false
	}
	return !strings.ContainsAny(s, "eExX_+") && !strings.HasPrefix(s, ".")
}

// ---- products ----

func productParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Product], error) {
	if opt.Format != FormatCSV {
		return nil, fmt.Errorf("products are read from CSV files only")
	}
	t, err := newCSVTable(r, cr, Products, opt.Map, "sku")
	if err != nil {
		return nil, err
	}
	return &csvRowParser[clientele.Product]{t: t, check: (*clientele.Product).Validate, build: func(t *csvTable, e *rowErrs) clientele.Product {
		p := clientele.Product{SKU: t.get("sku"), Name: t.get("name"), Category: t.get("category"), Brand: t.get("brand"), Currency: clientele.Currency(t.get("currency"))}
		if p.Currency == "" {
			p.Currency = opt.Currency
		}
		scale, err := p.Currency.Scale()
		if err != nil {
			e.add("currency", "%v", err)
			return p
		}
		if s := t.get("price"); s != "" {
			p.Price = e.amount("price", s, scale)
		}
		if s := t.get("unit_cost"); s != "" {
			p.UnitCost = e.amount("unit_cost", s, scale)
		}
		return p
	}}, nil
}

// ---- accounts ----

func accountParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Account], error) {
	if opt.Format != FormatCSV {
		return nil, fmt.Errorf("accounts are read from CSV files only")
	}
	t, err := newCSVTable(r, cr, Accounts, opt.Map, "id", "customer_id", "opened_on")
	if err != nil {
		return nil, err
	}
	return &csvRowParser[clientele.Account]{t: t, check: (*clientele.Account).Validate, build: func(t *csvTable, e *rowErrs) clientele.Account {
		a := clientele.Account{ID: t.get("id"), CustomerID: t.get("customer_id"), Kind: t.get("kind"), Product: t.get("product"),
			Tier: t.get("tier"), Holder: t.get("holder"), OpenedOn: t.get("opened_on"), ClosedOn: t.get("closed_on"),
			ParentID: t.get("parent_id"), Currency: clientele.Currency(t.get("currency"))}
		if a.Kind == "" {
			a.Kind = clientele.AccountCard
		}
		if a.Currency == "" {
			a.Currency = opt.Currency
		}
		if s := t.get("spending_limit"); s != "" {
			scale, err := a.Currency.Scale()
			if err != nil {
				e.add("currency", "%v", err)
				return a
			}
			l := e.amount("spending_limit", s, scale)
			a.SpendingLimit = &l
		}
		return a
	}}, nil
}

// ---- events ----

func eventParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Event], error) {
	switch opt.Format {
	case FormatNDJSON:
		return &ndjsonParser[clientele.Event]{sc: newScanner(r), cr: cr, decode: func(b []byte) (clientele.Event, error) {
			return clientele.DecodeEvent(b, opt.Location)
		}}, nil
	case FormatCSV:
		t, err := newCSVTable(r, cr, Events, opt.Map, "customer_id", "type", "time")
		if err != nil {
			return nil, err
		}
		ids := newContentIDs() // for rows without an id
		return &csvRowParser[clientele.Event]{t: t, check: (*clientele.Event).Validate, build: func(t *csvTable, e *rowErrs) clientele.Event {
			ev := clientele.Event{ID: t.get("id"), CustomerID: t.get("customer_id"), Type: t.get("type")}
			if s := t.get("time"); s == "" {
				e.add("time", "is empty")
			} else if tm, err := parseTime(s, opt.Location); err != nil {
				e.add("time", "%v", err)
			} else {
				ev.Time = tm
			}
			if s := t.get("properties"); s != "" {
				ev.Properties = json.RawMessage(s)
			}
			if ev.ID == "" && len(e.errs) == 0 {
				var props bytes.Buffer
				if json.Compact(&props, ev.Properties) != nil {
					props.Reset()
					props.Write(ev.Properties) // not JSON: Validate refuses it
				}
				ev.ID = ids.id(Events, ev.CustomerID, ev.Type, ev.Time.UTC().Format(time.RFC3339Nano), props.String())
			}
			return ev
		}}, nil
	}
	return nil, fmt.Errorf("unknown format %q for events (want ndjson or csv)", opt.Format)
}

// ---- brands ----

func brandParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Brand], error) {
	if opt.Format != FormatCSV {
		return nil, fmt.Errorf("brands are read from CSV files only")
	}
	t, err := newCSVTable(r, cr, Brands, opt.Map, "name")
	if err != nil {
		return nil, err
	}
	return &csvRowParser[clientele.Brand]{t: t, check: (*clientele.Brand).Validate, build: func(t *csvTable, e *rowErrs) clientele.Brand {
		return clientele.Brand{Name: t.get("name"), Owner: t.get("owner")}
	}}, nil
}

// ---- consents ----

// consentParser reads consent statements: customer_id, purpose, status,
// and optionally source and at (when it was stated; required: an import
// of old forms must not pass for today's consent).
func consentParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Consent], error) {
	if opt.Format != FormatCSV {
		return nil, fmt.Errorf("unknown format %q for consents (want csv)", opt.Format)
	}
	t, err := newCSVTable(r, cr, Consents, opt.Map, "customer_id", "purpose", "status", "at")
	if err != nil {
		return nil, err
	}
	return &csvRowParser[clientele.Consent]{t: t, check: (*clientele.Consent).Validate, build: func(t *csvTable, e *rowErrs) clientele.Consent {
		c := clientele.Consent{CustomerID: t.get("customer_id"), Purpose: t.get("purpose"), Status: t.get("status"), Source: t.get("source")}
		if s := t.get("at"); s == "" {
			e.add("at", "is empty")
		} else if tm, err := parseTime(s, opt.Location); err != nil {
			e.add("at", "%v", err)
		} else {
			c.At = tm
		}
		return c
	}}, nil
}
