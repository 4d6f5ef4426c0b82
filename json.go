package clientele

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// The JSON forms below are the wire format of the HTTP API and of NDJSON
// files: snake_case keys, RFC 3339 times, money as exact decimal numbers in
// major units (29.33 for $29.33) with the currency beside them.

// TransactionJSON is the JSON form of a Transaction.
type TransactionJSON struct {
	ID            string      `json:"id"`
	CustomerID    string      `json:"customer_id" personal:"id"`
	Time          string      `json:"time"`
	Store         string      `json:"store,omitempty"`
	Channel       string      `json:"channel,omitempty"`
	PaymentMethod string      `json:"payment_method,omitempty"`
	Amount        json.Number `json:"amount"`
	Margin        json.Number `json:"margin,omitempty"`
	Currency      string      `json:"currency,omitempty"`
	Quantity      int64       `json:"quantity,omitempty"`
	Lines         []LineJSON  `json:"lines,omitempty"`
}

// LineJSON is the JSON form of a Line.
type LineJSON struct {
	SKU       string      `json:"sku"`
	Quantity  int64       `json:"quantity"`
	UnitPrice json.Number `json:"unit_price"`
}

// EventJSON is the JSON form of an Event.
type EventJSON struct {
	ID         string          `json:"id"`
	CustomerID string          `json:"customer_id" personal:"id"`
	Type       string          `json:"type"`
	Time       string          `json:"time"`
	Properties json.RawMessage `json:"properties,omitempty" personal:"data"`
}

// CustomerJSON is the JSON form of a Customer.
type CustomerJSON struct {
	ID          string         `json:"id" personal:"id"`
	Name        string         `json:"name,omitempty" personal:"data"`
	Email       string         `json:"email,omitempty" personal:"data"`
	Phone       string         `json:"phone,omitempty" personal:"data"`
	BirthDate   string         `json:"birth_date,omitempty" personal:"data"`
	City        string         `json:"city,omitempty" personal:"data"`
	HouseholdID string         `json:"household_id,omitempty" personal:"data"`
	CreatedAt   string         `json:"created_at,omitempty"`
	UpdatedAt   string         `json:"updated_at,omitempty"`
	Attributes  map[string]any `json:"attributes,omitempty" personal:"data"`
}

// ParseTime parses an RFC 3339 time; a bare date (YYYY-MM-DD) or a time
// without an offset is read in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return TimeInRange(t.UTC())
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999", "2006-01-02T15:04", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return TimeInRange(t.UTC())
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time or a YYYY-MM-DD date", Excerpt(s))
}

// JSONError is the error of decoding a JSON document, in the API's words
// rather than Go's: a value of the wrong type names its field and the JSON
// type wanted (not a Go type), a syntax error its byte offset, an unknown
// field its name.
func JSONError(message string, err error) *Error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var own *Error
	switch {
	case errors.As(err, &own) && len(own.Details) > 0:
		// A value's own decoder refused it, naming the field (a window).
		return &Error{Code: EINVALID, Message: message, Details: own.Details, Err: err}
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "(the document)"
		}
		return &Error{Code: EINVALID, Message: message, Details: []FieldError{{Field: field,
			Reason: "want " + jsonType(typeErr.Type) + ", not " + article(typeErr.Value)}}, Err: err}
	case errors.As(err, &syntaxErr):
		return &Error{Code: EINVALID, Message: fmt.Sprintf("%s: not valid JSON at byte %d", message, syntaxErr.Offset), Err: err}
	}
	return &Error{Code: EINVALID, Message: message + ": " + strings.TrimPrefix(err.Error(), "json: "), Err: err}
}

// jsonType names the JSON type a Go type is decoded from.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		if t == reflect.TypeOf(json.Number("")) {
			return "a number"
		}
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Name() == "RawMessage" {
			return "a JSON value"
		}
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "another JSON type"
}

