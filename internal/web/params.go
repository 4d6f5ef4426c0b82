package web

import (
	"encoding/json"
	"errors"
	"net/http"
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
	Next  string `json:"next,omitempty"`
}

const maxBody = 16 << 20

// decodeBody reads r's body as one JSON value into v, strictly: no
// unknown fields, no trailing data, at most maxBody bytes.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return clientele.Errorf(clientele.EINVALID, "request body larger than %d bytes", maxBody)
		}
		return clientele.Errorf(clientele.EINVALID, "invalid JSON body: %w", err)
	}
	if dec.More() {
		return clientele.Errorf(clientele.EINVALID, "invalid JSON body: trailing data")
	}
	return nil
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
	t, err := time.ParseInLocation(time.DateOnly, v, p.loc)
	if err != nil {
		p.bad(name, "must be a date, YYYY-MM-DD")
	}
	return t
}

func (p *params) amount(name string, scale int) int64 {
	v := p.r.URL.Query().Get(name)
	if v == "" {
		return 0
	}
	a, err := clientele.ParseAmount(v, scale)
	if err != nil || a < 0 {
		p.bad(name, "must be an amount ≥ 0 with at most "+strconv.Itoa(scale)+" decimals")
	}
	return a
}
