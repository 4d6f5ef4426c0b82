// Package web serves Clientele over HTTP: the JSON API under /api/v1,
// described by an OpenAPI document, and the pages for a browser (the login
// form), with every route but signing in behind a token or a session.
// The route table (server.go) names each route, its handler, the roles it
// admits and its scope over customers; handlers come in two kinds, JSON
// (apiFunc) and pages (pageFunc), each with one adapter that writes its
// errors (handler.go, errors.go); authentication puts the caller's
// clientele.Principal in the request context (auth.go); the access layer
// decides which customers the caller reaches, records the audit entries
// and redacts what the caller may not see (access.go, redact.go); the
// handlers are grouped by resource in the api_*.go files and pages.go.
package web

import (
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Config holds what the server needs besides the database.
type Config struct {
	Currency clientele.Currency // for amounts that name none
	Location *time.Location     // for times shown and times without an offset
	// Engine is the real-time engine (installed on the database by the
	// caller); without one its routes answer 503.
	Engine *rules.Engine
	// Wake, when set, wakes the delivery worker (a message retried).
	Wake func()
}

// Server is the HTTP API.
type Server struct {
	db      *store.DB
	cfg     Config
	log     *slog.Logger
	reg     *prometheus.Registry
	metrics metrics
	tokens  tokenUses
	logins  loginThrottle
	handler http.Handler

	runs sync.Map // model run id → runFacts
	keys atomic.Pointer[accessKeys]

	policyOnce sync.Once
	policyMap  map[string][]string
	reports    reportCache
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
	s.tokens.lastSeen = map[int64]time.Time{}
	s.logins.failures = map[string][]time.Time{}
	s.handler = s.routes()
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// route is one entry of the route table: a method and pattern, the
// handler, made from an apiFunc by adapt or from a pageFunc by adaptPage,
// the roles that may call it, and how its reach over customers is checked
// (access.go).
type route struct {
	method, pattern string
	h               http.Handler
	allow           roles
	scope           scope
}

// public admits anyone, without credentials: signing in, the one route
// that cannot ask for them.
var public = roles{"(anyone)"}

func (rt route) public() bool { return len(rt.allow) == 1 && rt.allow[0] == public[0] }

// roles is the set of roles a route admits; the route's scope then says
// which customers, and how much of each, the caller sees (access.go).
type roles []string

var (
	everyone = roles(clientele.Roles)
	// staff is every person: everyone but an integrator's service token.
	staff = roles{"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"}
	// aggregates read reports and segments, never a customer's contact
	// details.
	aggregates = roles{"admin", "cco", "customer_manager", "brand_manager", "analyst"}
	// allCustomers see any customer and list them.
	allCustomers = roles{"admin", "cco"}
	// serving see one customer at a time, by id: a customer manager those
	// of its segments, an agent the caller it serves, with a reason.
	serving = roles{"admin", "cco", "customer_manager", "agent"}
	// resolvers look a customer up by an identity: serving, and an
	// integrator, who gets the id alone.
	resolvers = roles{"admin", "cco", "customer_manager", "agent", "integrator"}
	// members read a segment's members: a customer manager its own
	// segments', an analyst pseudonymised.
	members = roles{"admin", "cco", "customer_manager", "analyst"}
	// scorers read every customer's scores: an analyst pseudonymised.
	scorers = roles{"admin", "cco", "analyst"}
	// profileWriters create and change customers' profiles.
	profileWriters = roles{"admin", "cco", "integrator"}
	// feeders write facts: transactions, events, tracking messages.
	feeders = roles{"admin", "integrator"}
	// modellers read model runs.
	modellers = roles{"admin", "cco", "analyst"}
	// admins manage users and tokens.
	admins = roles{"admin"}
	// officers run the firm's customer equity: its competitors.
	officers = roles{"admin", "cco"}
	// auditors read the audit log.
	auditors = roles{"admin", "cco"}
	// erasers erase a customer on request, and export what is held.
	erasers = roles{"admin", "cco"}
	// consentReaders read a customer's consent: serving, and the
	// integrator's systems that send.
	consentReaders = roles{"admin", "cco", "customer_manager", "agent", "integrator"}
	// consentWriters record consent: an agent as the customer states it,
	// an integrator from a preference centre.
	consentWriters = roles{"admin", "cco", "agent", "integrator"}
	// advisors ask a customer's next best action: serving, and the
	// integrator's systems that show it (a web page, the contact centre).
	advisors = roles{"admin", "cco", "customer_manager", "agent", "integrator"}
	// campaigners manage offers and triggers: a customer manager those of
	// its segments.
	campaigners = roles{"admin", "cco", "customer_manager"}
)

// Routes lists every route of the API (not the pages) as "METHOD
// PATTERN", for the OpenAPI test.
func (s *Server) Routes() []string {
	var out []string
	for _, rt := range s.table() {
		if !rt.isPage() {
			out = append(out, rt.method+" "+rt.pattern)
		}
	}
	return out
}

// isPage reports whether rt serves a page for a browser rather than the
// API.
func (rt route) isPage() bool {
	for _, api := range []string{"/api/", "/v1/", "/healthz", "/metrics"} {
		if strings.HasPrefix(rt.pattern, api) {
			return false
		}
	}
	return true
}

// Policies returns the roles each route admits, by "METHOD PATTERN".
func (s *Server) Policies() map[string][]string {
	out := map[string][]string{}
	for _, rt := range s.table() {
		out[rt.method+" "+rt.pattern] = rt.allow
	}
	return out
}

// table is the whole route table. Every route requires a token, and says
// which roles may call it.
func (s *Server) table() []route {
	return []route{
		{"GET", "/healthz", s.adapt(s.healthz), everyone, aggregate},
		{"GET", "/metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}), everyone, aggregate},
		{"GET", "/api/v1/openapi.json", s.adapt(s.openapi), everyone, aggregate},
		{"GET", "/api/v1/stats", s.adapt(s.stats), aggregates, aggregate},
		{"GET", "/api/v1/customers", s.adapt(s.listCustomers), allCustomers, customerList},
		{"GET", "/api/v1/customers/{id}", s.adapt(s.getCustomer), serving, oneCustomer},
		{"PUT", "/api/v1/customers/{id}", s.adapt(s.putCustomer), profileWriters, customerWrite},
		{"GET", "/api/v1/customers/{id}/360", s.adapt(s.customer360), serving, oneCustomer},
		{"GET", "/api/v1/customers/{id}/transactions", s.adapt(s.customerTransactions), serving, oneCustomer},
		{"GET", "/api/v1/identities/{kind}/{value}", s.adapt(s.identity), resolvers, byIdentity},
		{"POST", "/api/v1/transactions", s.adapt(s.postTransactions), feeders, factWrite},
		{"POST", "/api/v1/events", s.adapt(s.postEvents), feeders, factWrite},
		{"GET", "/api/v1/segments", s.adapt(s.listSegments), aggregates, aggregate},
		{"GET", "/api/v1/segments/{name}/members", s.adapt(s.segmentMembers), members, customerList},
		{"POST", "/v1/batch", s.adapt(s.trackBatch), feeders, factWrite},
		{"POST", "/v1/track", s.adapt(s.trackOne("track")), feeders, factWrite},
		{"POST", "/v1/identify", s.adapt(s.trackOne("identify")), feeders, factWrite},
		{"POST", "/v1/alias", s.adapt(s.trackOne("alias")), feeders, factWrite},
		{"POST", "/v1/page", s.adapt(s.trackOne("page")), feeders, factWrite},
		{"POST", "/v1/screen", s.adapt(s.trackOne("screen")), feeders, factWrite},
		{"POST", "/v1/group", s.adapt(s.trackOne("group")), feeders, factWrite},
		{"PATCH", "/api/v1/customers/{id}", s.adapt(s.patchCustomer), profileWriters, customerWrite},
		{"GET", "/api/v1/runs", s.adapt(s.listRuns), modellers, aggregate},
		{"GET", "/api/v1/runs/{id}", s.adapt(s.getRun), modellers, aggregate},
		{"GET", "/api/v1/runs/{id}/scores", s.adapt(s.runScores), scorers, customerList},
		{"GET", "/api/v1/reports/equity", s.adapt(s.equityReport), aggregates, aggregate},
		{"GET", "/api/v1/reports/segments", s.adapt(s.segmentsReport), aggregates, aggregate},
		{"GET", "/api/v1/reports/profitability", s.adapt(s.profitabilityReport), aggregates, aggregate},
		{"GET", "/api/v1/reports/migration", s.adapt(s.migrationReport), aggregates, aggregate},
		{"GET", "/api/v1/reports/switching", s.adapt(s.switchingReport), aggregates, aggregate},
		{"GET", "/api/v1/switching-surveys", s.adapt(s.listSwitchingSurveys), aggregates, aggregate},
		{"GET", "/api/v1/reports/{report}/charts/{chart}", s.adapt(s.reportChart), aggregates, aggregate},
		{"POST", "/api/v1/sessions", s.adapt(s.createSession), public, signIn},
		{"GET", "/login", s.adaptPage(s.loginPage), public, aggregate},
		{"POST", "/login", s.adaptPage(s.loginSubmit), public, signIn},
		{"GET", "/{$}", s.adaptPage(s.home), staff, aggregate},
		{"POST", "/logout", s.adaptPage(s.logout), staff, aggregate},
		{"DELETE", "/api/v1/sessions", s.adapt(s.deleteSession), staff, aggregate},
		{"GET", "/api/v1/audit", s.adapt(s.auditLog), auditors, aggregate},
		{"DELETE", "/api/v1/customers/{id}", s.adapt(s.eraseCustomer), erasers, customerErase},
		{"GET", "/api/v1/customers/{id}/export", s.adapt(s.exportCustomer), erasers, customerExport},
		{"GET", "/api/v1/customers/{id}/consent", s.adapt(s.customerConsent), consentReaders, oneCustomer},
		{"PUT", "/api/v1/customers/{id}/consent/{purpose}", s.adapt(s.putConsent), consentWriters, customerWrite},
		{"GET", "/api/v1/customers/{id}/items", s.adapt(s.customerItems), serving, oneCustomer},
		{"POST", "/api/v1/customers/{id}/items", s.adapt(s.createCustomerItem), serving, customerWrite},
		{"GET", "/api/v1/segments/{name}/items", s.adapt(s.segmentItems), staff, aggregate},
		{"POST", "/api/v1/segments/{name}/items", s.adapt(s.createSegmentItem), staff, aggregate},
		{"PUT", "/api/v1/items/{id}/rating", s.adapt(s.rateItem), staff, aggregate},
		{"GET", "/api/v1/reports/sharing", s.adapt(s.sharingReport), aggregates, aggregate},
		{"GET", "/api/v1/competitors", s.adapt(s.getCompetitors), aggregates, aggregate},
		{"PUT", "/api/v1/competitors", s.adapt(s.setCompetitors), officers, aggregate},

		// The real-time engine (api_engine.go).
		{"GET", "/api/v1/customers/{id}/counters", s.adapt(s.customerCounters), serving, oneCustomer},
		{"GET", "/api/v1/customers/{id}/next-best-actions", s.adapt(s.nextBestActions), advisors, oneCustomer},
		{"GET", "/api/v1/customers/{id}/decisions", s.adapt(s.customerDecisions), serving, oneCustomer},
		{"GET", "/api/v1/decisions", s.adapt(s.listDecisions), scorers, customerList},
		{"GET", "/api/v1/offers", s.adapt(s.listOffers), aggregates, aggregate},
		{"PUT", "/api/v1/offers/{code}", s.adapt(s.putOffer), campaigners, aggregate},
		{"DELETE", "/api/v1/offers/{code}", s.adapt(s.deleteOffer), campaigners, aggregate},
		{"GET", "/api/v1/triggers", s.adapt(s.listTriggers), aggregates, aggregate},
		{"GET", "/api/v1/triggers/{name}", s.adapt(s.getTrigger), aggregates, aggregate},
		{"PUT", "/api/v1/triggers/{name}", s.adapt(s.putTrigger), campaigners, aggregate},
		{"DELETE", "/api/v1/triggers/{name}", s.adapt(s.deleteTrigger), campaigners, aggregate},
		{"POST", "/api/v1/triggers/{trigger}/dry-run", s.adapt(s.dryRun), campaigners, customerList},
		{"POST", "/api/v1/responses", s.adapt(s.postResponses), feeders, factWrite},
		{"GET", "/api/v1/reports/uplift", s.adapt(s.upliftReport), aggregates, aggregate},
		{"GET", "/api/v1/contact-policy", s.adapt(s.getContactPolicy), aggregates, aggregate},
		{"PUT", "/api/v1/contact-policy", s.adapt(s.putContactPolicy), officers, aggregate},
		{"GET", "/api/v1/webhooks", s.adapt(s.listWebhooks), admins, aggregate},
		{"PUT", "/api/v1/webhooks/{channel}", s.adapt(s.putWebhook), admins, aggregate},
		{"DELETE", "/api/v1/webhooks/{channel}", s.adapt(s.deleteWebhook), admins, aggregate},
		{"GET", "/api/v1/outbox", s.adapt(s.listOutbox), admins, customerList},
		{"POST", "/api/v1/outbox/{id}/retry", s.adapt(s.retryMessage), admins, aggregate},

		// The dashboard (pages_*.go): the same layer, the same roles.
		{"GET", "/static/{file}", http.HandlerFunc(staticFile), public, aggregate},
		{"POST", "/settings/language", s.adaptPage(s.setLanguage), staff, aggregate},
		{"GET", "/overview", s.adaptPage(s.overviewPage), aggregates, aggregate},
		{"POST", "/overview/competitors", s.adaptPage(s.putCompetitors), officers, aggregate},
		{"GET", "/portfolio", s.adaptPage(s.portfolioPage), aggregates, aggregate},
		{"GET", "/customers", s.adaptPage(s.customersPage), serving, customerList},
		{"GET", "/customers/{id}", s.adaptPage(s.customerPage), serving, oneCustomer},
		{"POST", "/customers/{id}/notes", s.adaptPage(s.noteSubmit), serving, customerWrite},
		{"POST", "/items/{id}/rating", s.adaptPage(s.rateSubmit), staff, aggregate},
		{"GET", "/segments", s.adaptPage(s.segmentsPage), aggregates, aggregate},
		{"GET", "/segments/{name}", s.adaptPage(s.segmentPage), members, customerList},
		{"GET", "/brands", s.adaptPage(s.brandsPage), aggregates, aggregate},
		{"GET", "/models", s.adaptPage(s.modelsPage), modellers, aggregate},
		{"GET", "/sharing", s.adaptPage(s.sharingPage), aggregates, aggregate},
		{"GET", "/engine", s.adaptPage(s.enginePage), aggregates, customerList}, // its latest decisions name customers: a bulk read, audited
		{"POST", "/engine/triggers/{name}", s.adaptPage(s.triggerSubmit), campaigners, aggregate},
		{"POST", "/engine/triggers/{name}/dry-run", s.adaptPage(s.dryRunSubmit), campaigners, customerList},
		{"POST", "/engine/offers/{code}", s.adaptPage(s.offerSubmit), campaigners, aggregate},
		{"GET", "/admin", s.adaptPage(s.adminPage), admins, aggregate},
		{"POST", "/admin/tokens", s.adaptPage(s.createTokenSubmit), admins, aggregate},
		{"POST", "/admin/tokens/revoke", s.adaptPage(s.revokeTokenSubmit), admins, aggregate},
		{"GET", "/audit", s.adaptPage(s.auditPage), auditors, aggregate},
	}
}

// PublicRoutes lists the routes that need no credentials.
func (s *Server) PublicRoutes() []string {
	var out []string
	for _, rt := range s.table() {
		if rt.public() {
			out = append(out, rt.method+" "+rt.pattern)
		}
	}
	return out
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.table() {
		switch {
		case rt.public():
			mux.Handle(rt.method+" "+rt.pattern, s.instrument(rt.pattern, rt.h))
			continue
		case len(rt.allow) == 0:
			// A route nobody decided about is a programming error: the
			// server does not start rather than serve it to everyone.
			panic("web: route " + rt.method + " " + rt.pattern + " has no policy")
		}
		mux.Handle(rt.method+" "+rt.pattern, s.instrument(rt.pattern, s.authenticate(s.authorize(rt, rt.h))))
	}
	// Anything else: a JSON 404 (or 405), after authentication, so that an
	// anonymous caller learns nothing about which routes exist.
	noRoute := s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(mux, r); len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, clientele.Errorf(clientele.EMETHOD, "%s %s: the method is not allowed (allowed: %s)", r.Method, r.URL.Path, strings.Join(allow, ", ")))
			return
		}
		s.writeError(w, r, clientele.Errorf(clientele.ENOTFOUND, "no route %s %s", r.Method, r.URL.Path))
	}))
	mux.Handle("/", noRoute)
	return s.checkRequest(mux, noRoute)
}

