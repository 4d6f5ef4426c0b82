package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"clientele"
	"clientele/internal/store"
)

func (s *Server) listCustomers(w http.ResponseWriter, r *http.Request) (any, error) {
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

func (s *Server) getCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.db.Customer(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	return c.JSON(s.cfg.Location), nil
}

func (s *Server) putCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	var j clientele.CustomerJSON
	if err := decodeBody(w, r, &j); err != nil {
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
		w.WriteHeader(http.StatusCreated)
	}
	return got.JSON(s.cfg.Location), nil
}

// patchCustomer updates some fields of a profile (a JSON merge patch, RFC
// 7396): absent fields are kept, null clears one, attributes merge key by
// key. PUT replaces the whole profile.
func (s *Server) patchCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	id := r.PathValue("id")
	dec, err := jsonBody(w, r, '{')
	if err != nil {
		return nil, err
	}
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, bodyError(err)
	}
	if dec.More() {
		return nil, clientele.Errorf(clientele.EINVALID, "invalid JSON body: trailing data")
	}
	p, err := clientele.DecodeCustomerPatch(raw, id)
	if err != nil {
		return nil, err
	}
	err = s.db.Write(r.Context(), func(w *store.Writer) error {
		// PATCH changes a customer, PUT creates one: the check is in the
		// write's transaction, so that a customer erased meanwhile is not
		// created again.
		created, err := w.PatchCustomer(r.Context(), id, p)
		if err == nil && created {
			err = clientele.Errorf(clientele.ENOTFOUND, "customer %q not found (PUT creates one)", clientele.Excerpt(id))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	got, err := s.db.Customer(r.Context(), id)
	if err != nil {
		return nil, err
	}
	return got.JSON(s.cfg.Location), nil
}

type view360JSON struct {
	Customer     clientele.CustomerJSON      `json:"customer"`
	Score        *clientele.ScoreJSON        `json:"score"`
	Segments     []string                    `json:"segments"`
	Identities   []clientele.IdentityJSON    `json:"identities"`
	Accounts     []clientele.AccountJSON     `json:"accounts"`
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

func (s *Server) customer360(w http.ResponseWriter, r *http.Request) (any, error) {
	n, err := intParam(r, "recent", 20, 1, 200)
	if err != nil {
		return nil, err
	}
	v, err := s.db.Customer360(r.Context(), r.PathValue("id"), n)
	if err != nil {
		return nil, err
	}
	out := view360JSON{Customer: v.Customer.JSON(s.cfg.Location), Identities: []clientele.IdentityJSON{}, Accounts: []clientele.AccountJSON{},
		Transactions: []clientele.TransactionJSON{}, Events: []clientele.EventJSON{},
		Totals: totalsJSON{Transactions: v.Totals.Transactions, Revenue: map[string]json.Number{}, First: s.timeOrNil(v.Totals.First), Last: s.timeOrNil(v.Totals.Last)}}
	for _, i := range v.Identities {
		out.Identities = append(out.Identities, clientele.IdentityJSON{Kind: i.Kind, Value: i.Value})
	}
	for i := range v.Accounts {
		out.Accounts = append(out.Accounts, v.Accounts[i].JSON())
	}
	for c, amt := range v.Totals.Revenue {
		out.Totals.Revenue[string(c)] = clientele.AmountJSON(amt, c)
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
		j := sc.JSON(v.ScoreRun, cur)
		if model, err := s.runModel(r.Context(), v.ScoreRun); err == nil && model == "bgnbd" && sc.ProbAlive == 1 {
			j.PAliveNote = clientele.BGNBDAliveNote
		}
		out.Score = &j
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
	run, err := s.runOf(ctx, runID)
	if err != nil {
		return "", err
	}
	return run.Currency, nil
}

// runModel returns the model of a model run.
func (s *Server) runModel(ctx context.Context, runID int64) (string, error) {
	run, err := s.runOf(ctx, runID)
	if err != nil {
		return "", err
	}
	return run.Model, nil
}

// runOf returns the currency and model of a model run, kept: a run's
// fit never changes (a deleted run's id is never reused).
func (s *Server) runOf(ctx context.Context, runID int64) (runFacts, error) {
	if c, ok := s.runs.Load(runID); ok {
		return c.(runFacts), nil
	}
	run, err := s.db.Run(ctx, runID)
	if err != nil {
		return runFacts{}, err
	}
	f := runFacts{Currency: run.Currency, Model: run.Model}
	s.runs.Store(runID, f)
	return f, nil
}

type runFacts struct {
	Currency clientele.Currency
	Model    string
}

func (s *Server) customerTransactions(w http.ResponseWriter, r *http.Request) (any, error) {
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

// identity returns the customer an identity resolves to: the access layer
// resolved it (checkScope) and decided what the caller sees of it.
func (s *Server) identity(w http.ResponseWriter, r *http.Request) (any, error) {
	c, err := s.db.Customer(r.Context(), accessFrom(r.Context()).customerID)
	if err != nil {
		return nil, err
	}
	return c.JSON(s.cfg.Location), nil
}
