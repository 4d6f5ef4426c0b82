package web

import (
	"net/http"

	"clientele"
)

// auditLog pages through the audit log, newest first, filtered by
// customer, user and a start date.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) (any, error) {
	p := &params{r: r, loc: s.cfg.Location}
	f := clientele.AuditFilter{CustomerID: p.str("customer", ""), UserName: p.str("user", ""), Since: p.date("since"), Limit: p.integer("limit", 100, 1, 1000)}
	if err := p.err(); err != nil {
		return nil, err
	}
	es, next, err := s.db.Audit(r.Context(), f, r.URL.Query().Get("cursor"))
	if err != nil {
		return nil, err
	}
	out := page[clientele.AuditEntryJSON]{Items: make([]clientele.AuditEntryJSON, len(es)), Next: next}
	for i := range es {
		out.Items[i] = es[i].JSON(s.cfg.Location)
	}
	return out, nil
}
