package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"clientele/internal/store"
	"clientele/internal/web"
)

// BenchmarkPages renders the dashboard's pages on the server, as the CCO,
// from the database CLIENTELE_BENCH_DB names (built with `clientele
// simulate`, `import`, `fit` and `score`; docs/benchmarks.md has the 1M
// customer recipe): each page from stored results, the reports from the
// page cache after the first view.
func BenchmarkPages(b *testing.B) {
	dsn := os.Getenv("CLIENTELE_BENCH_DB")
	if dsn == "" {
		b.Skip("set CLIENTELE_BENCH_DB to a scored database to benchmark the pages")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	tok, err := db.CreateToken(ctx, "bench pages")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(db, web.Config{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	for _, p := range []string{"/overview", "/portfolio", "/segments", "/brands", "/models", "/sharing", "/customers?q=C00000042", "/customers/C00000042", "/audit"} {
		b.Run(p, func(b *testing.B) {
			for b.Loop() {
				req := httptest.NewRequest("GET", p, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				w := httptest.NewRecorder()
				srv.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatal(w.Code, w.Body.String())
				}
			}
		})
	}
}
