package web

import (
	"net/http"

	"clientele"
)

func (s *Server) listSegments(w http.ResponseWriter, r *http.Request) (any, error) {
	segs, err := s.db.Segments(r.Context())
	if err != nil {
		return nil, err
	}
	out := []clientele.SegmentJSON{}
	for _, g := range segs {
		out = append(out, g.JSON(s.cfg.Location))
	}
	return map[string]any{"items": out}, nil
}

func (s *Server) segmentMembers(w http.ResponseWriter, r *http.Request) (any, error) {
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
	out := page[memberJSON]{Items: []memberJSON{}}
	for _, id := range ids[:min(limit, len(ids))] {
		out.Items = append(out.Items, memberJSON{CustomerID: id})
	}
	if len(ids) > limit {
		out.Next = ids[limit-1]
	}
	return out, nil
}

// memberJSON is a segment's member.
type memberJSON struct {
	CustomerID string `json:"customer_id" personal:"id"`
}
