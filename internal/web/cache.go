package web

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"clientele"
)

// The dashboard's pages show reports from stored results (scores, model
// runs, the transactions), never fitting a model; the heavier reports
// (customer equity over a million scores, profitability over every
// transaction) are kept for reportTTL so that a page view costs a look-up.
// A page is then at most reportTTL behind the data; the API builds its
// reports afresh.

const (
	reportTTL     = time.Minute
	reportEntries = 64
)

type reportCache struct {
	mu      sync.Mutex
	entries map[string]*cachedReport
}

type cachedReport struct {
	done chan struct{} // closed when rep and err are set
	at   time.Time
	rep  documented
	err  error
}

// cachedReport returns the report name for r's query, from the cache when
// it is fresh, narrowed to the caller's brands (brandScope). Concurrent
// requests for the same report wait for one build.
func (s *Server) cachedReport(r *http.Request, name string, query url.Values) (documented, error) {
	key := name + "?" + query.Encode()
	c := &s.reports
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[string]*cachedReport{}
	}
	e, ok := c.entries[key]
	if ok {
		select {
		case <-e.done:
			if time.Since(e.at) > reportTTL || e.err != nil {
				ok = false
			}
		default: // being built
		}
	}
	if !ok {
		if len(c.entries) >= reportEntries {
			for k, old := range c.entries {
				select {
				case <-old.done:
					delete(c.entries, k)
				default:
				}
			}
		}
		e = &cachedReport{done: make(chan struct{})}
		c.entries[key] = e
		c.mu.Unlock()
		q := r.Clone(r.Context())
		q.URL.RawQuery = query.Encode()
		e.rep, e.err = s.report(q, name)
		e.at = time.Now()
		close(e.done)
	} else {
		c.mu.Unlock()
		select {
		case <-e.done:
		case <-r.Context().Done():
			return nil, r.Context().Err()
		}
	}
	if e.err != nil {
		return nil, e.err
	}
	return brandScope(clientele.PrincipalFromContext(r.Context()), e.rep)
}

// forget drops the cached reports called name: what they show changed
// (competitors entered).
func (c *reportCache) forget(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.entries {
		if strings.HasPrefix(k, name+"?") {
			delete(c.entries, k)
		}
	}
}
