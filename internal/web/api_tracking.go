package web

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"clientele"
	"clientele/internal/ingest"
	"clientele/internal/store"
)

// The tracking API: Segment's HTTP tracking API, which RudderStack and the
// SDKs of both speak, so that an integrator points their SDK's host at
// Clientele and sends as before. The write key is an API token, sent as
// the Basic-auth user name (or as a bearer token).

// trackingResult is the answer to a tracking call: Segment's
// {"success": true} and, per message, what became of it.
type trackingResult struct {
	Success    bool         `json:"success"`
	Created    int          `json:"created"`
	Duplicates int          `json:"duplicates"`
	Errors     int          `json:"errors"`
	Results    []itemResult `json:"results"`
}

// trackingBody reads a tracking call's body: JSON, sent as
// application/json or as text/plain (what analytics.js sends to avoid a
// CORS preflight), gzip-compressed or not, of at most limit bytes once
// decompressed.
func trackingBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/plain") {
		return nil, clientele.Errorf(clientele.EUNSUPPORTED, "send the body as application/json (Content-Type: %q)", clientele.Excerpt(r.Header.Get("Content-Type")))
	}
	var body io.Reader = http.MaxBytesReader(w, r.Body, limit)
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "invalid gzip body: %v", err)
		}
		defer zr.Close()
		body = io.LimitReader(zr, limit+1)
	default:
		return nil, clientele.Errorf(clientele.EUNSUPPORTED, "Content-Encoding %q: send gzip or nothing", clientele.Excerpt(enc))
	}
	b, err := io.ReadAll(body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || int64(len(b)) > limit {
		return nil, clientele.Errorf(clientele.EINVALID, "request body larger than %d bytes", limit)
	}
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "read the body: %v", err)
	}
	return b, nil
}

// trackOne serves /v1/track, /v1/identify, /v1/alias, /v1/page, /v1/screen
// and /v1/group: one message of the path's type.
func (s *Server) trackOne(typ string) apiFunc {
	return func(w http.ResponseWriter, r *http.Request) (any, error) {
		b, err := trackingBody(w, r, ingest.MaxTrackingMessage)
		if err != nil {
			return nil, err
		}
		m, err := ingest.DecodeTrackingMessage(b, typ, s.cfg.Currency, s.cfg.Location, time.Now())
		if err == nil {
			err = precheck(&m)
		}
		if err != nil {
			return nil, err
		}
		return s.applyTracking(r.Context(), []ingest.TrackingMessage{m}, []int{0}, &trackingResult{Results: make([]itemResult, 1)})
	}
}

// trackBatch serves /v1/batch: up to 500 KB of messages, each naming its
// type. An invalid message is reported by its index and the others are
// applied; a message already applied (by messageId) is a duplicate.
func (s *Server) trackBatch(w http.ResponseWriter, r *http.Request) (any, error) {
	b, err := trackingBody(w, r, ingest.MaxTrackingBatch)
	if err != nil {
		return nil, err
	}
	raws, err := ingest.DecodeTrackingBatch(b)
	if err != nil {
		return nil, err
	}
	if len(raws) > MaxBatch {
		return nil, clientele.Errorf(clientele.EINVALID, "batch of %d messages: at most %d", len(raws), MaxBatch)
	}
	res := &trackingResult{Results: make([]itemResult, len(raws))}
	var msgs []ingest.TrackingMessage
	var where []int
	now := time.Now()
	for i, raw := range raws {
		m, err := ingest.DecodeTrackingMessage(raw, "", s.cfg.Currency, s.cfg.Location, now)
		if err == nil {
			err = precheck(&m)
		}
		res.Results[i] = itemResult{Index: i, ID: m.MessageID}
		if err != nil {
			res.Results[i].fail(err)
			res.Errors++
			continue
		}
		msgs = append(msgs, m)
		where = append(where, i)
	}
	return s.applyTracking(r.Context(), msgs, where, res)
}

// anonymousCustomer is the id of the customer an anonymous visitor is
// until they are identified.
func anonymousCustomer(anonymousID string) string { return "anon-" + anonymousID }

// precheck validates what a message will store before anything is
// written, so that a bad message is reported alone rather than failing its
// batch.
func precheck(m *ingest.TrackingMessage) error {
	who := m.UserID
	if who == "" {
		who = anonymousCustomer(m.AnonymousID)
	}
	if m.Event != nil {
		e := *m.Event
		e.CustomerID = who
		if err := e.Validate(); err != nil {
			return err
		}
	}
	if m.Transaction != nil {
		t := *m.Transaction
		t.CustomerID = who
		if err := t.Validate(); err != nil {
			return err
		}
	}
	c := clientele.Customer{ID: who}
	m.Traits.Apply(&c)
	return c.Validate()
}

