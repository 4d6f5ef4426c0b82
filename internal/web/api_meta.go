package web

import (
	_ "embed"
	"encoding/json"
	"net/http"

	"clientele"
)

// ---- handlers ----

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) (any, error) {
	if err := s.db.Ping(r.Context()); err != nil {
		return nil, err
	}
	return map[string]string{"status": "ok"}, nil
}

//go:embed openapi.json
var openapiDoc []byte

func (s *Server) openapi(w http.ResponseWriter, r *http.Request) (any, error) {
	return json.RawMessage(openapiDoc), nil
}

// OpenAPI returns the OpenAPI document of the API.
func OpenAPI() []byte { return openapiDoc }

func (s *Server) stats(w http.ResponseWriter, r *http.Request) (any, error) {
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
