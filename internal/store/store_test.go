package store_test

import (
	"testing"

	"clientele/internal/store"
)

func ptr[T any](v T) *T { return &v }

func TestRedact(t *testing.T) {
	got := store.Redact("postgres://u:secret@db:5432/x")
	if got != "postgres://u:xxxxx@db:5432/x" {
		t.Errorf("Redact = %q", got)
	}
}
