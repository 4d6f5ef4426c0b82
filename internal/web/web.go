// Package web serves Clientele's HTTP API: JSON under /api/v1, described by
// an OpenAPI document, with every route behind a bearer token.
package web

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"clientele"
	"clientele/internal/store"
)

// Config holds what the server needs besides the database.
type Config struct {
	Currency clientele.Currency // for amounts that name none
	Location *time.Location     // for times shown and times without an offset
}

// Server is the HTTP API.
type Server struct {
	db      *store.DB
	cfg     Config
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics metrics
	tokens  tokenCache
	handler http.Handler

	runCurrencies sync.Map // model run id → currency
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	ingested *prometheus.CounterVec
}

// New returns a server for db.
func New(db *store.DB, cfg Config, log *slog.Logger) *Server {
	if cfg.Currency == "" {
		cfg.Currency = "USD"
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	s := &Server{db: db, cfg: cfg, log: log, reg: prometheus.NewRegistry()}
	s.metrics = metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "clientele_http_requests_total", Help: "HTTP requests by route and status code."}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "clientele_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}}, []string{"route"}),
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "clientele_ingested_items_total", Help: "Items posted to the API by kind and outcome."}, []string{"kind", "status"}),
	}
	s.reg.MustRegister(s.metrics.requests, s.metrics.duration, s.metrics.ingested,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	s.tokens.entries = map[string]tokenEntry{}
	s.handler = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route is one entry of the route table.
type route struct {
	method, pattern string
	h               apiFunc
}

// apiFunc handles a request and returns the value to write as JSON, or an
// error that the adapter maps to a status.
type apiFunc func(r *http.Request) (any, error)

// Routes lists every route as "METHOD PATTERN", for the OpenAPI test.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.table() {
		out = append(out, rt.method+" "+rt.pattern)
	}
	return out
}

// table is the whole route table. Every route requires a token.
func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", s.healthz},
		{"GET", "/metrics", nil}, // served by promhttp, behind the same auth
		{"GET", "/api/v1/openapi.json", s.openapi},
		{"GET", "/api/v1/stats", s.stats},
		{"GET", "/api/v1/customers", s.listCustomers},
		{"GET", "/api/v1/customers/{id}", s.getCustomer},
		{"PUT", "/api/v1/customers/{id}", s.putCustomer},
		{"GET", "/api/v1/customers/{id}/360", s.customer360},
		{"GET", "/api/v1/customers/{id}/transactions", s.customerTransactions},
		{"GET", "/api/v1/identities/{kind}/{value}", s.identity},
		{"POST", "/api/v1/transactions", s.postTransactions},
		{"POST", "/api/v1/events", s.postEvents},
		{"GET", "/api/v1/segments", s.listSegments},
		{"GET", "/api/v1/segments/{name}/members", s.segmentMembers},
		{"GET", "/api/v1/reports/equity", s.equityReport},
		{"GET", "/api/v1/reports/segments", s.segmentsReport},
		{"GET", "/api/v1/reports/profitability", s.profitabilityReport},
		{"GET", "/api/v1/reports/migration", s.migrationReport},
		{"GET", "/api/v1/reports/switching", s.switchingReport},
		{"GET", "/api/v1/switching-surveys", s.listSwitchingSurveys},
		{"GET", "/api/v1/reports/{report}/charts/{chart}", s.reportChart},
	}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	prom := promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{})
	for _, rt := range s.table() {
		name := rt.method + " " + rt.pattern
		var h http.Handler
		if rt.h == nil {
			h = prom
		} else {
			h = s.adapt(rt.h)
		}
		mux.Handle(name, s.instrument(rt.pattern, s.authenticate(h)))
	}
	// Anything else: a JSON 404 (or 405), after authentication, so that an
	// anonymous caller learns nothing about which routes exist.
	mux.Handle("/", s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, clientele.Errorf(clientele.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
	})))
	return mux
}

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

func (s *Server) instrument(pattern string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: 200}
		next.ServeHTTP(sw, r)
		s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(sw.code)).Inc()
		s.metrics.duration.WithLabelValues(pattern).Observe(time.Since(start).Seconds())
	})
}

// adapt turns an apiFunc into a handler that writes its result as JSON.
func (s *Server) adapt(f apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := f(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if raw, ok := v.(rawBody); ok {
			w.Header().Set("Content-Type", raw.contentType)
			w.Header().Set("X-Content-Type-Options", "nosniff")
			// A chart is an image: nothing in it may run or load.
			w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
			w.Write(raw.b)
			return
		}
		status := http.StatusOK
		if c, ok := v.(created); ok {
			status, v = http.StatusCreated, c.v
		}
		writeJSON(w, status, v)
	})
}

