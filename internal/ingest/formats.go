package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"clientele"
)

// fieldsOf lists the fields a CSV file of each kind may map its columns to.
var fieldsOf = map[Kind][]string{
	Transactions: {"id", "customer_id", "time", "store", "channel", "payment_method", "amount", "margin", "currency", "quantity", "sku", "unit_price"},
	Customers:    {"id", "name", "email", "phone", "birth_date", "city", "household_id", "created_at"},
	Products:     {"sku", "name", "category", "brand", "price", "unit_cost", "currency"},
	Accounts:     {"id", "customer_id", "kind", "product", "tier", "holder", "opened_on", "closed_on", "parent_id", "spending_limit", "currency"},
	Events:       {"id", "customer_id", "type", "time", "properties"},
	Brands:       {"name", "owner"},
}

// aliases are column names read as a field without a --map.
var aliases = map[string]string{"date": "time", "timestamp": "time", "customer": "customer_id", "price": "unit_price", "event_type": "type"}

// Fields returns the fields a CSV file of kind k can hold.
func Fields(k Kind) []string { return fieldsOf[k] }

// csvTable reads a CSV file with a header and finds each field's column.
type csvTable struct {
	r       *csv.Reader
	cr      *countingReader
	head    []string
	col     map[string]int    // field → column index
	name    map[string]string // field → column name, for messages
	extra   []int             // unmapped columns (customers: attributes)
	rec     []string
	line    int
	pending bool
}

func newCSVTable(r io.Reader, cr *countingReader, kind Kind, mapping map[string]string, required ...string) (*csvTable, error) {
	cr2 := csv.NewReader(r)
	cr2.ReuseRecord = true
	cr2.FieldsPerRecord = -1
	head, err := cr2.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("empty file: a CSV file needs a header line")
	}
	if err != nil {
		return nil, fmt.Errorf("line 1: %v", err)
	}
	head = slices.Clone(head)
	if len(head) > 0 {
		head[0] = strings.TrimPrefix(head[0], "\uFEFF")
	}
	t := &csvTable{r: cr2, cr: cr, head: head, col: map[string]int{}, name: map[string]string{}, line: 1}
	known := fieldsOf[kind]
	for i, h := range head {
		h = strings.TrimSpace(h)
		f, mapped := mapping[h]
		if !mapped {
			f = strings.ToLower(h)
			if a, ok := aliases[f]; ok && slices.Contains(known, a) {
				f = a
			}
		}
		if f == "-" || f == "" {
			continue
		}
		if !slices.Contains(known, f) {
			if kind == Customers && !mapped {
				t.extra = append(t.extra, i)
				continue
			}
			return nil, fmt.Errorf("line 1: column %q is not a %s field (fields: %s); map it with --map '%s=FIELD' or skip it with --map '%s=-'",
				h, kind, strings.Join(known, ", "), h, h)
		}
		if j, dup := t.col[f]; dup {
			return nil, fmt.Errorf("line 1: columns %q and %q both give field %s", head[j], h, f)
		}
		t.col[f] = i
		t.name[f] = h
	}
	for from := range mapping {
		if !slices.Contains(head, from) {
			return nil, fmt.Errorf("--map %s=…: the file has no column %q (columns: %s)", from, from, strings.Join(head, ", "))
		}
	}
	for _, f := range required {
		alts := strings.Split(f, "|")
		found := false
		for _, a := range alts {
			if _, ok := t.col[a]; ok {
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("line 1: no column gives field %s (columns: %s); name one %s or map one with --map COLUMN=%s",
				strings.Join(alts, " or "), strings.Join(head, ", "), alts[0], alts[0])
		}
	}
	return t, nil
}

// read advances to the next record; it returns io.EOF at the end.
func (t *csvTable) read() error {
	if t.pending {
		t.pending = false
		return nil
	}
	rec, err := t.r.Read()
	if err != nil {
		if err == io.EOF {
			return err
		}
		if pe, ok := err.(*csv.ParseError); ok {
			return fmt.Errorf("line %d: %v", pe.StartLine, pe.Err)
		}
		return err
	}
	t.line, _ = t.r.FieldPos(0)
	t.rec = rec
	t.cr.rows.Add(1)
	return nil
}

// unread makes the next read return the current record again.
func (t *csvTable) unread() { t.pending = true }

