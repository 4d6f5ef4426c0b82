package web

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"clientele"
)

// The adapters give handlers the ResponseWriter: a JSON handler can set
// its status, headers and cookies or write its own body; a page handler
// can render, redirect or fail with an error page. An error always wins
// over a status set before it, as long as nothing was written.
func TestAdapters(t *testing.T) {
	var logged bytes.Buffer
	s := &Server{log: slog.New(slog.NewTextHandler(&logged, nil))}
	boom := errors.New("disk on fire")
	for _, tc := range []struct {
		name       string
		h          http.Handler
		status     int
		ctype      string
		body       []string // substrings of the body
		header     string   // a header the handler set, "Name: value"
		logsSecret bool
	}{
		{name: "json created", status: 201, ctype: "application/json", body: []string{`{"id":"c1"}`}, header: "Set-Cookie: k=v",
			h: s.adapt(func(w http.ResponseWriter, r *http.Request) (any, error) {
				http.SetCookie(w, &http.Cookie{Name: "k", Value: "v"})
				w.WriteHeader(http.StatusCreated)
				return map[string]string{"id": "c1"}, nil
			})},
		{name: "json error after status", status: 404, ctype: "application/json", body: []string{`"code":"not_found"`, `"message":"no such thing"`},
			h: s.adapt(func(w http.ResponseWriter, r *http.Request) (any, error) {
				w.WriteHeader(http.StatusCreated)
				return nil, clientele.Errorf(clientele.ENOTFOUND, "no such thing")
			})},
		{name: "json internal", status: 500, ctype: "application/json", body: []string{`"message":"internal error"`}, logsSecret: true,
			h: s.adapt(func(w http.ResponseWriter, r *http.Request) (any, error) { return nil, boom })},
		{name: "json own body", status: 200, ctype: "image/svg+xml", body: []string{"<svg/>"},
			h: s.adapt(func(w http.ResponseWriter, r *http.Request) (any, error) {
				w.Header().Set("Content-Type", "image/svg+xml")
				_, err := io.WriteString(w, "<svg/>")
				return nil, err
			})},
		{name: "page", status: 200, ctype: "text/html; charset=utf-8", body: []string{"<title>Oops · Clientele</title>", "&lt;b&gt;"},
			h: s.adaptPage(func(w http.ResponseWriter, r *http.Request) (*view, error) {
				return &view{Template: "error.html", Title: "Oops", Data: struct {
					Message string
					Details []string
				}{"<b>", nil}}, nil
			})},
		{name: "page redirect", status: 303, header: "Location: /next",
			h: s.adaptPage(func(w http.ResponseWriter, r *http.Request) (*view, error) {
				http.Redirect(w, r, "/next", http.StatusSeeOther)
				return nil, nil
			})},
		{name: "page status only", status: 204,
			h: s.adaptPage(func(w http.ResponseWriter, r *http.Request) (*view, error) {
				w.WriteHeader(http.StatusNoContent)
				return nil, nil
			})},
		{name: "page error", status: 400, ctype: "text/html; charset=utf-8", body: []string{"Bad Request", "invalid customer", "customer C1: email: not an address"},
			h: s.adaptPage(func(w http.ResponseWriter, r *http.Request) (*view, error) {
				return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid customer",
					Details: []clientele.FieldError{{Item: "customer C1", Field: "email", Reason: "not an address"}}}
			})},
		{name: "page internal", status: 500, ctype: "text/html; charset=utf-8", body: []string{"internal error"}, logsSecret: true,
			h: s.adaptPage(func(w http.ResponseWriter, r *http.Request) (*view, error) { return nil, boom })},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logged.Reset()
			rec := httptest.NewRecorder()
			tc.h.ServeHTTP(rec, httptest.NewRequest("GET", "/x", nil))
			if rec.Code != tc.status {
				t.Errorf("status = %d, want %d", rec.Code, tc.status)
			}
			if got := rec.Header().Get("Content-Type"); tc.ctype != "" && got != tc.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tc.ctype)
			}
			for _, want := range tc.body {
				if !strings.Contains(rec.Body.String(), want) {
					t.Errorf("body %q does not contain %q", rec.Body.String(), want)
				}
			}
			if strings.Contains(rec.Body.String(), boom.Error()) {
				t.Errorf("body %q shows the internal error", rec.Body.String())
			}
			if tc.header != "" {
				name, value, _ := strings.Cut(tc.header, ": ")
				if got := rec.Header().Get(name); !strings.HasPrefix(got, value) {
					t.Errorf("%s = %q, want %q", name, got, value)
				}
			}
			if got := strings.Contains(logged.String(), boom.Error()); got != tc.logsSecret {
				t.Errorf("logged the internal error: %v, want %v (log: %s)", got, tc.logsSecret, logged.String())
			}
		})
	}
}
