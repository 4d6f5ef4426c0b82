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

// bodyError is the error of reading or decoding a body.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return clientele.Errorf(clientele.EINVALID, "request body larger than %d bytes", maxBody)
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
