package web

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"time"
	"unicode/utf8"

	"clientele"
)

func (s *Server) timeOrNil(t time.Time) any { return clientele.TimeJSON(t, s.cfg.Location) }

func intParam(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, &clientele.Error{Code: clientele.EINVALID, Message: "invalid query parameter",
			Details: []clientele.FieldError{{Field: name, Reason: "must be a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)}}}
	}
	return n, nil
}

type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty" personal:"cursor"`
}

const maxBody = 16 << 20

// decodeBody reads r's body as one JSON value into v, strictly: sent as
// application/json, the JSON type v has (an object for a struct or map,
// an array for a slice; not null), no unknown fields, no trailing data, at
// most maxBody bytes.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	// encoding/json turns invalid UTF-8 in a string into U+FFFD without a
	// word: a body that is not UTF-8 is refused before it is decoded. (A
	// batch, read item by item, checks each item's text instead.)
	r.Body = &utf8Body{ReadCloser: r.Body}
	want := byte('{')
	if reflect.TypeOf(v).Elem().Kind() == reflect.Slice {
		want = '['
	}
	dec, err := jsonBody(w, r, want)
	if err != nil {
		return err
	}
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if dec.More() {
		return clientele.Errorf(clientele.EINVALID, "invalid JSON body: trailing data")
	}
	return nil
}

// jsonBody checks that r's body is sent as application/json and begins
// with want ('{' or '['), and returns a decoder of it, limited to maxBody
// bytes, that reads numbers as json.Number.
func jsonBody(w http.ResponseWriter, r *http.Request, want byte) (*json.Decoder, error) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, clientele.Errorf(clientele.EUNSUPPORTED, "send the body as application/json (Content-Type: %q)", clientele.Excerpt(r.Header.Get("Content-Type")))
	}
	br := bufio.NewReader(http.MaxBytesReader(w, r.Body, maxBody))
	if c, err := firstByte(br); err != nil || c != want {
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, bodyError(err)
		}
		what := map[byte]string{'{': "an object", '[': "an array"}[want]
		return nil, clientele.Errorf(clientele.EINVALID, "invalid JSON body: want %s", what)
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	return dec, nil
}

// errNotUTF8 is utf8Body's error.
var errNotUTF8 = errors.New("the body is not valid UTF-8")

// utf8Body is a request body that fails with errNotUTF8 at the first byte
// that is not part of valid UTF-8, checked as it streams: a rune cut
// between two reads is checked once its rest has come.
type utf8Body struct {
	io.ReadCloser
	carry []byte // the start of a rune the last read ended in
}

func (b *utf8Body) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	chunk := append(b.carry, p[:n]...)
	// Keep back an incomplete rune at the end, at most three bytes.
	cut := len(chunk)
	for i := len(chunk) - 1; i >= 0 && i >= len(chunk)-3; i-- {
		if utf8.RuneStart(chunk[i]) {
			if !utf8.FullRune(chunk[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(chunk[:cut]) {
		return 0, errNotUTF8
	}
	b.carry = append(b.carry[:0], chunk[cut:]...)
	if err == io.EOF && len(b.carry) > 0 {
		return 0, errNotUTF8
	}
	return n, err
}

// bodyError is the error of reading or decoding a body.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return clientele.Errorf(clientele.EINVALID, "request body larger than %d bytes", maxBody)
	}
	if errors.Is(err, errNotUTF8) {
		return &clientele.Error{Code: clientele.EINVALID, Message: "invalid JSON body",
			Details: []clientele.FieldError{{Field: "body", Reason: "is not valid UTF-8"}}}
	}
	return clientele.JSONError("invalid JSON body", err)
}

// firstByte returns the first byte of br after JSON white space, leaving
// it unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		c, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return c, br.UnreadByte()
		}
	}
}

// params reads a request's query parameters, collecting every bad one.
type params struct {
	r       *http.Request
	loc     *time.Location
	details []clientele.FieldError
}

func (p *params) bad(name, reason string) {
	p.details = append(p.details, clientele.FieldError{Field: name, Reason: reason})
}

func (p *params) err() error {
	if len(p.details) == 0 {
		return nil
	}
	return &clientele.Error{Code: clientele.EINVALID, Message: "invalid query parameter", Details: p.details}
}

func (p *params) str(name, def string) string {
	if v := p.r.URL.Query().Get(name); v != "" {
		return v
	}
	return def
}

func (p *params) integer(name string, def, lo, hi int) int {
	n, err := intParam(p.r, name, def, lo, hi)
	if err != nil {
		p.details = append(p.details, clientele.ErrorDetails(err)...)
	}
	return n
}

// date reads a day, YYYY-MM-DD, in the server's zone; zero when absent.
func (p *params) date(name string) time.Time {
	v := p.r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}
	}
	t, err := clientele.ParseDay(v, p.loc)
	if err != nil {
		p.bad(name, "must be a date, YYYY-MM-DD, from 1900-01-01 to 2199-12-31")
	}
	return t
}

func (p *params) amount(name string, scale int) int64 {
	v := p.r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	a, err := clientele.ParseCost(v, scale)
	if err != nil {
		p.bad(name, "must be an amount from 0 to "+clientele.FormatAmount(clientele.MaxAmount, scale)+" with at most "+strconv.Itoa(scale)+" decimals")
	}
	return a
}
