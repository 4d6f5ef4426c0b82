package web

import (
	"net/http"
	"time"

	"clientele"
	"clientele/internal/store"
)

// eraseCustomer erases a customer on request (store.EraseCustomer); the
// reason, required, goes into the audit log.
func (s *Server) eraseCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	a := accessFrom(r.Context())
	if a.reason == "" {
		return nil, invalidField("reason", "an erasure needs a reason (the request's reference): send "+reasonHeader+" or ?reason=")
	}
	er, err := s.db.EraseCustomer(r.Context(), a.customerID)
	if err != nil {
		return nil, err
	}
	return map[string]any{"customer_id": er.CustomerID, "erased": true, "deleted": er.Deleted,
		"transactions_kept": er.Kept, "kept_as": er.KeptAs, "suppressed": er.Suppressed, "overwritten": er.Overwritten}, nil
}

// exportCustomer returns everything held about a customer, every table's
// rows and the audit log's entries about it, as one document.
func (s *Server) exportCustomer(w http.ResponseWriter, r *http.Request) (any, error) {
	id := accessFrom(r.Context()).customerID
	doc, err := s.db.ExportCustomer(r.Context(), id)
	if err != nil {
		return nil, err
	}
	w.Header().Set("Content-Disposition", `attachment; filename="customer-export.json"`)
	return map[string]any{"customer_id": id, "exported_at": clientele.TimeJSON(time.Now(), s.cfg.Location), "tables": doc}, nil
}

type consentsJSON struct {
	Current []clientele.ConsentJSON `json:"current"`
	History []clientele.ConsentJSON `json:"history"`
}

// customerConsent returns a customer's consent: the current state by
// purpose, and its history.
func (s *Server) customerConsent(w http.ResponseWriter, r *http.Request) (any, error) {
	id := accessFrom(r.Context()).customerID
	if _, err := s.db.Customer(r.Context(), id); err != nil {
		return nil, err
	}
	cur, err := s.db.Consents(r.Context(), id)
	if err != nil {
		return nil, err
	}
	hist, err := s.db.ConsentHistory(r.Context(), id)
	if err != nil {
		return nil, err
	}
	out := consentsJSON{Current: []clientele.ConsentJSON{}, History: []clientele.ConsentJSON{}}
	for i := range cur {
		out.Current = append(out.Current, cur[i].JSON(s.cfg.Location))
	}
	for i := range hist {
		out.History = append(out.History, hist[i].JSON(s.cfg.Location))
	}
	return out, nil
}

// putConsent records a customer's consent for the path's purpose:
// {status, source, at}; at defaults to now, source to the request's
// reason (an agent's call id).
func (s *Server) putConsent(w http.ResponseWriter, r *http.Request) (any, error) {
	a := accessFrom(r.Context())
	var j struct {
		Status string `json:"status"`
		Source string `json:"source"`
		At     string `json:"at"`
	}
	if err := decodeBody(w, r, &j); err != nil {
		return nil, err
	}
	c := clientele.Consent{CustomerID: a.customerID, Purpose: r.PathValue("purpose"), Status: j.Status, Source: j.Source, RecordedBy: a.who.Name(), At: time.Now()}
	if j.At != "" {
		t, err := clientele.ParseTime(j.At, s.cfg.Location)
		if err != nil {
			return nil, invalidField("at", err.Error())
		}
		c.At = t
	}
	if c.Source == "" {
		c.Source = a.reason
	}
	err := s.db.Write(r.Context(), func(w *store.Writer) error { return w.SetConsent(r.Context(), c) })
	if err != nil {
		return nil, err
	}
	return s.customerConsent(w, r)
}