func (t *csvTable) get(field string) string {
	i, ok := t.col[field]
	if !ok || i >= len(t.rec) {
		return ""
	}
	return strings.TrimSpace(t.rec[i])
}

func (t *csvTable) has(field string) bool { _, ok := t.col[field]; return ok }

func (t *csvTable) header() []string { return t.head }

// rowErrs collects the errors of one row.
type rowErrs struct {
	line int
	t    *csvTable
	errs []RowError
}

func (e *rowErrs) add(field, format string, args ...any) {
	col := field
	if e.t != nil {
		if n, ok := e.t.name[field]; ok {
			col = n
		}
	}
	e.errs = append(e.errs, RowError{Line: e.line, Column: col, Reason: fmt.Sprintf(format, args...)})
}

// fromDomain turns a validation error of the domain into row errors.
func (e *rowErrs) fromDomain(err error) {
	if err == nil {
		return
	}
	details := clientele.ErrorDetails(err)
	if len(details) == 0 {
		e.add("", "%v", err)
		return
	}
	for _, d := range details {
		e.add(d.Field, "%s", d.Reason)
	}
}

// parseTime reads a time in any of the forms files use: RFC 3339,
// YYYY-MM-DD[ HH:MM[:SS]] and YYYYMMDD (as in CDNOW), in loc when it has no
// offset.
func parseTime(s string, loc *time.Location) (time.Time, error) {
	if len(s) == 8 && isDigits(s) {
		t, err := time.ParseInLocation("20060102", s, loc)
		if err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date (YYYYMMDD)", s)
		}
		return t.UTC(), nil
	}
	return clientele.ParseTime(s, loc)
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func (e *rowErrs) amount(field, s string, scale int) int64 {
	v, err := clientele.ParseAmount(s, scale)
	if err != nil {
		e.add(field, "%v", err)
	}
	return v
}

func (e *rowErrs) integer(field, s string) int64 {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		e.add(field, "%q is not a whole number", s)
	}
	return v
}

// ---- transactions ----

func transactionParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Transaction], error) {
	switch opt.Format {
	case FormatCDNOW:
		if len(opt.Map) > 0 {
			return nil, fmt.Errorf("--map applies to CSV files only")
		}
		return &cdnowParser{sc: newScanner(r), opt: opt, cr: cr}, nil
	case FormatCSV:
		t, err := newCSVTable(r, cr, Transactions, opt.Map, "customer_id", "time", "amount|unit_price")
		if err != nil {
			return nil, err
		}
		if t.has("unit_price") != t.has("sku") {
			return nil, fmt.Errorf("line 1: a file of transaction lines needs both a sku and a unit_price column")
		}
		return &txCSVParser{t: t, opt: opt}, nil
	case FormatNDJSON:
		return &ndjsonParser[clientele.Transaction]{sc: newScanner(r), cr: cr, decode: func(b []byte) (clientele.Transaction, error) {
			return clientele.DecodeTransaction(b, opt.Currency, opt.Location)
		}}, nil
	}
	return nil, fmt.Errorf("unknown format %q for transactions (want cdnow, csv or ndjson)", opt.Format)
}

func newScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return sc
}

// cdnowParser reads the CDNOW layouts: whitespace-separated
// "customer_id date quantity amount" (the master file, with a header line) or
// "customer_id sample_id date quantity amount" (the 1/10 sample, no header).
// Dates are YYYYMMDD; every row is one transaction.
type cdnowParser struct {
	sc    *bufio.Scanner
	opt   *Options
	cr    *countingReader
	line  int
	cols  int // 4 or 5, set by the first data row
	scale int
	f     [][]byte
}

func (p *cdnowParser) header() []string { return nil }

