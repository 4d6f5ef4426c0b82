package web

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"clientele"
	"clientele/internal/store/storetest"
)

// BenchmarkAuthorize is the authorisation decision alone, for the route ×
// role cases that cost most: the role check and the scope check of a
// customer manager's request for one customer (one indexed look-up of the
// segments it owns), of an agent's (a reason), and of an analyst's list
// (pseudonym keys, a sealed cursor opened). Authentication (the token's
// row) and the handler are not included: see BenchmarkForbidden.
func BenchmarkAuthorize(b *testing.B) {
	ctx := context.Background()
	db := storetest.Open(b)[0].DB
	u, err := db.CreateUser(ctx, clientele.User{Name: "cm", Role: "customer_manager"}, "")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.PutCustomer(ctx, clientele.Customer{ID: "c1"}); err != nil {
		b.Fatal(err)
	}
	seg, err := db.CreateSegment(ctx, clientele.Segment{Name: "s", Definition: "true", Owner: "cm"})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.ApplyMembership(ctx, seg.ID, []clientele.MembershipChange{{CustomerID: "c1", Joined: true}}, "bench", time.Now()); err != nil {
		b.Fatal(err)
	}
	s := New(db, Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	var routes = map[string]route{}
	for _, rt := range s.table() {
		routes[rt.method+" "+rt.pattern] = rt
	}
	cases := []struct {
		name, route, path string
		who               clientele.Principal
	}{
		{"customer_manager", "GET /api/v1/customers/{id}/360", "/api/v1/customers/c1/360", clientele.Principal{TokenID: 1, UserID: u.ID, UserName: "cm", Role: "customer_manager"}},
		{"agent", "GET /api/v1/customers/{id}/360", "/api/v1/customers/c1/360?reason=call+1", clientele.Principal{TokenID: 2, UserID: 9, UserName: "ag", Role: "agent"}},
		{"analyst", "GET /api/v1/runs/{id}/scores", "/api/v1/runs/1/scores", clientele.Principal{TokenID: 3, UserID: 8, UserName: "an", Role: "analyst"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			rt := routes[c.route]
			req := httptest.NewRequest("GET", c.path, nil)
			req.SetPathValue("id", "c1")
			req = req.WithContext(clientele.NewContextWithPrincipal(req.Context(), &c.who))
			b.ReportAllocs()
			for b.Loop() {
				if !allows(rt, c.who.Role) {
					b.Fatal("refused")
				}
				if _, err := s.checkScope(rt, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
