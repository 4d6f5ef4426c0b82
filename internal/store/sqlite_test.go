package store_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"

	"clientele"
	"clientele/internal/store"
)

// TestSQLitePageSize checks that a new SQLite file gets 16 KiB pages and
// WAL mode, and that a file an earlier version made with SQLite's 4 KiB
// pages opens, migrates and keeps its page size.
func TestSQLitePageSize(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	pragmas := func(t *testing.T, path string) (pageSize int, journal string) {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.QueryRow("PRAGMA page_size").Scan(&pageSize); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
			t.Fatal(err)
		}
		return pageSize, journal
	}
	old := filepath.Join(dir, "old.db")
	db, err := sql.Open("sqlite", "file:"+old)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA page_size = 4096", "PRAGMA journal_mode = WAL", "CREATE TABLE before (x)"} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path string
		pageSize   int
	}{
		{"new file", filepath.Join(dir, "new.db"), 16384},
		{"empty file", empty, 16384},
		{"4 KiB database", old, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := store.Open(ctx, tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Write(ctx, func(w *store.Writer) error {
				_, err := w.Transactions(ctx, []clientele.Transaction{tx("c1", "t1", 1, 100)}, nil)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			pageSize, journal := pragmas(t, tt.path)
			if pageSize != tt.pageSize || journal != "wal" {
				t.Errorf("page_size %d, journal_mode %s; want %d, wal", pageSize, journal, tt.pageSize)
			}
		})
	}
}