// article puts a or an before a JSON type's name as encoding/json gives it.
func article(v string) string {
	switch v {
	case "array", "object":
		return "an " + v
	case "number", "string", "bool":
		return "a " + v
	}
	return v
}

func decodeStrict(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON object")
	}
	return nil
}

func amountField(v *invalid, field string, n json.Number, scale int) int64 {
	a, err := ParseAmount(string(n), scale)
	if err != nil {
		v.add(field, "%v", err)
	}
	return a
}

// Transaction converts j to a Transaction, with currency def when j names
// none and times without an offset read in loc. It validates the result.
func (j *TransactionJSON) Transaction(def Currency, loc *time.Location) (Transaction, error) {
	t := Transaction{
		ID: j.ID, CustomerID: j.CustomerID, Store: j.Store, Channel: j.Channel,
		PaymentMethod: j.PaymentMethod, Currency: Currency(j.Currency), Quantity: j.Quantity,
	}
	if t.Currency == "" {
		t.Currency = def
	}
	v := invalid{item: "transaction " + j.ID}
	if j.Time == "" {
		v.add("time", "is missing")
	} else if tm, err := ParseTime(j.Time, loc); err != nil {
		v.add("time", "%v", err)
	} else {
		t.Time = tm
	}
	scale, err := t.Currency.Scale()
	if err != nil {
		v.add("currency", "%v", err)
	}
	if err == nil {
		if j.Amount == "" && len(j.Lines) == 0 {
			v.add("amount", "is missing")
		} else if j.Amount != "" {
			t.Amount = amountField(&v, "amount", j.Amount, scale)
		}
		if j.Margin != "" {
			m := amountField(&v, "margin", j.Margin, scale)
			t.Margin = &m
		}
		for i, l := range j.Lines {
			line := Line{SKU: l.SKU, Quantity: l.Quantity}
			if l.UnitPrice == "" {
				v.add(fmt.Sprintf("lines[%d].unit_price", i), "is missing")
			} else {
				line.UnitPrice = amountField(&v, fmt.Sprintf("lines[%d].unit_price", i), l.UnitPrice, scale)
			}
			t.Lines = append(t.Lines, line)
		}
	}
	if len(v.details) > 0 {
		return t, v.err("transaction")
	}
	t.Complete()
	return t, t.Validate()
}

// Complete fills in what t's lines imply: the amount when it was not given,
// and the quantity as the sum of the lines' quantities.
func (t *Transaction) Complete() {
	if len(t.Lines) == 0 {
		return
	}
	if t.Amount == 0 {
		t.Amount = t.LinesTotal()
	}
	if t.Quantity == 0 {
		for _, l := range t.Lines {
			t.Quantity = SatAdd(t.Quantity, l.Quantity)
		}
	}
}

// DecodeTransaction decodes one transaction in JSON form, rejecting unknown
// fields, and validates it.
func DecodeTransaction(data []byte, def Currency, loc *time.Location) (Transaction, error) {
	var j TransactionJSON
	if err := decodeStrict(data, &j); err != nil {
		return Transaction{}, JSONError("invalid transaction JSON", err)
	}
	return j.Transaction(def, loc)
}

// JSON returns the JSON form of t with times shown in loc.
func (t *Transaction) JSON(loc *time.Location) TransactionJSON {
	scale, _ := t.Currency.Scale()
	j := TransactionJSON{
		ID: t.ID, CustomerID: t.CustomerID, Time: t.Time.In(loc).Format(time.RFC3339Nano),
		Store: t.Store, Channel: t.Channel, PaymentMethod: t.PaymentMethod,
		Amount: json.Number(FormatAmount(t.Amount, scale)), Currency: string(t.Currency), Quantity: t.Quantity,
	}
	if t.Margin != nil {
		j.Margin = json.Number(FormatAmount(*t.Margin, scale))
	}
	for _, l := range t.Lines {
		j.Lines = append(j.Lines, LineJSON{SKU: l.SKU, Quantity: l.Quantity, UnitPrice: json.Number(FormatAmount(l.UnitPrice, scale))})
	}
	return j
}

