package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"clientele"
	"clientele/internal/store"
)

// ---- batches ----

// MaxBatch is the most items one POST may carry.
const MaxBatch = 1000

// itemResult is the outcome of one item of a batch.
type itemResult struct {
	Index  int        `json:"index"`
	ID     string     `json:"id,omitempty"`
	Status string     `json:"status"` // created, duplicate or error
	Error  *errorJSON `json:"error,omitempty"`
	// Differs names the fields in which a duplicate differs from what is
	// stored under its id (which is kept): "duplicate" alone hid that a
	// corrected amount was not taken.
	Differs []string `json:"differs,omitempty"`
	Note    string   `json:"note,omitempty"`
}

// fail marks the item refused with err.
func (r *itemResult) fail(err error) {
	r.Status = "error"
	r.Error = &errorJSON{Code: clientele.ErrorCode(err), Message: clientele.ErrorMessage(err), Details: clientele.ErrorDetails(err)}
}

type batchResult struct {
	Created    int          `json:"created"`
	Duplicates int          `json:"duplicates"`
	Errors     int          `json:"errors"`
	Results    []itemResult `json:"results"`
}

// readBatch reads a JSON array of at most MaxBatch items, one item at a
// time, and stops at the first item past MaxBatch: a body of millions of
// tiny items is refused without decoding it.
func readBatch(w http.ResponseWriter, r *http.Request) ([]json.RawMessage, error) {
	dec, err := jsonBody(w, r, '[')
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != nil { // the '['
		return nil, bodyError(err)
	}
	var items []json.RawMessage
	for dec.More() {
		if len(items) == MaxBatch {
			return nil, clientele.Errorf(clientele.EINVALID, "batch of more than %d items: at most %d per request", MaxBatch, MaxBatch)
		}
		var it json.RawMessage
		if err := dec.Decode(&it); err != nil {
			return nil, bodyError(err)
		}
		items = append(items, it)
	}
	if _, err := dec.Token(); err != nil { // the ']'
		return nil, bodyError(err)
	}
	if dec.More() {
		return nil, clientele.Errorf(clientele.EINVALID, "invalid JSON body: trailing data")
	}
	if len(items) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "empty batch: send a JSON array of 1 to %d items", MaxBatch)
	}
	return items, nil
}

// batch decodes each item, writes the valid ones in one transaction, and
// reports each item's outcome by index. Invalid items do not stop the rest.
func batch[T any](s *Server, w http.ResponseWriter, r *http.Request, kind string, decode func(json.RawMessage) (T, error), id func(*T) string,
	write func(context.Context, *store.Writer, []T, []bool) error, differs func(context.Context, *T) ([]string, error)) (any, error) {
	items, err := readBatch(w, r)
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
			res.Results[i].fail(err)
			res.Errors++
			continue
		}
		valid = append(valid, v)
		where = append(where, i)
	}
	if len(valid) > 0 {
		createdFlags := make([]bool, len(valid))
		if err := s.db.Write(r.Context(), func(sw *store.Writer) error { return write(r.Context(), sw, valid, createdFlags) }); err != nil {
			return nil, err
		}
		for j, i := range where {
			if createdFlags[j] {
				res.Results[i].Status = "created"
				res.Created++
			} else {
				res.Results[i].Status = "duplicate"
				res.Duplicates++
				d, err := differs(r.Context(), &valid[j])
				if err != nil {
					return nil, err
				}
				if len(d) > 0 {
					res.Results[i].Differs = d
					res.Results[i].Note = "duplicate (differs: " + strings.Join(d, ", ") + "): the " + kind + " stored under this id is kept"
				}
			}
		}
	}
	s.metrics.ingested.WithLabelValues(kind, "created").Add(float64(res.Created))
	s.metrics.ingested.WithLabelValues(kind, "duplicate").Add(float64(res.Duplicates))
	s.metrics.ingested.WithLabelValues(kind, "error").Add(float64(res.Errors))
	return res, nil
}

func (s *Server) postTransactions(w http.ResponseWriter, r *http.Request) (any, error) {
	return batch(s, w, r, "transaction",
		func(raw json.RawMessage) (clientele.Transaction, error) {
			return clientele.DecodeTransaction(raw, s.cfg.Currency, s.cfg.Location)
		},
		func(t *clientele.Transaction) string { return t.ID },
		func(ctx context.Context, w *store.Writer, v []clientele.Transaction, c []bool) error {
			_, err := w.Transactions(ctx, v, c)
			return err
		},
		func(ctx context.Context, t *clientele.Transaction) ([]string, error) {
			stored, err := s.db.Transaction(ctx, t.CustomerID, t.ID)
			if err != nil {
				return nil, err
			}
			return stored.Differs(t), nil
		})
}

func (s *Server) postEvents(w http.ResponseWriter, r *http.Request) (any, error) {
	return batch(s, w, r, "event",
		func(raw json.RawMessage) (clientele.Event, error) { return clientele.DecodeEvent(raw, s.cfg.Location) },
		func(e *clientele.Event) string { return e.ID },
		func(ctx context.Context, w *store.Writer, v []clientele.Event, c []bool) error {
			_, err := w.Events(ctx, v, c)
			return err
		},
		func(ctx context.Context, e *clientele.Event) ([]string, error) {
			stored, err := s.db.Event(ctx, e.CustomerID, e.ID)
			if err != nil {
				return nil, err
			}
			return stored.Differs(e), nil
		})
}
