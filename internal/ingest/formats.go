package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
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
	Consents:     {"customer_id", "purpose", "status", "source", "at"},
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
		return nil, lineError(1, err)
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
				clientele.Excerpt(h), kind, strings.Join(known, ", "), clientele.Excerpt(h), clientele.Excerpt(h))
		}
		if j, dup := t.col[f]; dup {
			return nil, fmt.Errorf("line 1: columns %q and %q both give field %s", clientele.Excerpt(head[j]), clientele.Excerpt(h), f)
		}
		t.col[f] = i
		t.name[f] = h
	}
	for from := range mapping {
		if !slices.Contains(head, from) {
			return nil, fmt.Errorf("--map %s=…: the file has no column %q (columns: %s)", from, from, clientele.Excerpt(strings.Join(head, ", ")))
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
				strings.Join(alts, " or "), clientele.Excerpt(strings.Join(head, ", ")), alts[0], alts[0])
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

// checkWidth reports a record with more fields than the header has
// columns: the extra values have no column to go to and would be lost.
func (t *csvTable) checkWidth(e *rowErrs) {
	if len(t.rec) > len(t.head) {
		e.add("", "has %d fields, the header has %d columns", len(t.rec), len(t.head))
	}
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
	// A reason never echoes a whole oversized value.
	e.errs = append(e.errs, RowError{Line: e.line, Column: clientele.Excerpt(col), Reason: fmt.Sprintf(format, clientele.ExcerptArgs(args)...)})
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
			return time.Time{}, fmt.Errorf("%q is not a date (YYYYMMDD)", clientele.Excerpt(s))
		}
		return clientele.TimeInRange(t.UTC())
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
		return item[T]{}, lineError(p.line+1, err)
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
	p.t.checkWidth(&e)
	v := p.build(p.t, &e)
	if len(e.errs) == 0 {
		e.fromDomain(p.check(&v))
	}
	return item[T]{v: v, line: p.t.line, raw: slices.Clone(p.t.rec), errs: e.errs}, nil
}
