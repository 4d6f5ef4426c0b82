package web

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"clientele"
)

// tokenUses remembers when each token's last use was written, so that
// it is written rarely: on SQLite every write makes each reader connection
// drop its page cache and memory map at its next read, and a busy server
// would pay for a bookkeeping write with a burst of cold reads. The token
// itself is read afresh on every request (auth.go's verify): a revoked
// token or a disabled user stops working at once.
type tokenUses struct {
	mu       sync.Mutex
	lastSeen map[int64]time.Time
}

// touchEvery is how often a token's last use is written.
const touchEvery = time.Hour

// authenticate lets a request with a valid token through, with
// its principal in the context, and answers 401 to any other.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := credentials(r)
		if secret == "" {
			// A browser signed in with POST /api/v1/sessions.
			if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
				who, csrf, err := s.sessionPrincipal(r, c)
				if err != nil {
					if clientele.ErrorCode(err) == clientele.EUNAUTHORIZED && wantsPage(r) {
						http.Redirect(w, r, "/login", http.StatusSeeOther) // the session expired
						return
					}
					s.writeError(w, r, err)
					return
				}
				ctx := context.WithValue(clientele.NewContextWithPrincipal(r.Context(), who), csrfKey{}, csrf)
				next.ServeHTTP(w, r.WithContext(ctx))
				return
			}
			if wantsPage(r) {
				http.Redirect(w, r, "/login", http.StatusSeeOther)
				return
			}
			s.writeError(w, r, clientele.Errorf(clientele.EUNAUTHORIZED, "missing bearer token: send Authorization: Bearer TOKEN (create one with `clientele token create`), or sign in with POST /api/v1/sessions"))
			return
		}
		who, err := s.verify(r.Context(), secret)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(clientele.NewContextWithPrincipal(r.Context(), who)))
	})
}

// credentials returns the token a request carries: a bearer token, or the
// user name of Basic authentication, where the tracking SDKs (Segment's,
// RudderStack's) send their write key with an empty password. The scheme
// is case-insensitive (RFC 9110 §11.1).
func credentials(r *http.Request) string {
	scheme, secret, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	secret = strings.TrimSpace(secret)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		return secret
	case strings.EqualFold(scheme, "Basic"):
		if user, _, ok := r.BasicAuth(); ok {
			return user
		}
	}
	return ""
}

// verify returns the principal of the token whose secret is given.
func (s *Server) verify(ctx context.Context, secret string) (*clientele.Principal, error) {
	tok, err := s.db.Authenticate(ctx, secret)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	s.tokens.mu.Lock()
	touch := now.Sub(s.tokens.lastSeen[tok.ID]) > touchEvery
	if touch {
		if len(s.tokens.lastSeen) > 10000 {
			clear(s.tokens.lastSeen)
		}
		s.tokens.lastSeen[tok.ID] = now
	}
	s.tokens.mu.Unlock()
	if touch {
		if err := s.db.TouchToken(ctx, tok.ID, now); err != nil {
			s.log.Warn("record token use", "token_id", tok.ID, "err", err)
		}
	}
	return &clientele.Principal{TokenID: tok.ID, TokenName: tok.Name, UserID: tok.UserID, UserName: tok.UserName, Role: tok.Role,
		Department: tok.Department, Scopes: tok.Scopes}, nil
}

// authorize lets through a request whose principal has a role the route
// admits, and answers 403 to any other: the one place where who may call
// what is decided.
func (s *Server) authorize(rt route, next http.Handler) http.Handler {
	// A page's refusal is a page, the API's JSON.
	fail := s.writeError
	if rt.isPage() {
		fail = s.renderError
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := clientele.PrincipalFromContext(r.Context())
		if p == nil || !allows(rt, p.Role) {
			role := "none"
			if p != nil {
				role = p.Role
			}
			fail(w, r, clientele.Errorf(clientele.EFORBIDDEN, "role %s may not %s %s (allowed: %s)", role, rt.method, rt.pattern, strings.Join(rt.allow, ", ")))
			return
		}
		scoped, err := s.checkScope(rt, r)
		if err != nil {
			fail(w, r, err)
			return
		}
		s.startRecording(scoped)
		next.ServeHTTP(w, scoped)
	})
}

// allows reports whether route rt admits role.
func allows(rt route, role string) bool { return slices.Contains(rt.allow, role) }

// wantsPage reports whether r is a browser's navigation to a page (GET,
// accepting HTML): without credentials it is sent to the login form, not
// given a JSON 401.
func wantsPage(r *http.Request) bool {
	return r.Method == http.MethodGet && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// csrfKey carries the CSRF token of a request's session, for the forms of
// the pages it is shown.
type csrfKey struct{}
