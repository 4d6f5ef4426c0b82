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

	"clientele/internal/store"
	"clientele/internal/web"
)

func BenchmarkBig360(b *testing.B) {
	db, err := store.Open(context.Background(), "/tmp/big.db", nil)
	if err != nil {
		b.Skip(err)
	}
	defer db.Close()
	tok, _ := db.CreateToken(context.Background(), "bench")
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
		for pb.Next() {
			req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/customers/C%08d/360", 1+rng.IntN(1000000)), nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			w := httptest.NewRecorder()
			srv.ServeHTTP(w, req)
			if w.Code != http.StatusOK {
				b.Fatal(w.Code)
			}
		}
	})
}