// applyTracking applies the messages, checked by precheck, in one
// transaction and fills in their results at where. A write that fails (an
// e-mail address another customer holds, say) fails the batch, naming the
// message.
func (s *Server) applyTracking(ctx context.Context, msgs []ingest.TrackingMessage, where []int, res *trackingResult) (any, error) {
	if len(msgs) > 0 {
		status := make([]string, len(msgs))
		err := s.db.Write(ctx, func(w *store.Writer) error {
			for i := range msgs {
				fresh, err := applyMessage(ctx, w, &msgs[i])
				if err != nil {
					return fmt.Errorf("message %d (%s): %w", where[i], clientele.Excerpt(msgs[i].MessageID), err)
				}
				status[i] = map[bool]string{true: "created", false: "duplicate"}[fresh]
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for j, i := range where {
			res.Results[i] = itemResult{Index: i, ID: msgs[j].MessageID, Status: status[j]}
			if status[j] == "created" {
				res.Created++
			} else {
				res.Duplicates++
			}
		}
	}
	s.metrics.ingested.WithLabelValues("message", "created").Add(float64(res.Created))
	s.metrics.ingested.WithLabelValues("message", "duplicate").Add(float64(res.Duplicates))
	s.metrics.ingested.WithLabelValues("message", "error").Add(float64(res.Errors))
	res.Success = true
	return res, nil
}

// applyMessage applies one message within w and reports whether it was
// new (false: its messageId was applied before, and nothing is done).
//
// The customer is the userId, or, for an anonymous visitor, the customer
// holding the anonymousId ("anon-" + the anonymousId the first time). A
// message with both merges the anonymous customer into the userId's, with
// its history; an alias merges previousId's customer into userId's.
func applyMessage(ctx context.Context, w *store.Writer, m *ingest.TrackingMessage) (bool, error) {
	fresh, err := w.FreshMessage(ctx, m.MessageID)
	if err != nil || !fresh {
		return false, err
	}
	who, register, err := resolveCustomer(ctx, w, m)
	if err != nil {
		return false, err
	}
	if m.Type == "alias" {
		from, err := w.IdentityOwner(ctx, clientele.IdentityAnonymous, m.PreviousID)
		if err != nil {
			return false, err
		}
		if from == "" {
			from = m.PreviousID
		}
		if err := w.MergeCustomers(ctx, from, who, "alias of "+m.PreviousID+" (message "+m.MessageID+")"); err != nil {
			return false, err
		}
	}
	// One write of the profile, which creates the customer if need be,
	// before its identity, events and transactions.
	if _, err := w.PatchCustomer(ctx, who, m.Traits); err != nil {
		return false, err
	}
	if register {
		if _, err := w.Identities(ctx, []clientele.Identity{{Kind: clientele.IdentityAnonymous, Value: m.AnonymousID, CustomerID: who}}); err != nil {
			return false, err
		}
	}
	if e := m.Event; e != nil {
		e.CustomerID = who
		if _, err := w.Events(ctx, []clientele.Event{*e}, nil); err != nil {
			return false, err
		}
	}
	if t := m.Transaction; t != nil {
		t.CustomerID = who
		if _, err := w.Transactions(ctx, []clientele.Transaction{*t}, nil); err != nil {
			return false, err
		}
	}
	return true, nil
}

// resolveCustomer returns the id of m's customer, following earlier merges,
// merges an anonymous visitor into the customer who identified, and reports
// whether m's anonymousId is still to be registered to the customer.
func resolveCustomer(ctx context.Context, w *store.Writer, m *ingest.TrackingMessage) (who string, register bool, err error) {
	var anonOwner string
	if m.AnonymousID != "" {
		if anonOwner, err = w.IdentityOwner(ctx, clientele.IdentityAnonymous, m.AnonymousID); err != nil {
			return "", false, err
		}
	}
	who = m.UserID
	if who == "" {
		who = anonOwner
		if who == "" {
			who = anonymousCustomer(m.AnonymousID)
		}
	}
	into, err := w.MergedInto(ctx, who)
	if err != nil {
		return "", false, err
	}
	if into != "" {
		who = into
	}
	if anonOwner != "" && anonOwner != who {
		if err := w.MergeCustomers(ctx, anonOwner, who, "identified anonymousId "+m.AnonymousID+" (message "+m.MessageID+")"); err != nil {
			return "", false, err
		}
	}
	// A merge moved the anonymous identity to who already.
	return who, m.AnonymousID != "" && anonOwner == "", nil
}
