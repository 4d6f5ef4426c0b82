package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"clientele"
	"clientele/internal/report"
)

// The dashboard's pages show reports from stored results (scores, model
// runs, the transactions), never fitting a model. Some reports take long
// on a large database (profitability over every transaction of a million
// customers: minutes), so a page view never builds one itself: reports are
// built in the background, kept, and rebuilt in the background once they
// are reportTTL old, while the page goes on showing the one it has. A page
// whose report is not built yet waits at most reportWait for it, then says
// it is being prepared. The API builds its reports afresh.

const (
	reportTTL     = 5 * time.Minute
	reportWait    = 2 * time.Second
	reportEntries = 64
)

// errPreparing is the answer for a report being built for the first
// time: the page says so and shows the rest.
var errPreparing = errors.New("the report is being prepared")

type reportCache struct {
	mu      sync.Mutex
	entries map[string]*cachedReport
}

type cachedReport struct {
	ready    chan struct{} // closed once the first build is done
	at       time.Time     // when rep was built
	rep      any
	err      error
	building bool
}

// cachedReport returns the report name for query, narrowed to the caller's
// brands (brandScope): the one kept, however old, while a newer one is
// built in the background; or, the first time, the new one if it is ready
// within reportWait (for the view that asked first; the others do not
// wait), else errPreparing.
func (s *Server) cachedReport(r *http.Request, name string, query url.Values) (documented, error) {
	rep, err := s.kept(r, name+"?"+query.Encode(), func(ctx context.Context) (any, error) {
		q := r.Clone(ctx)
		q.URL.RawQuery = query.Encode()
		return s.report(q, name)
	})
	if err != nil {
		return nil, err
	}
	return brandScope(clientele.PrincipalFromContext(r.Context()), rep.(documented))
}

// kept is what build makes, kept under key and built in the background as
// cachedReport says.
func (s *Server) kept(r *http.Request, key string, build func(context.Context) (any, error)) (any, error) {
	c := &s.reports
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cachedReport{}
	}
	e, ok := c.entries[key]
	if !ok {
		if len(c.entries) >= reportEntries {
			c.evict()
		}
		e = &cachedReport{ready: make(chan struct{})}
		c.entries[key] = e
	}
	started := false
	if !e.building && (!ok || time.Since(e.at) > reportTTL || e.err != nil) {
		e.building, started = true, true
		// Built for everyone, under no one's request: the build outlives
		// the request that started it, and a brand manager's scopes are
		// applied to the answer, not the build.
		go s.build(e, r, context.WithoutCancel(r.Context()), build)
	}
	c.mu.Unlock()
	wait := time.Duration(0)
	if started {
		wait = reportWait // only the view that started the first build waits for it
	}
	select {
	case <-e.ready:
	case <-time.After(wait):
		select {
		case <-e.ready:
		default:
			return nil, errPreparing
		}
	case <-r.Context().Done():
		return nil, r.Context().Err()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return e.rep, e.err
}

// build builds e's value and keeps it; a failed rebuild keeps the value
// built before, and the error for the next view to retry.
func (s *Server) build(e *cachedReport, r *http.Request, ctx context.Context, build func(context.Context) (any, error)) {
	rep, err := build(ctx)
	c := &s.reports
	c.mu.Lock()
	defer c.mu.Unlock()
	e.building = false
	e.at = time.Now()
	if err == nil || e.rep == nil {
		e.rep, e.err = rep, err
	}
	if err != nil {
		s.logError(r, err)
	}
	select {
	case <-e.ready:
	default:
		close(e.ready)
	}
}

// evict drops the oldest built report; c.mu is held.
func (c *reportCache) evict() {
	oldest := ""
	for k, e := range c.entries {
		if !e.building && (oldest == "" || e.at.Before(c.entries[oldest].at)) {
			oldest = k
		}
	}
	if oldest != "" {
		delete(c.entries, oldest)
	}
}

// forget drops the kept reports called name: what they show changed
// (competitors entered). A build under way finishes into the dropped
// entry.
func (c *reportCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(k, name+"?") {
			delete(c.entries, k)
		}
	}
}

// Warm starts building the dashboard's reports in the background, so that
// the first page views find them: `clientele serve` calls it at start.
func (s *Server) Warm(ctx context.Context) {
	r, _ := http.NewRequestWithContext(ctx, "GET", "/", nil)
	for _, name := range []string{"equity", "segments", "profitability"} {
		q := url.Values{}
		if name == "equity" {
			c, err := s.db.Competitors(ctx)
			if err != nil {
				continue
			}
			q = competitorQuery(c)
		}
		s.cachedReport(r, name, q)
	}
	// Then the migration of the category the overview shows, which
	// profitability names.
	go func() {
		for {
			rep, err := s.cachedReport(r, "profitability", url.Values{})
			if !errors.Is(err, errPreparing) {
				if err == nil {
					if cat := migrationCategory(rep.(*report.ProfitabilityReport)); cat != "" {
						s.cachedReport(r, "migration", url.Values{"category": {cat}})
					}
				}
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
			}
		}
	}()
}