// allowed returns the methods that have a route for r's path: a request
// with another method gets 405 and them in Allow, not 404.
func allowed(mux *http.ServeMux, r *http.Request) []string {
	var out []string
	for _, m := range []string{"GET", "PUT", "POST", "PATCH", "DELETE"} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, pattern := mux.Handler(probe); pattern != "" && pattern != "/" && m != r.Method {
			out = append(out, m)
		}
	}
	return out
}

// checkRequest is where a request's path and query enter: text in them
// must be valid UTF-8 without NUL, as everywhere (a 400 naming the
// parameter, before any handler sees it), and a path that is not in
// canonical form (with "//", "." or ".." elements) goes to notFound
// instead of the mux, which would answer it with a redirect and an HTML
// body.
func (s *Server) checkRequest(mux, notFound http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := checkText(r); err != nil {
			s.writeError(w, r, err)
			return
		}
		p := r.URL.Path
		clean := path.Clean(p)
		if strings.HasSuffix(p, "/") && clean != "/" {
			clean += "/"
		}
		if p == "" || p != clean {
			notFound.ServeHTTP(w, r)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// checkText reports the first parameter of r's path or query that is not
// valid UTF-8 or holds a NUL, or a query that cannot be parsed.
func checkText(r *http.Request) error {
	bad := func(field, reason string) error {
		return &clientele.Error{Code: clientele.EINVALID, Message: "invalid request", Details: []clientele.FieldError{{Field: field, Reason: reason}}}
	}
	ok := func(s string) bool { return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 }
	if !ok(r.URL.Path) {
		return bad("path", "must be valid UTF-8 without NUL characters")
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return bad("query", "cannot be parsed: "+err.Error())
	}
	for k, vs := range q {
		if !ok(k) {
			return bad("query", "parameter names must be valid UTF-8 without NUL characters")
		}
		for _, v := range vs {
			if !ok(v) {
				return bad(k, "must be valid UTF-8 without NUL characters")
			}
		}
	}
	return nil
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
