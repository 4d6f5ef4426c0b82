package rules

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"

	"clientele"
	"clientele/internal/store"
)

// ArticlePlaybook is the article's cases as offers and triggers for the
// simulated retailer: the first diapers, the first business-class ticket
// on a Gold card, moving home, marriage, a spouse's death, an empty nest,
// graduation, and the move from a low-profit brand to a high-profit one.
//
//go:embed playbook/article.json
var ArticlePlaybook []byte

// Playbook is a set of offers and triggers, with a contact policy, loaded
// together.
type Playbook struct {
	Description   string                   `json:"description,omitempty"`
	ContactPolicy *clientele.ContactPolicy `json:"contact_policy,omitempty"`
	Offers        []json.RawMessage        `json:"offers"`
	Triggers      []json.RawMessage        `json:"triggers"`
}

// LoadResult says what loading a playbook did.
type LoadResult struct {
	Offers   int `json:"offers"`
	Triggers int `json:"triggers"`
	// Versions counts the triggers that are new or changed, and so got a
	// new version.
	Versions int `json:"new_versions"`
}

// LoadPlaybook checks every offer and trigger of the playbook in b — each
// against the offers of the playbook and those already in the catalogue —
// and, only when all are valid, stores them in one transaction: a bad
// file changes nothing, and its error names every bad item and field.
func (e *Engine) LoadPlaybook(ctx context.Context, b []byte, by string) (*LoadResult, error) {
	var p Playbook
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "playbook: %v", err)
	}
	var bad []clientele.FieldError
	fail := func(item string, err error) {
		if d := clientele.ErrorDetails(err); len(d) > 0 {
			for _, f := range d {
				bad = append(bad, clientele.FieldError{Field: item + "." + f.Field, Reason: f.Reason})
			}
			return
		}
		bad = append(bad, clientele.FieldError{Field: item, Reason: clientele.ErrorMessage(err)})
	}
	if p.ContactPolicy != nil {
		if err := p.ContactPolicy.Validate(); err != nil {
			fail("contact_policy", err)
		}
	}
	codes := map[string]bool{}
	cfg, err := e.config(ctx)
	if err != nil {
		return nil, err
	}
	for code := range cfg.offers {
		codes[code] = true
	}
	offers := make([]clientele.Offer, len(p.Offers))
	for i, raw := range p.Offers {
		o := clientele.NewOffer()
		item := fmt.Sprintf("offers[%d]", i)
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&o); err != nil {
			fail(item, clientele.Errorf(clientele.EINVALID, "%v", err))
			continue
		}
		if err := CheckOffer(&o); err != nil {
			fail(item+" ("+o.Code+")", err)
			continue
		}
		codes[o.Code] = true
		offers[i] = o
	}
	triggers := make([]clientele.Trigger, len(p.Triggers))
	for i, raw := range p.Triggers {
		t := clientele.NewTrigger()
		item := fmt.Sprintf("triggers[%d]", i)
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&t); err != nil {
			fail(item, clientele.Errorf(clientele.EINVALID, "%v", err))
			continue
		}
		item += " (" + t.Name + ")"
		if err := t.Validate(); err != nil {
			fail(item, err)
			continue
		}
		if _, err := Compile("trigger", t.When); err != nil {
			fail(item+".when", err)
			continue
		}
		for j, code := range t.Then {
			if !codes[code] {
				bad = append(bad, clientele.FieldError{Field: fmt.Sprintf("%s.then[%d]", item, j), Reason: fmt.Sprintf("no offer %q in the playbook or the catalogue", clientele.Excerpt(code))})
			}
		}
		triggers[i] = t
	}
	if len(bad) > 0 {
		return nil, &clientele.Error{Code: clientele.EINVALID, Message: "playbook: nothing was loaded", Details: bad}
	}
	res := &LoadResult{}
	err = e.db.Write(ctx, func(w *store.Writer) error {
		if p.ContactPolicy != nil {
			if err := w.SetContactPolicy(ctx, *p.ContactPolicy); err != nil {
				return err
			}
		}
		for _, o := range offers {
			if err := w.PutOffer(ctx, o); err != nil {
				return err
			}
			res.Offers++
		}
		for _, t := range triggers {
			saved, err := w.PutTrigger(ctx, t, by)
			if err != nil {
				return err
			}
			res.Triggers++
			if !saved.UpdatedAt.IsZero() { // new, or changed
				res.Versions++
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return res, e.Reload(ctx)
}
