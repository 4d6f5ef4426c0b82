package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"clientele"
	"clientele/internal/i18n"
	"clientele/internal/report"
	"clientele/internal/store"
)

// Customers: the search, and the customer 360 page — who the customer is,
// what it is worth and why, what it bought, which segments it was in and
// why, what colleagues noted, what it consented to. Only the roles that
// serve customers open them (admin, cco, a customer manager for the
// customers of its segments, an agent with a reason), through the same
// scopes as the API.

type customersView struct {
	Query, Reason string
	NeedReason    bool // an agent must say why it looks
	Prefix        bool // the role may search by prefix
	Results       *table
	Searched      bool
}

// searchLimit is how many customers a search shows.
const searchLimit = 50

func (s *Server) customersPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	who := clientele.PrincipalFromContext(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	a := accessFrom(r.Context())
	d := &customersView{Query: q, Reason: a.reason, NeedReason: who.Role == "agent", Prefix: who.Role != "agent"}
	v := &view{Template: "customers.html", TitleKey: "nav.customers", T: t, Data: d}
	if q == "" {
		return v, nil
	}
	if len(q) > 256 {
		return nil, invalidField("q", "at most 256 bytes")
	}
	if d.NeedReason && a.reason == "" {
		return nil, invalidField("reason", "an agent looks a customer up for a reason: give the call id, say")
	}
	d.Searched = true
	owner := int64(0)
	if who.Role == "customer_manager" {
		owner = who.UserID // the prefix search looks among its customers only
	}
	ids, err := s.search(r, q, d.Prefix, owner)
	if err != nil {
		return nil, err
	}
	d.Results = &table{ID: "customers", Columns: cols(t, "id", "col.customer_id", "name", "col.name", "email", "col.email", "phone", "col.phone", "city", "col.city"),
		Empty: t.T("no_customers_found"), PageSize: 25}
	for _, id := range ids {
		if who.Role == "customer_manager" {
			ok, err := s.db.OwnsCustomer(r.Context(), who.UserID, id)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue // not one of its segments' customers: not shown
			}
		}
		cu, err := s.db.Customer(r.Context(), id)
		if clientele.ErrorCode(err) == clientele.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		j := visible(r, cu.JSON(s.cfg.Location))
		href := "/customers/" + url.PathEscape(cu.ID)
		if a.reason != "" {
			href += "?reason=" + url.QueryEscape(a.reason)
		}
		d.Results.add(c.link(j.ID, href), c.text(j.Name), c.text(j.Email), c.text(j.Phone), c.text(j.City))
	}
	v.offer(d.Results)
	return v, nil
}

// search finds the customers q names: an id, an e-mail address, a phone
// number or a card (an account) exactly, and, for a role that may list
// customers, every customer whose name or e-mail begins with q — among
// the customers of user owner's segments when owner is not 0, so that the
// first searchLimit matches are all its own.
func (s *Server) search(r *http.Request, q string, prefix bool, owner int64) ([]string, error) {
	ctx := r.Context()
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if _, err := s.db.Customer(ctx, q); err == nil {
		add(q)
	} else if clientele.ErrorCode(err) != clientele.ENOTFOUND && clientele.ErrorCode(err) != clientele.EINVALID {
		return nil, err
	}
	for _, kind := range clientele.IdentityKinds {
		id, err := s.db.CustomerByIdentity(ctx, kind, q)
		switch clientele.ErrorCode(err) {
		case "":
			add(id)
		case clientele.ENOTFOUND, clientele.EINVALID:
		default:
			return nil, err
		}
	}
	if prefix {
		cs, _, err := s.db.ListCustomers(ctx, store.CustomerFilter{Query: q, Limit: searchLimit, Owner: owner})
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			add(c.ID)
		}
	}
	if len(out) > searchLimit {
		out = out[:searchLimit]
	}
	return out, nil
}

type customerView struct {
	Customer    clientele.CustomerJSON
	Reason      string
	Facts       []card
	Explanation string
	AliveNote   string
	Accounts    *table
	Timeline    *chart
	Purchases   *table
	Events      *table
	Segments    []string
	History     *table
	Notes       []noteView
	Consent     *table
	MayNote     bool
}

type noteView struct {
	ID                     int64
	Author, Department, At string
	Kind, Text             string
	Ratings                int
	MeanRating, Reads      string
	Tags                   []string
}

