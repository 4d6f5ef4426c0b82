package rules_test

import (
	"testing"

	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// storetestDB is a fresh SQLite database for t.
func storetestDB(t testing.TB) *store.DB {
	t.Helper()
	return storetest.Open(t)[0].DB
}
