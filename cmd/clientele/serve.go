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
	"golang.org/x/sync/errgroup"

	"clientele"
	"clientele/internal/delivery"
	"clientele/internal/rules"
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

// A worker is background work that serve owns: it runs until its context
// ends and then returns nil; an error it returns before that stops the
// server, and serve returns it. The rule engine, the outbox and the
// webhook senders are workers.
type worker struct {
	name string
	run  func(ctx context.Context) error
}

// shutdownTimeout bounds how long serve waits for requests in flight.
const shutdownTimeout = 10 * time.Second

// serve listens on addr and serves the API, and runs the workers, until
// ctx ends or one of them fails; then it shuts the server down gracefully,
// stops the workers, and returns the first failure (nil after ctx ended).
// ready, when set, is called with the bound address once the listener is
// open.
func (a *app) serve(ctx context.Context, db *store.DB, addr string, ready func(addr string), workers ...worker) error {
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
	// The real-time engine (installed by open) and the outbox's delivery:
	// a transaction that queues messages wakes the worker when it commits.
	cfg := web.Config{Currency: clientele.Currency(a.currency), Location: a.loc}
	if e, ok := db.Engine().(*rules.Engine); ok {
		out := &delivery.Worker{DB: db, Logger: a.logger}
		e.Notify, e.Log = out.Wake, a.logger
		cfg.Engine, cfg.Wake = e, out.Wake
		workers = append(workers, worker{name: "outbox", run: out.Run})
	}
	h := web.New(db, cfg, a.logger)
	// The dashboard's reports, built in the background from the start: on
	// a large database the first page views would otherwise find them
	// being prepared.
	h.Warm(ctx)
	srv := &http.Server{
		Handler:           h,
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
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		a.logger.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	for _, w := range workers {
		g.Go(func() error {
			err := w.run(gctx)
			if err != nil && gctx.Err() == nil {
				a.logger.Error("worker failed", "worker", w.name, "err", err)
				return fmt.Errorf("%s: %w", w.name, err)
			}
			return nil
		})
	}
	return g.Wait()
}
