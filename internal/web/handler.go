package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"

	"clientele"
	"clientele/internal/i18n"
)

// The route table's handlers come in two kinds, each with its adapter:
// apiFunc for the JSON API and pageFunc for pages a browser shows. Both
// get the ResponseWriter, so that a handler can set headers and cookies,
// set its status, redirect or write a body of its own (a chart); both
// return an error instead of writing one, and the adapter writes it in the
// form its clients read.

// apiFunc handles an API request. It returns the value to write as JSON,
// with the status the handler set through w (200 unless it set one), or
// nil when it wrote the body itself; or an error, which the adapter maps
// to a status and writes as JSON.
type apiFunc func(w http.ResponseWriter, r *http.Request) (any, error)

// adapt turns an apiFunc into a handler.
func (s *Server) adapt(f apiFunc) http.Handler {
	return adaptWith(s, f, s.writeError, func(w http.ResponseWriter, _ *http.Request, status int, v any) { writeJSON(w, status, v) })
}

// adaptWith is the one adapter: it runs f with a deferredWriter and, unless
// f wrote a body itself, writes f's error with fail or its result with ok.
func adaptWith[T any](s *Server, f func(http.ResponseWriter, *http.Request) (T, error),
	fail func(http.ResponseWriter, *http.Request, error), ok func(http.ResponseWriter, *http.Request, int, T)) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		w := &deferredWriter{ResponseWriter: rw, status: http.StatusOK}
		v, err := f(w, r)
		switch {
		case w.sent:
			// The handler wrote its own body; nothing can be changed now.
			if err != nil {
				s.logError(r, err)
			}
		case err != nil:
			fail(rw, r, err)
		default:
			// What the caller may see of it, recorded before it is sent
			// (access.go).
			if a := accessFrom(r.Context()); a != nil {
				if err := s.record(r, a); err != nil {
					fail(rw, r, err)
					return
				}
				if seen := redact(v, a); seen != nil {
					v = seen.(T)
				}
			}
			ok(rw, r, w.status, v)
		}
	})
}

// deferredWriter holds back the status line until the first byte of the
// body, so that a handler may set a status and still fail with an error
// that the adapter writes instead.
type deferredWriter struct {
	http.ResponseWriter
	status int
	sent   bool
}

func (w *deferredWriter) WriteHeader(code int) { w.status = code }

func (w *deferredWriter) Write(b []byte) (int, error) {
	if !w.sent {
		w.sent = true
		w.ResponseWriter.WriteHeader(w.status)
	}
	return w.ResponseWriter.Write(b)
}

