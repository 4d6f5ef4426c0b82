package web

import (
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"clientele"
	"clientele/internal/store"
)

// Browser sessions: POST /api/v1/sessions signs a user in with a name and
// password and sets an HttpOnly, SameSite cookie; requests with the cookie
// act as the user, state-changing ones only with the session's CSRF token
// in X-CSRF-Token; DELETE /api/v1/sessions signs out.

const (
	sessionCookie = "clientele_session"
	csrfHeader    = "X-CSRF-Token"
	sessionTTL    = 12 * time.Hour
)

// loginThrottle counts failed sign-ins per user name and per address:
// after maxFailures within failureWindow, further attempts are refused
// with 429 and Retry-After until the window has passed.
type loginThrottle struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	maxFailures   = 5
	failureWindow = 15 * time.Minute
)

// blocked returns how long key must wait, 0 if it need not.
func (l *loginThrottle) blocked(key string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	recent := l.recent(key, now)
	if len(recent) < maxFailures {
		return 0
	}
	return recent[0].Add(failureWindow).Sub(now)
}

func (l *loginThrottle) recent(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= failureWindow {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = fs
	}
	return fs
}

func (l *loginThrottle) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) > 100000 {
		clear(l.failures) // bounded memory under a flood of names
	}
	for _, k := range keys {
		l.failures[k] = append(l.recent(k, now), now)
	}
}

func (l *loginThrottle) succeed(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		delete(l.failures, k)
	}
}

// clientAddress is the address a request came from, without its port.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

type sessionJSON struct {
	User      clientele.UserJSON `json:"user"`
	CSRFToken string             `json:"csrf_token"`
	ExpiresAt any                `json:"expires_at"`
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) (any, error) {
	var in struct {
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	u, sess, err := s.signIn(w, r, in.Name, in.Password)
	if err != nil {
		return nil, err
	}
	w.WriteHeader(http.StatusCreated)
	return sessionJSON{User: u.JSON(s.cfg.Location), CSRFToken: sess.CSRF, ExpiresAt: clientele.TimeJSON(sess.ExpiresAt, s.cfg.Location)}, nil
}

// signIn checks a name and password, throttled per user and address, and
// on success creates a session and sets its cookie: the one sign-in of the
// API and the login form. Every attempt is in the audit log.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, name, password string) (*clientele.User, *store.Session, error) {
	now := time.Now()
	// The name is hashed: a key of a megabyte, repeated, would fill memory.
	h := sha256.Sum256([]byte(name))
	keys := []string{"user:" + string(h[:]), "addr:" + clientAddress(r)}
	for _, k := range keys {
		if wait := s.logins.blocked(k, now); wait > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
			return nil, nil, clientele.Errorf(clientele.ETOOMANY, "too many failed sign-ins: try again in %d minutes", int(wait.Minutes())+1)
		}
	}
	login := clientele.AuditEntry{UserName: clientele.Excerpt(name), Action: clientele.AuditLogin, Route: r.Method + " " + r.URL.Path}
	u, err := s.db.CheckUserPassword(r.Context(), name, password)
	if err != nil {
		if clientele.ErrorCode(err) == clientele.EUNAUTHORIZED {
			s.logins.fail(now, keys...)
			login.Reason = "failed: wrong name or password, or a disabled user"
			if err := s.db.RecordReads(r.Context(), login); err != nil {
				return nil, nil, err
			}
		}
		return nil, nil, err
	}
	s.logins.succeed(keys...)
	sess, err := s.db.CreateSession(r.Context(), u, sessionTTL)
	if err != nil {
		return nil, nil, err
	}
	login.UserID, login.UserName, login.Role, login.Department = u.ID, u.Name, u.Role, u.Department
	if err := s.db.RecordReads(r.Context(), login); err != nil {
		return nil, nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sess.Secret, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return u, sess, nil
}

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "no session to sign out of: this request did not come with the session cookie")
	}
	if err := s.db.DeleteSession(r.Context(), c.Value); err != nil {
		return nil, err
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: r.TLS != nil})
	return map[string]bool{"signed_out": true}, nil
}

// sessionPrincipal authenticates a request by its session cookie, read
// afresh (no cache: signing out or disabling a user acts at once), and
// checks the CSRF token of a state-changing request.
func (s *Server) sessionPrincipal(r *http.Request, c *http.Cookie) (*clientele.Principal, string, error) {
	sess, err := s.db.SessionBySecret(r.Context(), c.Value)
	if err != nil {
		return nil, "", err
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		got := r.Header.Get(csrfHeader)
		if got == "" && isForm(r) {
			got = r.PostFormValue(csrfField) // a page's form
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(sess.CSRF)) != 1 {
			return nil, "", clientele.Errorf(clientele.EFORBIDDEN, "missing or wrong %s: a browser request that changes something must send the session's CSRF token", csrfHeader)
		}
	}
	return &clientele.Principal{UserID: sess.User.ID, UserName: sess.User.Name, Role: sess.User.Role, Department: sess.User.Department, Scopes: sess.User.Scopes, Language: sess.User.Language}, sess.CSRF, nil
}
