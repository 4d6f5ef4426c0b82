package web

import (
	"net/http"
	"strconv"

	"clientele"
)

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) (any, error) {
	runs, err := s.db.Runs(r.Context())
	if err != nil {
		return nil, err
	}
	type item struct {
		clientele.RunJSON
		Scored int64 `json:"scored"`
	}
	out := []item{}
	for _, l := range runs {
		out = append(out, item{l.Run.JSON(s.cfg.Location), l.Scored})
	}
	return map[string]any{"items": out}, nil
}

// runParam is the model run named by the path's {id}.
func (s *Server) runParam(r *http.Request) (*clientele.Run, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "model run id %q: want a positive integer", clientele.Excerpt(r.PathValue("id")))
	}
	return s.db.Run(r.Context(), id)
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) (any, error) {
	run, err := s.runParam(r)
	if err != nil {
		return nil, err
	}
	return run.JSON(s.cfg.Location), nil
}

// runScores pages through a run's scores in customer id order: the bulk
// read of every customer's P(alive), expected purchases, DERT and CLV.
func (s *Server) runScores(w http.ResponseWriter, r *http.Request) (any, error) {
	limit, err := intParam(r, "limit", 1000, 1, 10000)
	if err != nil {
		return nil, err
	}
	run, err := s.runParam(r)
	if err != nil {
		return nil, err
	}
	scores, err := s.db.RunScores(r.Context(), run.ID, r.URL.Query().Get("cursor"), limit+1)
	if err != nil {
		return nil, err
	}
	out := page[clientele.RunScoreJSON]{Items: []clientele.RunScoreJSON{}}
	for i := range scores[:min(limit, len(scores))] {
		out.Items = append(out.Items, scores[i].RunJSON(run.Currency))
	}
	if len(scores) > limit {
		out.Next = scores[limit-1].CustomerID
	}
	return out, nil
}