// writeJSON writes v as JSON with status. Not HTML-escaped (<, > and &
// stay as they are: the body is served as application/json with nosniff,
// never as HTML).
func writeJSON(w http.ResponseWriter, status int, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// pageFunc handles a request for a page. It returns the view to render,
// with the status the handler set through w, or nil when it wrote the
// response itself (a redirect with http.Redirect, a download); or an
// error, which the adapter renders as an error page.
type pageFunc func(w http.ResponseWriter, r *http.Request) (*view, error)

// view is a page to render: an embedded template and its data, with the
// words of the reader's language (set by render).
type view struct {
	Template string // a file name under templates/
	Title    string // the title as it is (an error's status), or
	TitleKey string // the title's key in package i18n
	Data     any
	T        i18n.Translator
	// Tables are the page's tables and charts' data: ?csv=ID downloads
	// one.
	Tables []*table
	// Preparing says that some of the page's reports are being built and
	// will show on a later view.
	Preparing bool

	// Set by render: who reads, the session's CSRF token for the page's
	// forms, the menu, and the page's path.
	Who  *clientele.Principal
	CSRF string
	Nav  []navItem
	Path string
}

// offer adds the tables of v's page that download as CSV, and those of
// its charts.
func (v *view) offer(ts ...*table) { v.Tables = append(v.Tables, ts...) }

// absent reports whether err means a report the page can do without:
// there is nothing to report yet, or it is being prepared (noted in v).
func (v *view) absent(err error) bool {
	if errors.Is(err, errPreparing) {
		v.Preparing = true
		return true
	}
	return clientele.ErrorCode(err) == clientele.ENOTFOUND
}

func (v *view) chart(c *chart) *chart {
	v.Tables = append(v.Tables, c.Data)
	return c
}

// langCookie keeps the language a reader chose with ?lang=.
const langCookie = "clientele_lang"

// translator returns the words of the language to show r's reader: the
// one chosen now with ?lang= (kept in a cookie for the next pages), or the
// signed-in user's setting, or the one chosen before, or the browser's
// (i18n.Match).
func translator(w http.ResponseWriter, r *http.Request) i18n.Translator {
	choice := r.URL.Query().Get("lang")
	if p := clientele.PrincipalFromContext(r.Context()); choice == "" && p != nil && p.Language != "" {
		return i18n.For(i18n.Match(p.Language, "")) // the user's setting
	}
	if choice != "" {
		t := i18n.Match(choice, "")
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: t.String(), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
			SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
		return i18n.For(t)
	}
	if c, err := r.Cookie(langCookie); err == nil {
		choice = c.Value
	}
	return i18n.For(i18n.Match(choice, r.Header.Get("Accept-Language")))
}

//go:embed templates/*.html
var templateFS embed.FS

// pages holds the parsed page templates, each with the layout.
var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	// pair passes the page's words and a value to a partial template
	// ("table", "chart").
	"pair": func(t i18n.Translator, v any) map[string]any { return map[string]any{"T": t, "V": v} },
	// notes passes a page's notes to the partial "notes", with what its
	// rating forms need.
	"notes": func(t i18n.Translator, v any, csrf, back, reason string) map[string]any {
		return map[string]any{"T": t, "V": v, "CSRF": csrf, "Back": back, "Reason": reason}
	},
	"stars": func() []int { return []int{5, 4, 3, 2, 1} },
	// langs are the languages a reader may choose, each named in itself.
	"langs": func() []struct{ Code, Name string } {
		return []struct{ Code, Name string }{{"en", "English"}, {"ko", "한국어"}}
	},
}).ParseFS(templateFS, "templates/*.html"))

// adaptPage turns a pageFunc into a handler.
func (s *Server) adaptPage(f pageFunc) http.Handler {
	return adaptWith(s, f, s.renderError, func(w http.ResponseWriter, r *http.Request, status int, v *view) {
		if v == nil {
			// The handler set only a status and headers (a redirect
			// without a body, a 204).
			w.WriteHeader(status)
			return
		}
		// ?csv=ID downloads one of the page's tables instead of the page.
		if id := r.URL.Query().Get("csv"); id != "" {
			for _, t := range v.Tables {
				if t.ID == id {
					t.writeCSV(w, strings.Trim(strings.ReplaceAll(r.URL.Path, "/", "-"), "-"))
					return
				}
			}
			s.renderError(w, r, clientele.Errorf(clientele.ENOTFOUND, "this page has no table %q to download", clientele.Excerpt(id)))
			return
		}
		s.render(w, r, status, v)
	})
}

// render executes v into a buffer first, so that a failing template gives
// an error page rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, v *view) {
	if v.T == (i18n.Translator{}) {
		v.T = translator(w, r)
	}
	if v.Who = clientele.PrincipalFromContext(r.Context()); v.Who != nil {
		v.CSRF, _ = r.Context().Value(csrfKey{}).(string)
		v.Nav = s.nav(v.Who.Role, r.URL.Path)
	}
	v.Path = r.URL.Path
	var b bytes.Buffer
	if err := pages.ExecuteTemplate(&b, v.Template, v); err != nil {
		s.logError(r, err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", v.T.Lang())
	h.Add("Vary", "Accept-Language")
	h.Set("X-Content-Type-Options", "nosniff")
	// Scripts only from this server; inline styles allowed for the charts'
	// SVG, whose elements gonum/plot styles with style attributes.
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
	h.Set("Referrer-Policy", "same-origin")
	w.WriteHeader(status)
	w.Write(b.Bytes())
}
