package web

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"clientele"
	"clientele/internal/i18n"
)

// The login form and the page it opens, for the dashboard to come (issue
// 15): server-rendered, no script. The form signs in through signIn, as
// POST /api/v1/sessions does; it carries a token of its own, also set as a
// cookie, so that another site cannot sign a browser in under its own
// account (login CSRF).

const (
	loginCookie = "clientele_login"
	loginField  = "login_token"
	csrfField   = "csrf_token"
	maxForm     = 64 << 10
)

// isForm reports whether r's body is an HTML form.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}

type loginView struct {
	Token   string
	Name    string
	Problem string // a key of package i18n
	Minutes int    // for the problem too_many
}

// loginPage shows the login form.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	return s.loginForm(w, r, loginView{})
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request, v loginView) (*view, error) {
	b := make([]byte, 24)
	rand.Read(b)
	v.Token = base64.RawURLEncoding.EncodeToString(b)
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v.Token, Path: "/login", MaxAge: 1800, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
	w.Header().Set("Cache-Control", "no-store")
	return &view{Template: "login.html", TitleKey: "sign_in", Data: v}, nil
}

// loginSubmit signs in with the form's name and password and opens the
// home page; a wrong password shows the form again, with the reason.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	if !isForm(r) {
		return nil, clientele.Errorf(clientele.EUNSUPPORTED, "send the login form as application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	if err := r.ParseForm(); err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "the login form could not be read: %v", err)
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue(loginField))) != 1 || c.Value == "" {
		return nil, clientele.Errorf(clientele.EINVALID, "the login form has expired or did not come from this site: open /login again")
	}
	name := r.PostFormValue("name")
	if _, _, err := s.signIn(w, r, name, r.PostFormValue("password")); err != nil {
		v := loginView{Name: clientele.Excerpt(name)}
		switch clientele.ErrorCode(err) {
		case clientele.EUNAUTHORIZED:
			w.WriteHeader(http.StatusUnauthorized)
			v.Problem = "wrong_password"
		case clientele.ETOOMANY:
			w.WriteHeader(http.StatusTooManyRequests)
			seconds, _ := strconv.Atoi(w.Header().Get("Retry-After"))
			v.Problem, v.Minutes = "too_many", (seconds+59)/60
		default:
			return nil, err
		}
		return s.loginForm(w, r, v)
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/login", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil, nil
}

type homeView struct {
	Who  *clientele.Principal
	CSRF string
}

// home opens the page the signed-in user's role starts from (landing);
// a role without one sees who it is, and signing out.
func (s *Server) home(w http.ResponseWriter, r *http.Request) (*view, error) {
	who := clientele.PrincipalFromContext(r.Context())
	if p, ok := landing[who.Role]; ok && r.URL.RawQuery == "" {
		http.Redirect(w, r, p, http.StatusSeeOther)
		return nil, nil
	}
	csrf, _ := r.Context().Value(csrfKey{}).(string)
	return &view{Template: "home.html", TitleKey: "app", Data: homeView{Who: who, CSRF: csrf}}, nil
}

// logout signs the browser out and shows the login form.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) (*view, error) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.db.DeleteSession(r.Context(), c.Value); err != nil && clientele.ErrorCode(err) != clientele.ENOTFOUND {
			return nil, err
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
	return nil, nil
}

//go:embed static/*
var staticFS embed.FS

// staticFile serves the dashboard's style sheet and script, the same for
// everyone: no credentials needed, nothing personal in them.
func staticFile(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, err := staticFS.ReadFile("static/" + name)
	if err != nil || strings.Contains(name, "/") {
		http.NotFound(w, r)
		return
	}
	types := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8"}
	h := w.Header()
	h.Set("Content-Type", types[path.Ext(name)])
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}

// setLanguage keeps the language the user chose for the dashboard, on
// every browser it signs in from, and goes back to the page it came from.
func (s *Server) setLanguage(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	choice := r.PostFormValue("lang")
	tag := i18n.Match(choice, "")
	if tag.String() != choice {
		return nil, invalidField("lang", "must be one of en, ko")
	}
	who := clientele.PrincipalFromContext(r.Context())
	if err := s.db.SetLanguage(r.Context(), who.UserName, tag.String()); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: tag.String(), Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/"), http.StatusSeeOther)
	return nil, nil
}

// localPath is back when it is a path on this site, else def: a form's
// way back never leads to another site ("//host", "/\\host", a URL).
func localPath(back, def string) string {
	if !strings.HasPrefix(back, "/") || strings.HasPrefix(back, "//") || strings.ContainsAny(back, "\\\r\n") {
		return def
	}
	return back
}
