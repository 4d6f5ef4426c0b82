package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"clientele"
	"clientele/internal/store"
)

// Information items — call notes, insights, research findings — about a
// customer (reached as the customer is: access.go) or a segment (any
// colleague). Every list a person reads is recorded as retrievals, what
// the information-sharing report counts.

type itemInput struct {
	Kind string   `json:"kind"`
	Text string   `json:"text"`
	Tags []string `json:"tags"`
}

func (s *Server) createItem(w http.ResponseWriter, r *http.Request, it clientele.InfoItem) (any, error) {
	var in itemInput
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	got, err := s.storeItem(r, it, in)
	if err != nil {
		return nil, err
	}
	w.WriteHeader(http.StatusCreated)
	return got.JSON(s.cfg.Location), nil
}

// storeItem stores it, with what in says, as written by the caller: from
// the API's JSON or a page's form.
func (s *Server) storeItem(r *http.Request, it clientele.InfoItem, in itemInput) (*clientele.InfoItem, error) {
	p := clientele.PrincipalFromContext(r.Context())
	it.Kind, it.Text, it.Tags, it.AuthorID, it.Department = in.Kind, in.Text, in.Tags, p.UserID, p.Department
	var got *clientele.InfoItem
	err := s.db.Write(r.Context(), func(wr *store.Writer) error {
		var err error
		got, err = wr.CreateItem(r.Context(), it)
		return err
	})
	if err != nil {
		return nil, err
	}
	got.Author = p.UserName
	return got, nil
}

func (s *Server) createCustomerItem(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.createItem(w, r, clientele.InfoItem{CustomerID: accessFrom(r.Context()).customerID})
}

func (s *Server) createSegmentItem(w http.ResponseWriter, r *http.Request) (any, error) {
	return s.createItem(w, r, clientele.InfoItem{Segment: r.PathValue("name")})
}

// listItems returns the items f selects, newest first, and records that
// the caller retrieved them.
func (s *Server) listItems(w http.ResponseWriter, r *http.Request, f store.ItemFilter) (any, error) {
	limit, err := intParam(r, "limit", 50, 1, 500)
	if err != nil {
		return nil, err
	}
	f.Limit = limit
	items, err := s.db.Items(r.Context(), f)
	if err != nil {
		return nil, err
	}
	if err := s.retrieved(r.Context(), items); err != nil {
		return nil, err
	}
	out := page[clientele.InfoItemJSON]{Items: []clientele.InfoItemJSON{}}
	for i := range items {
		out.Items = append(out.Items, items[i].JSON(s.cfg.Location))
	}
	return out, nil
}

// retrieved records the caller's retrieval of items.
func (s *Server) retrieved(ctx context.Context, items []clientele.InfoItem) error {
	p := clientele.PrincipalFromContext(ctx)
	if p.UserID == 0 || len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	for i := range items {
		ids[i] = items[i].ID
	}
	return s.db.Write(ctx, func(w *store.Writer) error { return w.RecordItemReads(ctx, p.UserID, p.Department, time.Now(), ids) })
}

func (s *Server) customerItems(w http.ResponseWriter, r *http.Request) (any, error) {
	id := accessFrom(r.Context()).customerID
	if _, err := s.db.Customer(r.Context(), id); err != nil {
		return nil, err
	}
	return s.listItems(w, r, store.ItemFilter{CustomerID: id})
}

func (s *Server) segmentItems(w http.ResponseWriter, r *http.Request) (any, error) {
	if _, err := s.db.SegmentByName(r.Context(), r.PathValue("name")); err != nil {
		return nil, err
	}
	return s.listItems(w, r, store.ItemFilter{Segment: r.PathValue("name")})
}

// rateItem records the caller's rating of an item, 1 to 5; rating again
// changes it. An item about a customer is rated by those who may see the
// customer.
func (s *Server) rateItem(w http.ResponseWriter, r *http.Request) (any, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, invalidField("id", "must be a positive whole number")
	}
	var in struct {
		Rating int `json:"rating"`
	}
	if err := decodeBody(w, r, &in); err != nil {
		return nil, err
	}
	it, err := s.rate(r, id, in.Rating)
	if err != nil {
		return nil, err
	}
	return it.JSON(s.cfg.Location), nil
}

// rate records the caller's rating of item id, when it may see what the
// item is about.
func (s *Server) rate(r *http.Request, id int64, rating int) (*clientele.InfoItem, error) {
	it, err := s.db.Item(r.Context(), id)
	if err != nil {
		return nil, err
	}
	a := accessFrom(r.Context())
	if it.CustomerID != "" {
		a.customerID = it.CustomerID
		if disclosureOf(a.who.Role) != discloseAll {
			return nil, clientele.Errorf(clientele.EFORBIDDEN, "item %d is about a customer: role %s does not see customers", id, a.who.Role)
		}
		if err := s.mayReach(r.Context(), a); err != nil {
			return nil, err
		}
	}
	err = s.db.Write(r.Context(), func(w *store.Writer) error { return w.RateItem(r.Context(), id, a.who.UserID, rating, time.Now()) })
	if err != nil {
		return nil, err
	}
	return s.db.Item(r.Context(), id)
}