// created marks a result written with 201 Created.
type created struct{ v any }

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":{"code":"internal","message":"internal error"}}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// statusOf maps error codes to HTTP statuses: the one table of it.
var statusOf = map[string]int{
	clientele.EINVALID:      http.StatusBadRequest,
	clientele.ENOTFOUND:     http.StatusNotFound,
	clientele.ECONFLICT:     http.StatusConflict,
	clientele.EUNAUTHORIZED: http.StatusUnauthorized,
	clientele.EFORBIDDEN:    http.StatusForbidden,
	clientele.EINTERNAL:     http.StatusInternalServerError,
}

// StatusOf returns the HTTP status of an error code; a code the table does
// not know is an internal error.
func StatusOf(code string) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON form of every error.
type errorBody struct {
	Error errorJSON `json:"error"`
}

type errorJSON struct {
	Code    string                 `json:"code"`
	Message string                 `json:"message"`
	Details []clientele.FieldError `json:"details,omitempty"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := clientele.ErrorCode(err)
	status := StatusOf(code)
	if status == http.StatusInternalServerError {
		if !errors.Is(err, context.Canceled) {
			s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	}
	if code == clientele.EUNAUTHORIZED {
		w.Header().Set("WWW-Authenticate", `Bearer realm="clientele"`)
	}
	writeJSON(w, status, errorBody{Error: errorJSON{Code: code, Message: clientele.ErrorMessage(err), Details: clientele.ErrorDetails(err)}})
}

// ---- authentication ----

// tokenCache remembers recently verified tokens (by hash of the secret) for a
// short while, so that a request costs no database read for its token.
type tokenCache struct {
	mu      sync.Mutex
	entries map[string]tokenEntry
}

type tokenEntry struct {
	tok      *clientele.Token
	until    time.Time
	lastSeen time.Time // last time use was written to the database
}

const (
	tokenTTL = 30 * time.Second
	// touchEvery is how often a token's last use is written. Rarely: on
	// SQLite every write makes each reader connection drop its page cache
	// and memory map at its next read, and a busy server would pay for
	// a bookkeeping write with a burst of cold reads.
	touchEvery = time.Hour
)

type ctxKey int

const tokenKey ctxKey = 0

func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		secret, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok || secret == "" {
			s.writeError(w, r, clientele.Errorf(clientele.EUNAUTHORIZED, "missing bearer token: send Authorization: Bearer TOKEN (create one with `clientele token create`)"))
			return
		}
		tok, err := s.verify(r.Context(), secret)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), tokenKey, tok)))
	})
}

func (s *Server) verify(ctx context.Context, secret string) (*clientele.Token, error) {
	now := time.Now()
	s.tokens.mu.Lock()
	e, ok := s.tokens.entries[secret]
	s.tokens.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.tok, nil
	}
	tok, err := s.db.Authenticate(ctx, secret)
	if err != nil {
		return nil, err
	}
	s.tokens.mu.Lock()
	if len(s.tokens.entries) > 10000 {
		clear(s.tokens.entries)
	}
	touch := now.Sub(e.lastSeen) > touchEvery
	e = tokenEntry{tok: tok, until: now.Add(tokenTTL), lastSeen: e.lastSeen}
	if touch {
		e.lastSeen = now
	}
	s.tokens.entries[secret] = e
	s.tokens.mu.Unlock()
	if touch {
		if err := s.db.TouchToken(ctx, tok.ID, now); err != nil {
			s.log.Warn("record token use", "token_id", tok.ID, "err", err)
		}
	}
	return tok, nil
}

// ---- handlers ----

func (s *Server) healthz(r *http.Request) (any, error) {
	if err := s.db.Ping(r.Context()); err != nil {
		return nil, err
	}
	return map[string]string{"status": "ok"}, nil
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(r *http.Request) (any, error) { return json.RawMessage(openapiDoc), nil }

// OpenAPI returns the OpenAPI document of the API.
func OpenAPI() []byte { return openapiDoc }

func (s *Server) stats(r *http.Request) (any, error) {
	st, err := s.db.Stats(r.Context())
	if err != nil {
		return nil, err
	}
	rev := map[string]json.Number{}
	for c, v := range st.Revenue {
		sc, _ := c.Scale()
		rev[string(c)] = json.Number(clientele.FormatAmount(v, sc))
	}
	return map[string]any{"customers": st.Customers, "transactions": st.Transactions, "events": st.Events,
		"revenue": rev, "first": s.timeOrNil(st.First), "last": s.timeOrNil(st.Last)}, nil
}

func (s *Server) timeOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.In(s.cfg.Location).Format(time.RFC3339)
}

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

func (s *Server) listCustomers(r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		return nil, err
	}
	cs, next, err := s.db.ListCustomers(r.Context(), store.CustomerFilter{Query: r.URL.Query().Get("q"), After: r.URL.Query().Get("cursor"), Limit: limit})
	if err != nil {
		return nil, err
	}
	out := page[clientele.CustomerJSON]{Items: make([]clientele.CustomerJSON, len(cs)), Next: next}
	for i := range cs {
		out.Items[i] = cs[i].JSON(s.cfg.Location)
	}
	return out, nil
}

func (s *Server) getCustomer(r *http.Request) (any, error) {
	c, err := s.db.Customer(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return c.JSON(s.cfg.Location), nil
}

const maxBody = 16 << 20

func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, maxBody))
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

func (s *Server) putCustomer(r *http.Request) (any, error) {
	var j clientele.CustomerJSON
	if err := decodeBody(r, &j); err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if j.ID == "" {
		j.ID = id
	}
	if j.ID != id {
		return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid customer",
			Details: []clientele.FieldError{{Field: "id", Reason: "the body's id " + strconv.Quote(j.ID) + " differs from the path's " + strconv.Quote(id)}}}
	}
	if j.CreatedAt != "" || j.UpdatedAt != "" {
		return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid customer",
			Details: []clientele.FieldError{{Field: "created_at", Reason: "created_at and updated_at are set by the server"}}}
	}
	c, err := j.Customer()
	if err != nil {
		return nil, err
	}
	isNew, err := s.db.PutCustomer(r.Context(), c)
	if err != nil {
		return nil, err
	}
	got, err := s.db.Customer(r.Context(), c.ID)
	if err != nil {
		return nil, err
	}
	if isNew {
		return created{got.JSON(s.cfg.Location)}, nil
	}
	return got.JSON(s.cfg.Location), nil
}

type identityJSON struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

type accountJSON struct {
	ID            string      `json:"id"`
	Kind          string      `json:"kind"`
	Product       string      `json:"product,omitempty"`
	Tier          string      `json:"tier,omitempty"`
	Holder        string      `json:"holder,omitempty"`
	OpenedOn      string      `json:"opened_on"`
	ClosedOn      string      `json:"closed_on,omitempty"`
	ParentID      string      `json:"parent_id,omitempty"`
	SpendingLimit json.Number `json:"spending_limit,omitempty"`
	Currency      string      `json:"currency"`
}

type scoreJSON struct {
	RunID             int64       `json:"run_id"`
	ProbAlive         float64     `json:"p_alive"`
	ExpectedPurchases float64     `json:"expected_purchases"`
	ExpectedSpend     json.Number `json:"expected_spend"`
	CLV               json.Number `json:"clv"`
	Currency          string      `json:"currency"`
}

type view360JSON struct {
	Customer     clientele.CustomerJSON      `json:"customer"`
	Score        *scoreJSON                  `json:"score"`
	Segments     []string                    `json:"segments"`
	Identities   []identityJSON              `json:"identities"`
	Accounts     []accountJSON               `json:"accounts"`
	Totals       totalsJSON                  `json:"totals"`
	Transactions []clientele.TransactionJSON `json:"recent_transactions"`
	Events       []clientele.EventJSON       `json:"recent_events"`
}

type totalsJSON struct {
	Transactions int64                  `json:"transactions"`
	Revenue      map[string]json.Number `json:"revenue"`
	First        any                    `json:"first"`
	Last         any                    `json:"last"`
}

func (s *Server) customer360(r *http.Request) (any, error) {
	n, err := intParam(r, "recent", 20, 1, 200)
	if err != nil {
		return nil, err
	}
	v, err := s.db.Customer360(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return nil, err
	}
	out := view360JSON{Customer: v.Customer.JSON(s.cfg.Location), Identities: []identityJSON{}, Accounts: []accountJSON{},
		Transactions: []clientele.TransactionJSON{}, Events: []clientele.EventJSON{},
		Totals: totalsJSON{Transactions: v.Totals.Transactions, Revenue: map[string]json.Number{}, First: s.timeOrNil(v.Totals.First), Last: s.timeOrNil(v.Totals.Last)}}
	for _, i := range v.Identities {
		out.Identities = append(out.Identities, identityJSON{i.Kind, i.Value})
	}
	for _, a := range v.Accounts {
		aj := accountJSON{ID: a.ID, Kind: a.Kind, Product: a.Product, Tier: a.Tier, Holder: a.Holder, OpenedOn: a.OpenedOn,
			ClosedOn: a.ClosedOn, ParentID: a.ParentID, Currency: string(a.Currency)}
		if a.SpendingLimit != nil {
			sc, _ := a.Currency.Scale()
			aj.SpendingLimit = json.Number(clientele.FormatAmount(*a.SpendingLimit, sc))
		}
		out.Accounts = append(out.Accounts, aj)
	}
	for c, amt := range v.Totals.Revenue {
		sc, _ := c.Scale()
		out.Totals.Revenue[string(c)] = json.Number(clientele.FormatAmount(amt, sc))
	}
	for i := range v.Transactions {
		out.Transactions = append(out.Transactions, v.Transactions[i].JSON(s.cfg.Location))
	}
	for i := range v.Events {
		out.Events = append(out.Events, v.Events[i].JSON(s.cfg.Location))
	}
	// The customer's value and segments: what an agent needs to route and
	// serve the caller.
	if sc := v.Score; sc != nil {
		cur, err := s.runCurrency(r.Context(), v.ScoreRun)
		if err != nil {
			return nil, err
		}
		scale, _ := cur.Scale()
		out.Score = &scoreJSON{RunID: v.ScoreRun, ProbAlive: sc.ProbAlive, ExpectedPurchases: sc.ExpectedPurchases,
			ExpectedSpend: json.Number(clientele.FormatAmount(sc.ExpectedSpend, scale)), CLV: json.Number(clientele.FormatAmount(sc.CLV, scale)), Currency: string(cur)}
	}
	out.Segments = v.Segments
	if out.Segments == nil {
		out.Segments = []string{}
	}
	return out, nil
}

// runCurrency returns the currency of a model run; runs never change, so
// the answer is kept.
func (s *Server) runCurrency(ctx context.Context, runID int64) (clientele.Currency, error) {
	if c, ok := s.runCurrencies.Load(runID); ok {
		return c.(clientele.Currency), nil
	}
	run, err := s.db.Run(ctx, runID)
	if err != nil {
		return "", err
	}
	s.runCurrencies.Store(runID, run.Currency)
	return run.Currency, nil
}

type segmentJSON struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
	Owner      string `json:"owner,omitempty"`
	Level      string `json:"level"`
	Members    int64  `json:"members"`
	ComputedAt any    `json:"computed_at"`
}

func (s *Server) listSegments(r *http.Request) (any, error) {
	segs, err := s.db.Segments(r.Context())
	if err != nil {
		return nil, err
	}
	out := []segmentJSON{}
	for _, g := range segs {
		out = append(out, segmentJSON{Name: g.Name, Definition: g.Definition, Owner: g.Owner, Level: g.Level, Members: g.Members, ComputedAt: s.timeOrNil(g.ComputedAt)})
	}
	return map[string]any{"items": out}, nil
}

func (s *Server) segmentMembers(r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 100, 1, 10000)
	if err != nil {
		return nil, err
	}
	g, err := s.db.SegmentByName(r.Context(), r.PathValue("name"))
	if err != nil {
		return nil, err
	}
	ids, err := s.db.SegmentMembers(r.Context(), g.ID, r.URL.Query().Get("cursor"), limit+1)
	if err != nil {
		return nil, err
	}
	out := page[string]{Items: ids}
	if len(ids) > limit {
		out.Items = ids[:limit]
		out.Next = ids[limit-1]
	}
	if out.Items == nil {
		out.Items = []string{}
	}
	return out, nil
}

func (s *Server) customerTransactions(r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 50, 1, 1000)
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if _, err := s.db.Customer(r.Context(), id); err != nil {
		return nil, err
	}
	txs, next, err := s.db.ListTransactions(r.Context(), id, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return nil, err
	}
	out := page[clientele.TransactionJSON]{Items: make([]clientele.TransactionJSON, len(txs)), Next: next}
	for i := range txs {
		out.Items[i] = txs[i].JSON(s.cfg.Location)
	}
	return out, nil
}

func (s *Server) identity(r *http.Request) (any, error) {
	kind := r.PathValue("kind")
	switch kind {
	case clientele.IdentityCard, clientele.IdentityEmail, clientele.IdentityPhone, clientele.IdentityExternal:
	default:
		return nil, &clientele.Error{Code: clientele.EINVALID, Message: "invalid identity kind",
			Details: []clientele.FieldError{{Field: "kind", Reason: "must be card, email, phone or external"}}}
	}
	id, err := s.db.CustomerByIdentity(r.Context(), kind, r.PathValue("value"))
	if err != nil {
		return nil, err
	}
	c, err := s.db.Customer(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return c.JSON(s.cfg.Location), nil
}

// ---- batches ----

// MaxBatch is the most items one POST may carry.
const MaxBatch = 1000

// itemResult is the outcome of one item of a batch.
type itemResult struct {
	Index  int        `json:"index"`
	ID     string     `json:"id,omitempty"`
	Status string     `json:"status"` // created, duplicate or error
	Error  *errorJSON `json:"error,omitempty"`
}

type batchResult struct {
	Created    int          `json:"created"`
	Duplicates int          `json:"duplicates"`
	Errors     int          `json:"errors"`
	Results    []itemResult `json:"results"`
}

// readBatch reads a JSON array of at most MaxBatch items.
func readBatch(r *http.Request) ([]json.RawMessage, error) {
	var items []json.RawMessage
	if err := decodeBody(r, &items); err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "empty batch: send a JSON array of 1 to %d items", MaxBatch)
	}
	if len(items) > MaxBatch {
		return nil, clientele.Errorf(clientele.EINVALID, "batch of %d items: at most %d per request", len(items), MaxBatch)
	}
	return items, nil
}

// batch decodes each item, writes the valid ones in one transaction, and
// reports each item's outcome by index. Invalid items do not stop the rest.
func batch[T any](s *Server, r *http.Request, kind string, decode func(json.RawMessage) (T, error), id func(*T) string,
	write func(context.Context, *store.Writer, []T, []bool) error) (any, error) {
	items, err := readBatch(r)
	if err != nil {
		return nil, err
	}
	res := batchResult{Results: make([]itemResult, len(items))}
	var valid []T
	var where []int
	for i, raw := range items {
		v, err := decode(raw)
		res.Results[i] = itemResult{Index: i, ID: id(&v)}
		if err != nil {
			res.Results[i].Status = "error"
			res.Results[i].Error = &errorJSON{Code: clientele.ErrorCode(err), Message: clientele.ErrorMessage(err), Details: clientele.ErrorDetails(err)}
			res.Errors++
			continue
		}
		valid = append(valid, v)
		where = append(where, i)
	}
	if len(valid) > 0 {
		createdFlags := make([]bool, len(valid))
		if err := s.db.Write(r.Context(), func(w *store.Writer) error { return write(r.Context(), w, valid, createdFlags) }); err != nil {
			return nil, err
		}
		for j, i := range where {
			if createdFlags[j] {
				res.Results[i].Status = "created"
				res.Created++
			} else {
				res.Results[i].Status = "duplicate"
				res.Duplicates++
			}
		}
	}
	s.metrics.ingested.WithLabelValues(kind, "created").Add(float64(res.Created))
	s.metrics.ingested.WithLabelValues(kind, "duplicate").Add(float64(res.Duplicates))
	s.metrics.ingested.WithLabelValues(kind, "error").Add(float64(res.Errors))
	return res, nil
}

func (s *Server) postTransactions(r *http.Request) (any, error) {
	return batch(s, r, "transaction",
		func(raw json.RawMessage) (clientele.Transaction, error) {
			return clientele.DecodeTransaction(raw, s.cfg.Currency, s.cfg.Location)
		},
		func(t *clientele.Transaction) string { return t.ID },
		func(ctx context.Context, w *store.Writer, v []clientele.Transaction, c []bool) error {
			_, err := w.Transactions(ctx, v, c)
			return err
		})
}

func (s *Server) postEvents(r *http.Request) (any, error) {
	return batch(s, r, "event",
		func(raw json.RawMessage) (clientele.Event, error) { return clientele.DecodeEvent(raw, s.cfg.Location) },
		func(e *clientele.Event) string { return e.ID },
		func(ctx context.Context, w *store.Writer, v []clientele.Event, c []bool) error {
			_, err := w.Events(ctx, v, c)
			return err
		})
}