func (p *cdnowParser) next() (item[clientele.Transaction], error) {
	for p.sc.Scan() {
		p.line++
		b := p.sc.Bytes()
		p.f = fieldsInto(p.f[:0], b)
		if len(p.f) == 0 {
			continue
		}
		if p.cols == 0 && !isDigits(string(p.f[0])) && p.line == 1 {
			continue // header line
		}
		p.cr.rows.Add(1)
		it := item[clientele.Transaction]{line: p.line, raw: []string{string(b)}}
		e := rowErrs{line: p.line}
		if p.cols == 0 {
			if len(p.f) != 4 && len(p.f) != 5 {
				e.add("", "has %d columns; CDNOW has 4 (customer_id date quantity amount) or 5 (customer_id sample_id date quantity amount)", len(p.f))
				it.errs = e.errs
				return it, nil
			}
			p.cols = len(p.f)
			p.scale, _ = p.opt.Currency.Scale()
		}
		if len(p.f) != p.cols {
			e.add("", "has %d columns, the file's first row has %d", len(p.f), p.cols)
			it.errs = e.errs
			return it, nil
		}
		off := p.cols - 4
		cust, date, qty, amt := string(p.f[0]), string(p.f[1+off]), p.f[2+off], p.f[3+off]
		t := clientele.Transaction{CustomerID: cust, Currency: p.opt.Currency}
		t.ID = DeriveID(Transactions, p.line, strings.Join(strings.Fields(string(b)), " "))
		if len(date) != 8 || !isDigits(date) {
			e.add("date", "%q is not a date (YYYYMMDD)", date)
		} else if tm, err := parseTime(date, p.opt.Location); err != nil {
			e.add("date", "%v", err)
		} else {
			t.Time = tm
		}
		if q, err := strconv.ParseInt(string(qty), 10, 64); err != nil || q < 0 {
			e.add("quantity", "%q is not a whole number ≥ 0", qty)
		} else {
			t.Quantity = q
		}
		if a, err := clientele.ParseAmountBytes(amt, p.scale); err != nil {
			e.add("amount", "%v", err)
		} else {
			t.Amount = a
		}
		if len(e.errs) == 0 {
			e.fromDomain(t.Validate())
		}
		it.v, it.errs = t, e.errs
		return it, nil
	}
	if err := p.sc.Err(); err != nil {
		return item[clientele.Transaction]{}, fmt.Errorf("line %d: %w", p.line+1, err)
	}
	return item[clientele.Transaction]{}, io.EOF
}

// fieldsInto splits b at runs of spaces and tabs without allocating.
func fieldsInto(dst [][]byte, b []byte) [][]byte {
	i := 0
	for i < len(b) {
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r') {
			i++
		}
		j := i
		for j < len(b) && b[j] != ' ' && b[j] != '\t' && b[j] != '\r' {
			j++
		}
		if j > i {
			dst = append(dst, b[i:j])
		}
		i = j
	}
	return dst
}

// txCSVParser reads transactions from CSV: one row per transaction, or, with
// sku and unit_price columns, one row per line, consecutive rows with the
// same customer and transaction id making one transaction.
type txCSVParser struct {
	t   *csvTable
	opt *Options
}

func (p *txCSVParser) header() []string { return p.t.header() }

func (p *txCSVParser) next() (item[clientele.Transaction], error) {
	if err := p.t.read(); err != nil {
		return item[clientele.Transaction]{}, err
	}
	it := item[clientele.Transaction]{line: p.t.line}
	e := rowErrs{line: p.t.line, t: p.t}
	t := p.row(&e, &it)
	if !p.t.has("sku") {
		// One row, one transaction: keep the row only if it is rejected.
		if len(e.errs) == 0 {
			t.Complete()
			e.fromDomain(t.Validate())
		}
		if len(e.errs) > 0 {
			it.raw = slices.Clone(p.t.rec)
		}
		it.v, it.errs = t, e.errs
		return it, nil
	}
	// Lines: keep every row of the transaction, in case it is rejected.
	it.raw = append(it.raw, slices.Clone(p.t.rec)...)
	if t.ID != "" {
		// Gather the following lines of the same transaction.
		for {
			err := p.t.read()
			if err == io.EOF {
				break
			}
			if err != nil {
				return it, err
			}
			if p.t.get("id") != t.ID || p.t.get("customer_id") != t.CustomerID {
				p.t.unread()
				break
			}
			e.line = p.t.line
			next := p.row(&e, &it)
			it.raw = append(it.raw, slices.Clone(p.t.rec)...)
			t.Lines = append(t.Lines, next.Lines...)
		}
	}
	if len(e.errs) == 0 {
		t.Complete()
		e.line = it.line
		e.fromDomain(t.Validate())
	}
	it.v, it.errs = t, e.errs
	return it, nil
}

