package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"clientele/internal/ingest"
	"clientele/internal/simulate"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

// BenchmarkCustomer360 serves the 360 view of random customers of a
// simulated retailer (20,000 customers, ~245,000 transactions) on all
// cores, through the whole handler stack (auth, metrics, JSON).
func BenchmarkCustomer360(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	const n = 20000
	if _, err := simulate.Run(ctx, simulate.Config{Customers: n, Seed: 1}, dir, nil); err != nil {
		b.Fatal(err)
	}
	db, err := store.Open(ctx, storetest.SQLiteDSN(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	if _, err := ingest.Dir(ctx, db, dir, ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	tok, err := db.CreateToken(ctx, "bench")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/customers/C%08d/360", 1+rng.IntN(n)), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code, w.Body.String())
			}
		}
	})
}

// BenchmarkForbidden is a request the authorisation layer refuses: token
// verification (cached) and the policy decision, with the JSON 403, and no
// handler — the cost the access system adds to every request.
func BenchmarkForbidden(b *testing.B) {
	db := storetest.Open(b)[0].DB
	tok, err := db.CreateServiceToken(context.Background(), "bench", "brand_manager")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	req := httptest.NewRequest("GET", "/api/v1/customers/c1/360", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusForbidden {
			b.Fatalf("status %d", w.Code)
		}
	}
}
