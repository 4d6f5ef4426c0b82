package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// serve owns its workers: a failing worker stops the server and serve
// returns its error; when the context ends, the server shuts down, every
// worker is told to stop and serve returns nil.
func TestServeOwnsItsWorkers(t *testing.T) {
	db, err := store.Open(context.Background(), storetest.SQLiteDSN(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &app{stdout: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil)), currency: "USD", loc: time.UTC}

	start := func(ctx context.Context, workers ...worker) (<-chan error, string) {
		t.Helper()
		done := make(chan error, 1)
		addrc := make(chan string, 1)
		go func() { done <- a.serve(ctx, db, "127.0.0.1:0", func(addr string) { addrc <- addr }, workers...) }()
		select {
		case addr := <-addrc:
			return done, addr
		case err := <-done:
			t.Fatalf("serve returned before listening: %v", err)
		case <-time.After(10 * time.Second):
			t.Fatal("serve did not start")
		}
		return nil, ""
	}
	wait := func(done <-chan error) error {
		t.Helper()
		select {
		case err := <-done:
			return err
		case <-time.After(20 * time.Second):
			t.Fatal("serve did not return")
			return nil
		}
	}

	t.Run("a failing worker stops the server", func(t *testing.T) {
		boom := errors.New("outbox unreachable")
		stopped := make(chan struct{})
		fail := make(chan struct{})
		done, addr := start(context.Background(),
			worker{"patient", func(ctx context.Context) error { <-ctx.Done(); close(stopped); return ctx.Err() }},
			worker{"outbox", func(ctx context.Context) error { <-fail; return boom }})
		if resp, err := http.Get("http://" + addr + "/healthz"); err != nil {
			t.Fatalf("server not up: %v", err)
		} else {
			resp.Body.Close()
		}
		close(fail)
		if err := wait(done); !errors.Is(err, boom) {
			t.Errorf("serve = %v, want the worker's error", err)
		}
		select {
		case <-stopped:
		default:
			t.Error("the other worker was not stopped")
		}
		if _, err := http.Get("http://" + addr + "/healthz"); err == nil {
			t.Error("the server still answers after serve returned")
		}
	})

	t.Run("the end of the context stops everything", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		done, _ := start(ctx, worker{"rules", func(ctx context.Context) error { <-ctx.Done(); close(stopped); return nil }})
		cancel()
		if err := wait(done); err != nil {
			t.Errorf("serve = %v, want nil after the context ended", err)
		}
		select {
		case <-stopped:
		default:
			t.Error("the worker was not stopped")
		}
	})
}