func (s *Server) customerPage(w http.ResponseWriter, r *http.Request) (*view, error) {
	t, c := words(w, r)
	a := accessFrom(r.Context())
	raw, err := s.customer360(w, r)
	if err != nil {
		return nil, err
	}
	v360 := visible(r, raw.(view360JSON))
	d := &customerView{Customer: v360.Customer, Reason: a.reason, Segments: v360.Segments, MayNote: a.who.UserID != 0}
	v := &view{Template: "customer.html", Title: v360.Customer.Name, T: t, Data: d}
	if v.Title == "" {
		v.Title = v360.Customer.ID
	}
	ctx := r.Context()
	cur := string(s.cfg.Currency)
	var asOf time.Time
	if sc := v360.Score; sc != nil {
		cur = sc.Currency
		clv, _ := sc.CLV.Float64()
		run, err := s.db.Run(ctx, sc.RunID)
		if err != nil {
			return nil, err
		}
		asOf, _ = time.ParseInLocation(time.DateOnly, run.CalibrationEnd, s.cfg.Location)
		d.Facts = append(d.Facts,
			card{t.T("clv"), moneyText(t, clv, cur), t.T("run_as_of", sc.RunID, run.CalibrationEnd)},
			card{t.T("p_alive"), t.Number(sc.ProbAlive, 3), ""},
			card{t.T("expected_purchases"), t.Number(sc.ExpectedPurchases, 2), t.T("in_horizon")})
		if sc.PAliveNote != "" {
			d.AliveNote = t.T("bgnbd_alive_note")
		}
	}
	first, _ := v360.Totals.First.(string)
	last, _ := v360.Totals.Last.(string)
	d.Facts = append(d.Facts, card{t.T("purchases"), t.Number(float64(v360.Totals.Transactions), 0), revenueText(t, v360.Totals.Revenue)})
	d.Explanation = explain(t, v360.Totals.Transactions, first, last, asOf)

	d.Accounts = &table{ID: "accounts", Columns: cols(t, "id", "col.account", "kind", "col.kind", "product", "col.product", "tier", "col.tier",
		"holder", "col.holder", "parent_id", "col.parent", "spending_limit#", "col.limit", "opened_on", "col.opened"), Empty: t.T("no_accounts")}
	for _, ac := range v360.Accounts {
		limit := cell{Text: "–"}
		if ac.SpendingLimit != "" {
			f, _ := ac.SpendingLimit.Float64()
			limit = c.money(f, ac.Currency)
		}
		d.Accounts.add(c.text(ac.ID), c.text(ac.Kind), c.text(ac.Product), c.text(ac.Tier), c.text(ac.Holder), c.text(ac.ParentID), limit, c.text(ac.OpenedOn))
	}
	// The purchase timeline: every purchase's amount over time.
	txs, _, err := s.db.ListTransactions(ctx, a.customerID, "", 500)
	if err != nil {
		return nil, err
	}
	d.Purchases = &table{ID: "purchases", Columns: cols(t, "time", "col.date", "items", "col.items", "quantity#", "col.quantity", "amount#", "col.amount", "channel", "col.channel"),
		Empty: t.T("no_purchases"), PageSize: 10}
	sort.Slice(txs, func(i, j int) bool { return txs[i].Time.After(txs[j].Time) })
	var xs, amounts []float64
	for i := len(txs) - 1; i >= 0; i-- {
		xs = append(xs, float64(txs[i].Time.Unix()))
		amounts = append(amounts, float64(txs[i].Amount)/math.Pow10(scaleOf(txs[i].Currency)))
	}
	for _, tx := range txs {
		var skus []string
		for _, l := range tx.Lines {
			skus = append(skus, l.SKU)
		}
		amt := float64(tx.Amount) / math.Pow10(scaleOf(tx.Currency))
		d.Purchases.add(cell{Text: t.Date(tx.Time.In(s.cfg.Location)), Plain: tx.Time.In(s.cfg.Location).Format(time.RFC3339)}, c.text(strings.Join(skus, ", ")),
			c.int(tx.Quantity), c.money(amt, string(tx.Currency)), c.text(tx.Channel))
	}
	if len(xs) > 1 {
		ch, err := lineChart("timeline", t.T("chart.timeline"), t.T("col.date"), t.T("col.amount"), xs, []series{{Name: t.T("col.amount"), Values: amounts}},
			report.DateTicks, report.GroupedTicks, func(x float64) cell {
				tm := time.Unix(int64(x), 0).In(s.cfg.Location)
				return cell{Text: t.Date(tm), Plain: tm.Format(time.DateOnly)}
			}, func(y float64) cell { return c.money(y, cur) }, t.T("col.date"), c)
		if err != nil {
			return nil, err
		}
		d.Timeline = v.chart(ch)
	}
	d.Events = &table{ID: "events", Columns: cols(t, "at", "col.date", "type", "col.event"), Empty: t.T("no_events"), PageSize: 10}
	for _, e := range v360.Events {
		at := c.text(e.Time)
		if tm, err := time.Parse(time.RFC3339Nano, e.Time); err == nil {
			at.Text = t.Date(tm.In(s.cfg.Location))
		}
		d.Events.add(at, c.text(e.Type))
	}
	hist, err := s.db.MembershipHistory(ctx, a.customerID)
	if err != nil {
		return nil, err
	}
	d.History = &table{ID: "memberships", Columns: cols(t, "at", "col.date", "segment", "col.segment", "change", "col.change", "reason", "col.reason", "fact", "col.fact"), Empty: t.T("no_memberships")}
	for _, h := range hist {
		d.History.add(cell{Text: t.Date(h.At.In(s.cfg.Location)), Plain: h.At.Format(time.RFC3339)}, c.link(h.Segment, "/segments/"+url.PathEscape(h.Segment)), c.text(t.T("change."+h.Change)), c.text(h.Reason), c.text(h.Fact))
	}
	items, err := s.db.Items(ctx, store.ItemFilter{CustomerID: a.customerID, Limit: 100})
	if err != nil {
		return nil, err
	}
	if err := s.retrieved(ctx, items); err != nil {
		return nil, err
	}
	for _, it := range items {
		d.Notes = append(d.Notes, noteOf(t, it, s.cfg.Location))
	}
	consents, err := s.db.Consents(ctx, a.customerID)
	if err != nil {
		return nil, err
	}
	d.Consent = &table{ID: "consent", Columns: cols(t, "purpose", "col.purpose", "status", "col.status", "source", "col.source", "at", "col.date"), Empty: t.T("no_consent")}
	for _, k := range consents {
		d.Consent.add(c.text(k.Purpose), c.text(t.T("consent."+k.Status)), c.text(k.Source), cell{Text: t.Date(k.At.In(s.cfg.Location)), Plain: k.At.Format(time.RFC3339)})
	}
	v.offer(d.Accounts, d.Purchases, d.Events, d.History, d.Consent)
	return v, nil
}

