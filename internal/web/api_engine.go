package web

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"clientele"
	"clientele/internal/delivery"
	"clientele/internal/rules"
	"clientele/internal/store"
)

// The real-time engine's API: counters and the next best action of one
// customer, the offer catalogue, the triggers with their dry run, the
// decisions, the responses that teach the propensities, the contact
// policy, and the webhooks and outbox.

func (s *Server) engine() (*rules.Engine, error) {
	if s.cfg.Engine == nil {
		return nil, clientele.Errorf(clientele.EUNAVAILABLE, "the real-time engine is not running on this server")
	}
	return s.cfg.Engine, nil
}

type counterJSON struct {
	Key    string    `json:"key"`
	Count  int64     `json:"count"`
	Sum    float64   `json:"sum"`
	First  time.Time `json:"first"`
	Last   time.Time `json:"last"`
	Last7  int64     `json:"count_7d"`
	Last30 int64     `json:"count_30d"`
}

func (s *Server) customerCounters(w http.ResponseWriter, r *http.Request) (any, error) {
	id := accessFrom(r.Context()).customerID
	if _, err := s.db.Customer(r.Context(), id); err != nil {
		return nil, err
	}
	today := store.Day(time.Now())
	cs, err := s.db.CustomerCounters(r.Context(), id, today-29)
	if err != nil {
		return nil, err
	}
	minor := s.minor()
	out := []counterJSON{}
	for _, c := range cs.All {
		j := counterJSON{Key: c.Key, Count: c.Count, Sum: float64(c.Sum) / minor, First: c.First.In(s.cfg.Location), Last: c.Last.In(s.cfg.Location)}
		for _, d := range cs.Days[c.Key] {
			if d.Day > today-7 {
				j.Last7 += d.Count
			}
			j.Last30 += d.Count
		}
		out = append(out, j)
	}
	slices.SortFunc(out, func(a, b counterJSON) int { return strings.Compare(a.Key, b.Key) })
	return map[string]any{"customer_id": id, "items": out}, nil
}

// minor is the number of minor units in a major unit of the server's
// currency.
func (s *Server) minor() float64 {
	scale, _ := s.cfg.Currency.Scale()
	return math.Pow10(scale)
}

func (s *Server) nextBestActions(w http.ResponseWriter, r *http.Request) (any, error) {
	e, err := s.engine()
	if err != nil {
		return nil, err
	}
	id := accessFrom(r.Context()).customerID
	if _, err := s.db.Customer(r.Context(), id); err != nil {
		return nil, err
	}
	opts, err := e.NextBestActions(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return map[string]any{"customer_id": id, "at": e.Now().In(s.cfg.Location), "items": opts}, nil
}

type decisionsJSON struct {
	Items []clientele.Decision `json:"items"`
}

func (s *Server) customerDecisions(w http.ResponseWriter, r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		return nil, err
	}
	ds, err := s.db.Decisions(r.Context(), accessFrom(r.Context()).customerID, limit)
	if err != nil {
		return nil, err
	}
	return decisionsJSON{Items: orNone(ds)}, nil
}

func (s *Server) listDecisions(w http.ResponseWriter, r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		return nil, err
	}
	ds, err := s.db.Decisions(r.Context(), "", limit)
	if err != nil {
		return nil, err
	}
	return decisionsJSON{Items: orNone(ds)}, nil
}

