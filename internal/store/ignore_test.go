package store

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestIgnoreSafeTables holds the SQLite schema to what ignoreSafe claims:
// its tables have no unique index but the primary key, no CHECK and no
// foreign key. A migration that adds one must take the table out of
// ignoreSafe, or INSERT OR IGNORE would skip rows that break it.
func TestIgnoreSafeTables(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for table := range ignoreSafe {
		rows, err := db.r.QueryContext(ctx, "SELECT name, \"unique\", origin FROM pragma_index_list(?)", table)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var name, origin string
			var unique bool
			if err := rows.Scan(&name, &unique, &origin); err != nil {
				t.Fatal(err)
			}
			if unique && origin != "pk" {
				t.Errorf("%s: unique index %s (%s) besides the primary key", table, name, origin)
			}
		}
		rows.Close()
		var fks int
		if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM pragma_foreign_key_list(?)", table).Scan(&fks); err != nil {
			t.Fatal(err)
		}
		if fks != 0 {
			t.Errorf("%s: %d foreign keys", table, fks)
		}
		var sql string
		if err := db.r.QueryRowContext(ctx, "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&sql); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToUpper(sql), "CHECK") {
			t.Errorf("%s has a CHECK constraint:\n%s", table, sql)
		}
	}
}