// Event converts j to an Event, reading times without an offset in loc, and
// validates it.
func (j *EventJSON) Event(loc *time.Location) (Event, error) {
	e := Event{ID: j.ID, CustomerID: j.CustomerID, Type: j.Type, Properties: j.Properties}
	if bytes.Equal(bytes.TrimSpace(e.Properties), []byte("null")) {
		e.Properties = nil
	}
	if j.Time == "" {
		return e, &Error{Code: EINVALID, Message: "invalid event", Details: []FieldError{{Item: "event " + j.ID, Field: "time", Reason: "is missing"}}}
	}
	tm, err := ParseTime(j.Time, loc)
	if err != nil {
		return e, &Error{Code: EINVALID, Message: "invalid event", Details: []FieldError{{Item: "event " + j.ID, Field: "time", Reason: err.Error()}}}
	}
	e.Time = tm
	return e, e.Validate()
}

// DecodeEvent decodes one event in JSON form, rejecting unknown fields, and
// validates it.
func DecodeEvent(data []byte, loc *time.Location) (Event, error) {
	var j EventJSON
	if err := decodeStrict(data, &j); err != nil {
		return Event{}, JSONError("invalid event JSON", err)
	}
	return j.Event(loc)
}

// JSON returns the JSON form of e with times shown in loc.
func (e *Event) JSON(loc *time.Location) EventJSON {
	props := e.Properties
	if len(props) == 0 {
		props = json.RawMessage("{}")
	}
	return EventJSON{ID: e.ID, CustomerID: e.CustomerID, Type: e.Type, Time: e.Time.In(loc).Format(time.RFC3339Nano), Properties: props}
}

// Customer converts j to a Customer and validates it. Created and updated
// times are set by the store, not taken from the client.
func (j *CustomerJSON) Customer() (Customer, error) {
	c := Customer{ID: j.ID, Name: j.Name, Email: j.Email, Phone: j.Phone, BirthDate: j.BirthDate, City: j.City, HouseholdID: j.HouseholdID, Attributes: j.Attributes}
	return c, c.Validate()
}

// DecodeCustomer decodes one customer in JSON form, as a file holds it,
// rejecting unknown fields and trailing data, and validates it. Numbers in
// attributes keep every digit. created_at, when given, is the customer's
// creation time; updated_at, when given, must be a time too, but the store
// keeps its own.
func DecodeCustomer(data []byte, loc *time.Location) (Customer, error) {
	var j CustomerJSON
	if err := decodeStrict(data, &j); err != nil {
		return Customer{}, JSONError("invalid customer JSON", err)
	}
	c, err := j.Customer()
	v := invalid{item: "customer " + j.ID}
	if j.CreatedAt != "" {
		if c.CreatedAt, err = ParseTime(j.CreatedAt, loc); err != nil {
			v.add("created_at", "%v", err)
		}
	}
	if j.UpdatedAt != "" {
		if _, err := ParseTime(j.UpdatedAt, loc); err != nil {
			v.add("updated_at", "%v", err)
		}
	}
	if e := v.err("customer"); e != nil {
		return c, e
	}
	return c, c.Validate()
}

// JSON returns the JSON form of c with times shown in loc.
func (c *Customer) JSON(loc *time.Location) CustomerJSON {
	j := CustomerJSON{ID: c.ID, Name: c.Name, Email: c.Email, Phone: c.Phone, BirthDate: c.BirthDate, City: c.City, HouseholdID: c.HouseholdID, Attributes: c.Attributes}
	if !c.CreatedAt.IsZero() {
		j.CreatedAt = c.CreatedAt.In(loc).Format(time.RFC3339)
	}
	if !c.UpdatedAt.IsZero() {
		j.UpdatedAt = c.UpdatedAt.In(loc).Format(time.RFC3339)
	}
	return j
}
