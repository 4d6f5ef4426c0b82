package ingest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"

	"clientele"
)

// ---- transactions ----

func transactionParser(r io.Reader, opt *Options, cr *countingReader) (parser[clientele.Transaction], error) {
	switch opt.Format {
	case FormatCDNOW:
		if len(opt.Map) > 0 {
			return nil, fmt.Errorf("--map applies to CSV files only")
		}
		return &cdnowParser{sc: newScanner(r), opt: opt, cr: cr, ids: newContentIDs()}, nil
	case FormatCSV:
		t, err := newCSVTable(r, cr, Transactions, opt.Map, "customer_id", "time", "amount|unit_price")
		if err != nil {
			return nil, err
		}
		if t.has("unit_price") != t.has("sku") {
			return nil, fmt.Errorf("line 1: a file of transaction lines needs both a sku and a unit_price column")
		}
		return &txCSVParser{t: t, opt: opt, ids: newContentIDs()}, nil
	case FormatNDJSON:
		return &ndjsonParser[clientele.Transaction]{sc: newScanner(r), cr: cr, decode: func(b []byte) (clientele.Transaction, error) {
			return clientele.DecodeTransaction(b, opt.Currency, opt.Location)
		}}, nil
	}
	return nil, fmt.Errorf("unknown format %q for transactions (want cdnow, csv or ndjson)", opt.Format)
}

func newScanner(r io.Reader) *bufio.Scanner {
	sc := bufio.NewScanner(r)
	// The line limiter under r stops a longer line first, with its number.
	sc.Buffer(make([]byte, 64<<10), MaxLineBytes+1)
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
	ids   *contentIDs
}

func (p *cdnowParser) header() []string { return nil }

func (p *cdnowParser) next() (item[clientele.Transaction], error) {
	for p.sc.Scan() {
		p.line++
		b := p.sc.Bytes()
		if p.line == 1 {
			b = bytes.TrimPrefix(b, []byte("\uFEFF")) // a byte-order mark
		}
		p.f = fieldsInto(p.f[:0], b)
		if len(p.f) == 0 {
			continue
		}
		if p.line == 1 && !cdnowData(p.f) {
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
			t.ID = p.ids.id(Transactions, canonicalTransaction(&t)...)
			e.fromDomain(t.Validate())
		}
		it.v, it.errs = t, e.errs
		return it, nil
	}
	if err := p.sc.Err(); err != nil {
		return item[clientele.Transaction]{}, lineError(p.line+1, err)
	}
	return item[clientele.Transaction]{}, io.EOF
}

// cdnowData reports whether a CDNOW line's fields are those of a data row
// (4 or 5 of them, a YYYYMMDD date third from the end), not a header's:
// a first row whose customer id is not a number is data all the same.
func cdnowData(f [][]byte) bool {
	if len(f) != 4 && len(f) != 5 {
		return false
	}
	d := f[len(f)-3]
	return len(d) == 8 && isDigits(string(d))
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
	ids *contentIDs // for rows without an id
}

func (p *txCSVParser) header() []string { return p.t.header() }

func (p *txCSVParser) next() (item[clientele.Transaction], error) {
	if err := p.t.read(); err != nil {
		return item[clientele.Transaction]{}, err
	}
	it := item[clientele.Transaction]{line: p.t.line}
	e := rowErrs{line: p.t.line, t: p.t}
	p.t.checkWidth(&e)
	t := p.row(&e, &it)
	if !p.t.has("sku") {
		// One row, one transaction: keep the row only if it is rejected.
		if len(e.errs) == 0 {
			t.Complete()
			p.deriveID(&t)
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
			p.t.checkWidth(&e)
			next := p.row(&e, &it)
			it.raw = append(it.raw, slices.Clone(p.t.rec)...)
			t.Lines = append(t.Lines, next.Lines...)
			// The lines of one transaction are in its currency: a line in
			// another would be summed as if it were not.
			if next.Currency != t.Currency {
				e.add("currency", "%s differs from the transaction's %s (line %d)", next.Currency, t.Currency, it.line)
			}
		}
	}
	if len(e.errs) == 0 {
		t.Complete()
		p.deriveID(&t)
		e.line = it.line
		e.fromDomain(t.Validate())
	}
	it.v, it.errs = t, e.errs
	return it, nil
}

// deriveID gives a transaction read without an id one from its content.
func (p *txCSVParser) deriveID(t *clientele.Transaction) {
	if t.ID == "" {
		t.ID = p.ids.id(Transactions, canonicalTransaction(t)...)
	}
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
