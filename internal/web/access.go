package web

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"clientele"
	"clientele/internal/store"
)

// The access system in one place (issue 14): after authentication says who
// is asking and authorize says the role may call the route, the route's
// scope says how far its reach over customers goes:
//
//   - which customer a request is about, and whether the caller may see
//     that one (a customer manager: only customers of the segments it owns;
//     an agent: one customer at a time, with a reason);
//   - how much of each customer the caller sees (disclosure): everything,
//     identity only (an integrator), or pseudonymised ids and no contact
//     details (an analyst, a brand manager). Handlers return whole values;
//     the adapter passes them through redact, which drops or replaces the
//     fields tagged `personal:"…"` (package clientele's JSON types);
//   - what the audit log records: every read of customer-level data is
//     recorded, durably, before its response is written (adaptWith), every
//     write in the write's own transaction (clientele.WithAudit).

// scope is how a route reaches customers.
type scope int

const (
	// aggregate routes show no customer-level data: reports, runs, meta.
	aggregate scope = iota
	// oneCustomer routes read the customer named by the path's {id}.
	oneCustomer
	// byIdentity routes read the customer an identity ({kind}/{value})
	// resolves to; the layer resolves it and checks it as oneCustomer.
	byIdentity
	// customerList routes read many customers: a list, a segment's
	// members, a run's scores.
	customerList
	// customerWrite routes change the customer named by the path's {id}.
	customerWrite
	// factWrite routes write customers' facts in batches.
	factWrite
	// customerExport routes give everything held about {id}.
	customerExport
	// customerErase routes erase {id}.
	customerErase
	// signIn is the sign-in route: its audit entry is the login.
	signIn
)

// disclosure is how much of a customer a caller sees.
type disclosure int

const (
	// discloseAll shows every field.
	discloseAll disclosure = iota
	// discloseIdentity shows customer ids, no contact details or other
	// personal fields: identity resolution for an integrator.
	discloseIdentity
	// disclosePseudonyms replaces customer ids by pseudonyms, stable per
	// token and not reversible by its holder, and drops personal fields.
	disclosePseudonyms
)

// disclosureOf is what role sees of a customer it may reach.
func disclosureOf(role string) disclosure {
	switch role {
	case "admin", "cco", "customer_manager", "agent":
		return discloseAll
	case "integrator":
		return discloseIdentity
	}
	return disclosePseudonyms
}

// access is what the layer decided about one request, kept in its context
// for the adapter.
type access struct {
	who        *clientele.Principal
	route      string // "GET /api/v1/customers/{id}"
	scope      scope
	customerID string // the customer the request is about, or ""
	subject    string // what a bulk read covers
	reason     string
	disclosure disclosure
	keys       *accessKeys
	recording  *store.PendingReads // the read's audit entry, being written
}

type accessKey struct{}

func accessFrom(ctx context.Context) *access {
	a, _ := ctx.Value(accessKey{}).(*access)
	return a
}

// reasonHeader carries why a customer is looked at (a call id); the query
// parameter reason does too.
const reasonHeader = "X-Clientele-Reason"

// checkScope decides about the request's customers for the route rt and
// returns the request to serve, with its access in the context and, for a
// write, its audit entry.
func (s *Server) checkScope(rt route, r *http.Request) (*http.Request, error) {
	p := clientele.PrincipalFromContext(r.Context())
	a := &access{who: p, route: rt.method + " " + rt.pattern, scope: rt.scope, disclosure: disclosureOf(p.Role)}
	a.reason = strings.TrimSpace(r.Header.Get(reasonHeader))
	if a.reason == "" {
		a.reason = strings.TrimSpace(r.URL.Query().Get("reason"))
	}
	if len(a.reason) > 256 || !utf8.ValidString(a.reason) {
		return nil, invalidField("reason", "must be valid UTF-8 of at most 256 bytes")
	}
	if a.disclosure != discloseAll {
		keys, err := s.accessKeys(r.Context())
		if err != nil {
			return nil, err
		}
		a.keys = keys
		if err := a.openCursor(r); err != nil {
			return nil, err
		}
	}
	ctx := r.Context()
	switch rt.scope {
	case oneCustomer, customerExport, customerErase:
		a.customerID = r.PathValue("id")
		if err := s.mayReach(ctx, a); err != nil {
			return nil, err
		}
	case byIdentity:
		kind, value := r.PathValue("kind"), r.PathValue("value")
		if !slices.Contains(clientele.IdentityKinds, kind) {
			return nil, invalidField("kind", "must be one of "+strings.Join(clientele.IdentityKinds, ", "))
		}
		id, err := s.db.CustomerByIdentity(ctx, kind, value)
		if err != nil {
			return nil, err
		}
		a.customerID = id
		if err := s.mayReach(ctx, a); err != nil {
			return nil, err
		}
	case customerList:
		a.subject = rt.pattern
		if name := r.PathValue("name"); name != "" {
			a.subject = "segment " + name
			if p.Role == "customer_manager" {
				g, err := s.db.SegmentByName(ctx, name)
				if err != nil {
					return nil, err
				}
				if g.Owner != p.UserName {
					return nil, clientele.Errorf(clientele.EFORBIDDEN, "segment %q is not one of yours: a customer manager sees the members of the segments it owns", name)
				}
			}
		}
		if id := r.PathValue("id"); id != "" {
			a.subject = "run " + id
		}
	case customerWrite:
		a.customerID = r.PathValue("id")
		if err := s.mayReach(ctx, a); err != nil {
			return nil, err
		}
		ctx = clientele.WithAudit(ctx, a.entry(clientele.AuditWrite))
	case factWrite:
		e := a.entry(clientele.AuditWrite)
		e.Subject = "batch"
		ctx = clientele.WithAudit(ctx, e)
	}
	if rt.scope == customerErase {
		ctx = clientele.WithAudit(ctx, a.entry(clientele.AuditErase))
	}
	return r.WithContext(context.WithValue(ctx, accessKey{}, a)), nil
}

