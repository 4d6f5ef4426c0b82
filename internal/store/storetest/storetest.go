// Package storetest opens real databases for tests: a fresh SQLite file
// always, and a fresh PostgreSQL schema when CLIENTELE_TEST_POSTGRES holds a
// DSN. When the variable is set the server must answer: a test fails rather
// than skips, so that CI cannot pass without PostgreSQL.
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"

	"clientele/internal/store"
)

// EnvPostgres names the variable that switches PostgreSQL tests on.
const EnvPostgres = "CLIENTELE_TEST_POSTGRES"

// Backend is one database under test.
type Backend struct {
	Name string // "sqlite" or "postgres"
	DSN  string // what store.Open was given
	DB   *store.DB
}

// SQLiteDSN returns the path of a new SQLite file in t's temporary directory.
func SQLiteDSN(t testing.TB) string {
	return filepath.Join(t.TempDir(), "clientele.db")
}

// PostgresDSN returns a DSN for a new, empty schema on the test server, or
// skips t when EnvPostgres is not set. The schema is dropped after the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a DSN (e.g. postgres://postgres@127.0.0.1:5432/test) to run them", EnvPostgres)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL does not answer: %v", EnvPostgres, err)
	}
	defer conn.Close(ctx)
	b := make([]byte, 6)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		c.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns the backends to test: SQLite, and PostgreSQL when
// EnvPostgres is set. Each is closed when t ends.
func Open(t testing.TB) []Backend {
	t.Helper()
	var out []Backend
	add := func(name, dsn string) {
		db, err := store.Open(context.Background(), dsn, nil)
		if err != nil {
			t.Fatalf("open %s: %v", name, err)
		}
		t.Cleanup(func() { db.Close() })
		out = append(out, Backend{Name: name, DSN: dsn, DB: db})
	}
	add("sqlite", SQLiteDSN(t))
	if os.Getenv(EnvPostgres) != "" {
		add("postgres", PostgresDSN(t))
	} else {
		t.Logf("PostgreSQL backend skipped: %s is not set", EnvPostgres)
	}
	return out
}
