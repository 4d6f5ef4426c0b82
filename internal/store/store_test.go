package store_test

import (
	"context"
	"testing"

	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func TestRedact(t *testing.T) {
	got := store.Redact("postgres://u:secret@db:5432/x")
	if got != "postgres://u:xxxxx@db:5432/x" {
		t.Errorf("Redact = %q", got)
	}
}

// write runs fn in one write transaction and fails t on an error.
func write(t *testing.T, db *store.DB, fn func(ctx context.Context, w *store.Writer) error) {
	t.Helper()
	ctx := t.Context()
	if err := db.Write(ctx, func(w *store.Writer) error { return fn(ctx, w) }); err != nil {
		t.Fatal(err)
	}
}

func checkResult(t *testing.T, what string, got store.Result, err error, want store.Result) {
	t.Helper()
	if err != nil || got != want {
		t.Errorf("%s = %+v, %v; want %+v", what, got, err, want)
	}
}

// forEachBackend runs test on a fresh database of every backend under test
// (storetest.Open), each as a subtest named after its backend.
func forEachBackend(t *testing.T, test func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) { test(t, b.DB) })
	}
}