// mayReach reports whether a's caller may see the customer a is about: a
// customer manager only those of the segments it owns; an agent only with
// a reason.
func (s *Server) mayReach(ctx context.Context, a *access) error {
	switch a.who.Role {
	case "agent":
		if a.reason == "" {
			return invalidField("reason", "an agent looks at a customer for a reason: send "+reasonHeader+" (the call id, say) or ?reason=")
		}
	case "customer_manager":
		ok, err := s.db.OwnsCustomer(ctx, a.who.UserID, a.customerID)
		if err != nil {
			return err
		}
		if !ok {
			return clientele.Errorf(clientele.EFORBIDDEN, "customer %q is in none of your segments: a customer manager sees the customers of the segments it owns", clientele.Excerpt(a.customerID))
		}
	}
	return nil
}

// entry is a's audit entry for action.
func (a *access) entry(action string) *clientele.AuditEntry {
	return &clientele.AuditEntry{UserID: a.who.UserID, UserName: a.who.Name(), TokenID: a.who.TokenID, Role: a.who.Role, Department: a.who.Department,
		Action: action, CustomerID: a.customerID, Subject: a.subject, Route: a.route, Reason: a.reason}
}

// startRecording hands the audit entry of a read to the log as the read
// begins: it is written while the handler reads, and record waits for it
// before the response goes out.
func (s *Server) startRecording(r *http.Request) {
	a := accessFrom(r.Context())
	if action := a.readAction(); action != "" {
		a.recording = s.db.StartRecordReads(r.Context(), *a.entry(action))
	}
}

// readAction is the audit action of a request that reads customer-level
// data, or "" (a write records its entry in its transaction).
func (a *access) readAction() string {
	switch a.scope {
	case oneCustomer, byIdentity, customerList:
		return clientele.AuditRead
	case customerExport:
		return clientele.AuditExport
	}
	return ""
}

// record returns once the audit entry of a read is durable: the response
// goes out only then. The entry was started when the read began, so a
// read that failed is recorded too, as the attempt it was.
func (s *Server) record(r *http.Request, a *access) error {
	if a.recording == nil {
		return nil
	}
	return a.recording.Wait(r.Context())
}

func invalidField(field, reason string) error {
	return &clientele.Error{Code: clientele.EINVALID, Message: "invalid request", Details: []clientele.FieldError{{Field: field, Reason: reason}}}
}

// accessKeys are the server's secrets for pseudonyms and sealed cursors,
// kept in the database (settings) so that every instance and restart
// agrees.
type accessKeys struct {
	pseudonym []byte
	cursor    cipher.AEAD
}

func (s *Server) accessKeys(ctx context.Context) (*accessKeys, error) {
	if k := s.keys.Load(); k != nil {
		return k, nil
	}
	secret, err := s.db.Secret(ctx, "access")
	if err != nil {
		return nil, err
	}
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	block, err := aes.NewCipher(derive("cursor"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	k := &accessKeys{pseudonym: derive("pseudonym"), cursor: aead}
	s.keys.Store(k)
	return k, nil
}

// pseudonym is customer id's pseudonym for the token (or, signed in in a
// browser, the user): HMAC-SHA-256 under the server's secret, of the token
// and the id, so that it is stable for
// the token, differs between tokens, and cannot be turned back into the id
// without the secret.
func (a *access) pseudonym(id string) string {
	if id == "" {
		return ""
	}
	m := hmac.New(sha256.New, a.keys.pseudonym)
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(a.who.TokenID))
	if a.who.TokenID == 0 {
		// A browser's session: pseudonyms stable for its user, and
		// different from every other user's and token's.
		m.Write([]byte("user"))
		binary.BigEndian.PutUint64(b[:], uint64(a.who.UserID))
	}
	m.Write(b[:])
	m.Write([]byte(id))
	return "p_" + hex.EncodeToString(m.Sum(nil)[:12])
}

// sealCursor encrypts a paging cursor (a customer id) for a caller who
// must not read it; openCursor gives it back on the next request.
func (a *access) sealCursor(c string) string {
	if c == "" {
		return ""
	}
	nonce := make([]byte, a.keys.cursor.NonceSize())
	rand.Read(nonce)
	return "s_" + base64.RawURLEncoding.EncodeToString(a.keys.cursor.Seal(nonce, nonce, []byte(c), nil))
}

// openCursor replaces a sealed cursor in r's query by what it seals.
func (a *access) openCursor(r *http.Request) error {
	q := r.URL.Query()
	c := q.Get("cursor")
	if c == "" {
		return nil
	}
	bad := invalidField("cursor", "not a cursor this API returned")
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(c, "s_"))
	n := a.keys.cursor.NonceSize()
	if !strings.HasPrefix(c, "s_") || err != nil || len(raw) < n {
		return bad
	}
	plain, err := a.keys.cursor.Open(nil, raw[:n], raw[n:], nil)
	if err != nil {
		return bad
	}
	q.Set("cursor", string(plain))
	r.URL.RawQuery = q.Encode()
	return nil
}
