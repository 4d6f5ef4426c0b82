package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/web"
)

func newServeCmd(a *app) *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the HTTP API (every route needs a token from `clientele token create`)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				return a.serve(cmd.Context(), db, addr, nil)
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", env("CLIENTELE_ADDR", "127.0.0.1:8080"), "address to listen on (CLIENTELE_ADDR); loopback by default")
	return cmd
}

// serve listens on addr and serves the API until ctx ends, then shuts down
// gracefully. ready, when set, is called with the bound address once the
// listener is open.
func (a *app) serve(ctx context.Context, db *store.DB, addr string, ready func(addr string)) error {
	if os.Getenv("GOGC") == "" {
		// The server's live heap is a few MB, so the default GOGC=100
		// collects about 25 times a second at 1,000 requests/s; 400
		// trims the 360 view's p99 there by about a millisecond
		// (docs/benchmarks.md). GOGC in the environment overrides it.
		debug.SetGCPercent(400)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           web.New(db, web.Config{Currency: clientele.Currency(a.currency), Location: a.loc}, a.logger),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	a.logger.Info("serving", "addr", ln.Addr().String(), "db", db.Where())
	if ready != nil {
		ready(ln.Addr().String())
	} else {
		fmt.Fprintf(a.stdout, "Clientele API on http://%s/api/v1 (OpenAPI: /api/v1/openapi.json)\n", ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