// row reads the current record into a transaction, appending errors to e.
func (p *txCSVParser) row(e *rowErrs, it *item[clientele.Transaction]) clientele.Transaction {
	t := p.t
	tr := clientele.Transaction{
		ID: t.get("id"), CustomerID: t.get("customer_id"), Store: t.get("store"), Channel: t.get("channel"),
		PaymentMethod: t.get("payment_method"), Currency: clientele.Currency(t.get("currency")),
	}
	if tr.Currency == "" {
		tr.Currency = p.opt.Currency
	}
	if tr.ID == "" {
		tr.ID = DeriveID(Transactions, t.line, t.rec...)
	}
	scale, err := tr.Currency.Scale()
	if err != nil {
		e.add("currency", "%v", err)
		return tr
	}
	if s := t.get("time"); s == "" {
		e.add("time", "is empty")
	} else if tm, err := parseTime(s, p.opt.Location); err != nil {
		e.add("time", "%v", err)
	} else {
		tr.Time = tm
	}
	if s := t.get("amount"); s != "" {
		tr.Amount = e.amount("amount", s, scale)
	} else if !t.has("unit_price") {
		e.add("amount", "is empty")
	}
	if s := t.get("margin"); s != "" {
		m := e.amount("margin", s, scale)
		tr.Margin = &m
	}
	if s := t.get("quantity"); s != "" && !t.has("sku") {
		tr.Quantity = e.integer("quantity", s)
	}
	if t.has("sku") {
		l := clientele.Line{SKU: t.get("sku"), Quantity: 1}
		if s := t.get("quantity"); s != "" {
			l.Quantity = e.integer("quantity", s)
		}
		if s := t.get("unit_price"); s == "" {
			e.add("unit_price", "is empty")
		} else {
			l.UnitPrice = e.amount("unit_price", s, scale)
		}
		tr.Lines = []clientele.Line{l}
	}
	return tr
}

// ndjsonParser reads one JSON object per line.
type ndjsonParser[T any] struct {
	sc     *bufio.Scanner
	cr     *countingReader
	line   int
	decode func([]byte) (T, error)
}

func (p *ndjsonParser[T]) header() []string { return nil }

func (p *ndjsonParser[T]) next() (item[T], error) {
	for p.sc.Scan() {
		p.line++
		b := bytes.TrimSpace(p.sc.Bytes())
		if len(b) == 0 {
			continue
		}
		p.cr.rows.Add(1)
		it := item[T]{line: p.line, raw: []string{string(b)}}
		v, err := p.decode(b)
		if err != nil {
			e := rowErrs{line: p.line}
			e.fromDomain(err)
			it.errs = e.errs
		}
		it.v = v
		return it, nil
	}
	if err := p.sc.Err(); err != nil {
		return item[T]{}, fmt.Errorf("line %d: %w", p.line+1, err)
	}
	return item[T]{}, io.EOF
}

// csvRowParser reads one item per CSV row with a build function.
type csvRowParser[T any] struct {
	t     *csvTable
	build func(t *csvTable, e *rowErrs) T
	check func(*T) error
}

func (p *csvRowParser[T]) header() []string { return p.t.header() }

func (p *csvRowParser[T]) next() (item[T], error) {
	if err := p.t.read(); err != nil {
		return item[T]{}, err
	}
	e := rowErrs{line: p.t.line, t: p.t}
	v := p.build(p.t, &e)
	if len(e.errs) == 0 {
		e.fromDomain(p.check(&v))
	}
	return item[T]{v: v, line: p.t.line, raw: slices.Clone(p.t.rec), errs: e.errs}, nil
}

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
			var j clientele.CustomerJSON
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&j); err != nil {
				return clientele.Customer{}, clientele.Errorf(clientele.EINVALID, "invalid customer JSON: %w", err)
			}
			c, err := j.Customer()
			if err == nil && j.CreatedAt != "" {
				c.CreatedAt, err = parseTime(j.CreatedAt, opt.Location)
			}
			return c, err
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
		return &csvRowParser[clientele.Event]{t: t, check: (*clientele.Event).Validate, build: func(t *csvTable, e *rowErrs) clientele.Event {
			ev := clientele.Event{ID: t.get("id"), CustomerID: t.get("customer_id"), Type: t.get("type")}
			if ev.ID == "" {
				ev.ID = DeriveID(Events, t.line, t.rec...)
			}
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