func noteOf(t i18n.Translator, it clientele.InfoItem, loc *time.Location) noteView {
	n := noteView{ID: it.ID, Author: it.Author, Department: it.Department, At: t.Date(it.CreatedAt.In(loc)), Kind: it.Kind, Text: it.Text,
		Ratings: it.Ratings, Reads: t.Number(float64(it.Reads), 0), Tags: it.Tags}
	if it.Ratings > 0 {
		n.MeanRating = t.Number(it.MeanRating, 1)
	}
	return n
}

// revenueText is a customer's revenue, per currency.
func revenueText(t i18n.Translator, rev map[string]json.Number) string {
	var parts []string
	for cur, amt := range rev {
		f, _ := amt.Float64()
		parts = append(parts, moneyText(t, f, cur))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// explain says in one line how the customer buys: how long ago it last
// bought, as of the scores' date (or the last purchase's), and how often
// it usually buys.
func explain(t i18n.Translator, n int64, first, last string, asOf time.Time) string {
	if n == 0 || last == "" {
		return t.T("explain.never")
	}
	lt, err1 := time.Parse(time.RFC3339, last)
	ft, err2 := time.Parse(time.RFC3339, first)
	if err1 != nil || err2 != nil {
		return ""
	}
	if asOf.IsZero() || asOf.Before(lt) {
		asOf = lt
	}
	weeks := func(d time.Duration) int { return int(math.Round(d.Hours() / (24 * 7))) }
	ago := t.T("explain.last", weeks(asOf.Sub(lt)))
	if n < 2 {
		return ago + t.T("explain.once")
	}
	every := lt.Sub(ft) / time.Duration(n-1)
	return ago + t.T("explain.every", max(1, weeks(every)), n)
}

// noteSubmit stores a note about the customer from the 360 page's form.
func (s *Server) noteSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	a := accessFrom(r.Context())
	var tags []string
	for _, tg := range strings.Split(r.PostFormValue("tags"), ",") {
		if tg = strings.TrimSpace(tg); tg != "" {
			tags = append(tags, tg)
		}
	}
	kind := r.PostFormValue("kind")
	if _, err := s.storeItem(r, clientele.InfoItem{CustomerID: a.customerID}, itemInput{Kind: kind, Text: r.PostFormValue("text"), Tags: tags}); err != nil {
		return nil, err
	}
	back := "/customers/" + url.PathEscape(a.customerID)
	if a.reason != "" {
		back += "?reason=" + url.QueryEscape(a.reason)
	}
	http.Redirect(w, r, back+"#notes", http.StatusSeeOther)
	return nil, nil
}

// rateSubmit rates an item from a page's form and goes back to it.
func (s *Server) rateSubmit(w http.ResponseWriter, r *http.Request) (*view, error) {
	if err := parseForm(w, r); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, invalidField("id", "must be a positive whole number")
	}
	rating, err := strconv.Atoi(r.PostFormValue("rating"))
	if err != nil {
		return nil, invalidField("rating", "must be a whole number from 1 to 5")
	}
	if _, err := s.rate(r, id, rating); err != nil {
		return nil, err
	}
	http.Redirect(w, r, localPath(r.PostFormValue("back"), "/sharing"), http.StatusSeeOther)
	return nil, nil
}

// scaleOf is cur's number of minor-unit digits (0 for one it does not
// know: stored currencies were checked on the way in).
func scaleOf(cur clientele.Currency) int {
	n, _ := cur.Scale()
	return n
}