func orNone[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// ---- offers ----

type offerJSON struct {
	clientele.Offer
	Made     int64 `json:"made"`
	Redeemed int64 `json:"redeemed"`
}

func (s *Server) listOffers(w http.ResponseWriter, r *http.Request) (any, error) {
	offers, err := s.db.Offers(r.Context())
	if err != nil {
		return nil, err
	}
	counts, err := s.db.OfferCounts(r.Context())
	if err != nil {
		return nil, err
	}
	p := clientele.PrincipalFromContext(r.Context())
	out := []offerJSON{}
	for _, o := range offers {
		// A brand manager sees the offers of its brands (all, without
		// brands to its name).
		if p.Role == "brand_manager" && len(p.Scopes) > 0 && !slices.Contains(p.Scopes, o.Brand) && !slices.Contains(p.Scopes, o.From) && !slices.Contains(p.Scopes, o.To) {
			continue
		}
		j := offerJSON{Offer: o}
		for _, c := range counts {
			if c.Offer == o.Code {
				j.Made += c.Made
				j.Redeemed += c.Redeemed
			}
		}
		out = append(out, j)
	}
	return map[string]any{"items": out}, nil
}

// ownsSegment refuses a customer manager a segment it does not own (or
// none: the firm's offers and triggers are the CCO's).
func (s *Server) ownsSegment(ctx context.Context, segment, what string) error {
	p := clientele.PrincipalFromContext(ctx)
	if p.Role != "customer_manager" {
		return nil
	}
	if segment == "" {
		return clientele.Errorf(clientele.EFORBIDDEN, "%s belongs to no segment: a customer manager manages those of its segments (set segment)", what)
	}
	g, err := s.db.SegmentByName(ctx, segment)
	if err != nil {
		return err
	}
	if g.Owner != p.UserName {
		return clientele.Errorf(clientele.EFORBIDDEN, "segment %q is not one of yours: a customer manager manages the offers and triggers of its segments", clientele.Excerpt(segment))
	}
	return nil
}

func (s *Server) putOffer(w http.ResponseWriter, r *http.Request) (any, error) {
	o := clientele.NewOffer()
	if err := decodeBody(w, r, &o); err != nil {
		return nil, err
	}
	code := r.PathValue("code")
	if o.Code != "" && o.Code != code {
		return nil, invalidField("code", "differs from the path's")
	}
	o.Code = code
	if err := rules.CheckOffer(&o); err != nil {
		return nil, err
	}
	if err := s.ownsSegment(r.Context(), o.Segment, "offer "+code); err != nil {
		return nil, err
	}
	if old, err := s.offer(r.Context(), code); err == nil {
		if err := s.ownsSegment(r.Context(), old.Segment, "offer "+code); err != nil {
			return nil, err
		}
	}
	if err := s.db.PutOffer(r.Context(), o); err != nil {
		return nil, err
	}
	s.reloadEngine(r.Context())
	return o, nil
}

func (s *Server) offer(ctx context.Context, code string) (*clientele.Offer, error) {
	offers, err := s.db.Offers(ctx)
	if err != nil {
		return nil, err
	}
	for i := range offers {
		if offers[i].Code == code {
			return &offers[i], nil
		}
	}
	return nil, clientele.Errorf(clientele.ENOTFOUND, "no offer %q", clientele.Excerpt(code))
}

func (s *Server) deleteOffer(w http.ResponseWriter, r *http.Request) (any, error) {
	code := r.PathValue("code")
	old, err := s.offer(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if err := s.ownsSegment(r.Context(), old.Segment, "offer "+code); err != nil {
		return nil, err
	}
	if err := s.db.DeleteOffer(r.Context(), code); err != nil {
		return nil, err
	}
	s.reloadEngine(r.Context())
	return map[string]any{"deleted": code}, nil
}

func (s *Server) reloadEngine(ctx context.Context) {
	if s.cfg.Engine != nil {
		if err := s.cfg.Engine.Reload(ctx); err != nil {
			s.log.Error("engine reload", "err", err)
		}
	}
}

// ---- triggers ----

func (s *Server) listTriggers(w http.ResponseWriter, r *http.Request) (any, error) {
	ts, err := s.db.Triggers(r.Context())
	if err != nil {
		return nil, err
	}
	return map[string]any{"items": orNone(ts)}, nil
}

func (s *Server) getTrigger(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.db.Trigger(r.Context(), r.PathValue("name"))
}

func (s *Server) putTrigger(w http.ResponseWriter, r *http.Request) (any, error) {
	e, err := s.engine()
	if err != nil {
		return nil, err
	}
	t := clientele.NewTrigger()
	if err := decodeBody(w, r, &t); err != nil {
		return nil, err
	}
	name := r.PathValue("name")
	if t.Name != "" && t.Name != name {
		return nil, invalidField("name", "differs from the path's")
	}
	t.Name = name
	if err := e.CheckTrigger(r.Context(), &t); err != nil {
		return nil, err
	}
	if err := s.ownsSegment(r.Context(), t.Segment, "trigger "+name); err != nil {
		return nil, err
	}
	if old, err := s.db.Trigger(r.Context(), name); err == nil {
		if err := s.ownsSegment(r.Context(), old.Segment, "trigger "+name); err != nil {
			return nil, err
		}
	}
	saved, err := s.db.PutTrigger(r.Context(), t, clientele.PrincipalFromContext(r.Context()).Name())
	if err != nil {
		return nil, err
	}
	s.reloadEngine(r.Context())
	return saved, nil
}

func (s *Server) deleteTrigger(w http.ResponseWriter, r *http.Request) (any, error) {
	name := r.PathValue("name")
	old, err := s.db.Trigger(r.Context(), name)
	if err != nil {
		return nil, err
	}
	if err := s.ownsSegment(r.Context(), old.Segment, "trigger "+name); err != nil {
		return nil, err
	}
	if err := s.db.DeleteTrigger(r.Context(), name); err != nil {
		return nil, err
	}
	s.reloadEngine(r.Context())
	return map[string]any{"deleted": name}, nil
}

// dryRun replays history through the trigger in the body (or, with no
// body, the stored trigger of the path): ?days= (default 90) up to now.
func (s *Server) dryRun(w http.ResponseWriter, r *http.Request) (any, error) {
	e, err := s.engine()
	if err != nil {
		return nil, err
	}
	days, err := intParam(r, "days", 90, 1, int(clientele.MaxWindow/clientele.Day))
	if err != nil {
		return nil, err
	}
	name := r.PathValue("trigger")
	var t clientele.Trigger
	if r.ContentLength != 0 {
		t = clientele.NewTrigger()
		if err := decodeBody(w, r, &t); err != nil {
			return nil, err
		}
		t.Name = name
	} else if t, err = s.db.Trigger(r.Context(), name); err != nil {
		return nil, err
	}
	until := e.Now().UTC()
	out, err := e.DryRun(r.Context(), t, until.AddDate(0, 0, -days), until, nil)
	if err != nil {
		return nil, err
	}
	// The firings it lists name customers: only for those who see every
	// customer.
	if p := clientele.PrincipalFromContext(r.Context()); p.Role != "admin" && p.Role != "cco" {
		out.Examples = []rules.DryRunFire{}
	}
	return out, nil
}

// ---- responses ----

// postResponses records customers' answers to offers made: a batch of
// {decision_id, offer, response (redeemed, declined, ignored), at}. Each
// item is recorded or refused on its own; they teach the propensities.
func (s *Server) postResponses(w http.ResponseWriter, r *http.Request) (any, error) {
	items, err := readBatch(w, r)
	if err != nil {
		return nil, err
	}
	res := batchResult{Results: make([]itemResult, len(items))}
	valid := map[int]store.Response{}
	for i, raw := range items {
		x, err := decodeResponse(raw, time.Now())
		res.Results[i] = itemResult{Index: i, ID: strconv.FormatInt(x.DecisionID, 10) + "/" + x.Offer}
		if err != nil {
			res.Results[i].fail(err)
			res.Errors++
			continue
		}
		valid[i] = x
	}
	err = s.db.Write(r.Context(), func(sw *store.Writer) error {
		for i := range items {
			x, ok := valid[i]
			if !ok {
				continue
			}
			err := sw.Respond(r.Context(), x)
			switch {
			case clientele.ErrorCode(err) == clientele.ENOTFOUND:
				res.Results[i].fail(err)
				res.Errors++
			case err != nil:
				return err
			default:
				res.Results[i].Status = "created"
				res.Created++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if res.Created > 0 && s.cfg.Engine != nil {
		s.cfg.Engine.RefreshStats()
	}
	return res, nil
}

// decodeResponse reads one response, strictly.
func decodeResponse(raw []byte, now time.Time) (store.Response, error) {
	var in struct {
		DecisionID int64  `json:"decision_id"`
		Offer      string `json:"offer"`
		Response   string `json:"response"`
		At         string `json:"at"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return store.Response{}, clientele.Errorf(clientele.EINVALID, "invalid response: %v", err)
	}
	x := store.Response{DecisionID: in.DecisionID, Offer: in.Offer, Response: in.Response, At: now.UTC()}
	var bad []clientele.FieldError
	if in.DecisionID <= 0 {
		bad = append(bad, clientele.FieldError{Field: "decision_id", Reason: "required: the decision that made the offer"})
	}
	if err := clientele.CheckID("offer", in.Offer); err != nil {
		bad = append(bad, clientele.ErrorDetails(err)...)
	}
	switch in.Response {
	case store.ResponseRedeemed, store.ResponseDeclined, store.ResponseIgnored:
	default:
		bad = append(bad, clientele.FieldError{Field: "response", Reason: "want redeemed, declined or ignored"})
	}
	if in.At != "" {
		t, err := time.Parse(time.RFC3339, in.At)
		if err == nil {
			t, err = clientele.TimeInRange(t)
		}
		if err != nil {
			bad = append(bad, clientele.FieldError{Field: "at", Reason: "an RFC 3339 time, as 2026-03-10T12:00:00Z"})
		}
		x.At = t.UTC()
	}
	if len(bad) > 0 {
		return x, &clientele.Error{Code: clientele.EINVALID, Message: "invalid response", Details: bad}
	}
	return x, nil
}

// ---- contact policy ----

func (s *Server) getContactPolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.db.ContactPolicy(r.Context())
}

func (s *Server) putContactPolicy(w http.ResponseWriter, r *http.Request) (any, error) {
	var p clientele.ContactPolicy
	if err := decodeBody(w, r, &p); err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if err := s.db.SetContactPolicy(r.Context(), p); err != nil {
		return nil, err
	}
	s.reloadEngine(r.Context())
	return p, nil
}

// ---- webhooks and the outbox ----

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) (any, error) {
	hooks, err := s.db.Webhooks(r.Context())
	if err != nil {
		return nil, err
	}
	out := []store.Webhook{}
	for _, h := range hooks {
		out = append(out, h)
	}
	slices.SortFunc(out, func(a, b store.Webhook) int { return strings.Compare(a.Channel, b.Channel) })
	return map[string]any{"items": out}, nil
}

// putWebhook sets a channel's webhook: {url, secret}; without a secret
// one is made. The secret is in this answer only.
func (s *Server) putWebhook(w http.ResponseWriter, r *http.Request) (any, error) {
	var in struct {
		URL    string `json:"url"`
		Secret string `json:"secret"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	h, err := NewWebhook(r.PathValue("channel"), in.URL, in.Secret)
	if err != nil {
		return nil, err
	}
	if err := s.db.PutWebhook(r.Context(), h); err != nil {
		return nil, err
	}
	w.Header().Set("Cache-Control", "no-store")
	return map[string]any{"channel": h.Channel, "url": h.URL, "secret": h.Secret}, nil
}

// NewWebhook checks a webhook's channel, URL and secret (made when empty).
func NewWebhook(channel, address, secret string) (store.Webhook, error) {
	h := store.Webhook{Channel: channel, URL: strings.TrimSpace(address), Secret: secret}
	if _, ok := clientele.Channels[channel]; !ok {
		return h, invalidField("channel", "want one of email, sms, phone, agent")
	}
	u, err := url.Parse(h.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(h.URL) > 2048 ||
		!utf8.ValidString(h.URL) || strings.IndexFunc(h.URL, func(r rune) bool { return unicode.IsControl(r) || unicode.IsSpace(r) }) >= 0 {
		return h, invalidField("url", "an http:// or https:// URL with a host, of at most 2048 bytes, without spaces or control characters")
	}
	if h.Secret == "" {
		h.Secret = delivery.NewSecret()
	}
	if err := delivery.CheckSecret(h.Secret); err != nil {
		return h, invalidField("secret", err.Error())
	}
	return h, nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := s.db.DeleteWebhook(r.Context(), r.PathValue("channel")); err != nil {
		return nil, err
	}
	return map[string]any{"deleted": r.PathValue("channel")}, nil
}

type messageJSON struct {
	store.Message
	CustomerID string `json:"customer_id" personal:"id"`
}

func (s *Server) listOutbox(w http.ResponseWriter, r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		return nil, err
	}
	status := r.URL.Query().Get("status")
	if status != "" && status != store.MessagePending && status != store.MessageDelivered && status != store.MessageDead {
		return nil, invalidField("status", "want pending, delivered or dead")
	}
	msgs, err := s.db.Messages(r.Context(), status, limit)
	if err != nil {
		return nil, err
	}
	out := []messageJSON{}
	for _, m := range msgs {
		out = append(out, messageJSON{Message: m, CustomerID: m.CustomerID})
	}
	return map[string]any{"items": out}, nil
}

func (s *Server) retryMessage(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, invalidField("id", "must be a positive whole number")
	}
	if err := s.db.Retry(r.Context(), id); err != nil {
		return nil, err
	}
	if s.cfg.Wake != nil {
		s.cfg.Wake()
	}
	return map[string]any{"retried": id}, nil
}
