package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"clientele"
)

func openSQLite(ctx context.Context, path string, opt *Options) (*DB, error) {
	if path == "" {
		return nil, clientele.Errorf(clientele.EINVALID, "empty database path")
	}
	if path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, clientele.Errorf(clientele.EINVALID, "database %q: give a file path (an in-memory database cannot be shared by the writer and the readers)", path)
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("create database directory: %w", err)
		}
	}
	if err := createSQLite(ctx, path, sqlitePageSize); err != nil {
		return nil, err
	}
	// Pragmas on every connection: WAL so that readers never block the
	// writer, a busy timeout instead of immediate SQLITE_BUSY, foreign keys
	// on, NORMAL sync (durable at every checkpoint, safe with WAL), and
	// temporary files — the statement journals of bulk INSERT … ON
	// CONFLICT — in memory rather than on disk. The writer has a 64 MiB
	// page cache for bulk imports.
	busy := opt.BusyTimeout
	if busy <= 0 {
		busy = 10 * time.Second
	}
	base := sqliteURI(path) +
		fmt.Sprintf("?_pragma=busy_timeout(%d)", busy.Milliseconds()) + "&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(memory)&_time_format=sqlite"
	// The writer overwrites deleted content with zeros (secure_delete), so
	// that an erased customer, or an e-mail address changed, does not stay
	// readable in the file's free space (privacy.go).
	w, err := sql.Open("sqlite", base+"&_pragma=cache_size(-65536)&_pragma=secure_delete(1)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// Readers read pages into a 32 MiB page cache each, enough for the
	// B-trees' inner pages; leaves come from the operating system's cache
	// with one pread each. Not memory-mapped: each reader would fault the
	// file into its own mapping page by page, and SQLite drops the mapping
	// after any write; on a 1M-customer file that made the 360 view's p99
	// 20–40 ms instead of 4 ms at 1,000 views/s (docs/benchmarks.md). Not
	// a larger cache: filling one faults in fresh memory for minutes, and
	// any write empties it again.
	r, err := sql.Open("sqlite", base+"&_pragma=cache_size(-32768)&_pragma=mmap_size(0)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	n := opt.ReadConns
	if n <= 0 {
		n = max(4, 2*runtime.NumCPU())
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxLifetime(0)
	return &DB{dialect: SQLite, w: w, r: r, where: path}, nil
}

// sqlitePageSize is the page size of the SQLite files Clientele creates:
// 16 KiB instead of SQLite's 4 KiB. Every page SQLite reads is a pread and
// every page it writes to the log is two pwrites, and on a virtual machine
// the system calls, not the bytes, are the cost. Measured on the 2-core
// machine (docs/benchmarks.md), the 1M-row transactions import goes from
// 175,000 to 206,000 rows/s; 32 KiB gains a little more there but makes
// every change to a scattered index page (customers, identities) cost
// twice as much again: a customer import was a quarter slower.
const sqlitePageSize = 16384

// createSQLite gives a database file that does not exist yet, or is empty,
// its page size and WAL mode, on one plain connection before the pools open
// it. SQLite fixes the page size when it first writes the file; with both
// pragmas in a connection string the switch to WAL writes the file first
// and the page size is lost. A file that already holds a database keeps the
// page size it has (docs/operations.md tells how to change it).
func createSQLite(ctx context.Context, path string, pageSize int) error {
	st, err := os.Stat(path)
	if err == nil && st.Size() > 0 {
		return nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("open %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", sqliteURI(path)+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer conn.Close()
	for _, q := range []string{fmt.Sprintf("PRAGMA page_size = %d", pageSize), "PRAGMA journal_mode = WAL"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("create %s: %s: %w", path, q, err)
		}
	}
	return nil
}

// sqliteURI is the file: URI of the database at path, without parameters.
func sqliteURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// sqliteTx runs the writer on SQLite: multi-row INSERT statements of up to
// sqliteChunk rows (scatteredChunk for scattered tables), prepared once per
// transaction and shape.
type sqliteTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
	args  []any
}

const (
	sqliteChunk    = 100
	scatteredChunk = 10
)

// scattered names the tables whose rows land on pages all over an index
// whatever order they come in: the search indexes of customers, identities
// keyed by their value, accounts by their own id. A multi-row INSERT keeps a
// copy of every page it changes until it ends (its statement journal, so
// that a failing row undoes the rows before it); 100 such rows change
// hundreds of pages, and past 4 MiB of copies the SQLite allocator hands
// the memory back and faults it in again on every statement. With 16 KiB
// pages that made a customer import 3 times slower; statements of 10 rows
// stay well under it (docs/benchmarks.md). Inserts that can take INSERT OR
// IGNORE (ignoreSafe) keep no journal and take full statements.
var scattered = map[string]bool{"customers": true, "identities": true, "accounts": true}

// ignoreSafe names the tables whose only unique constraint is their
// primary key, with no CHECK and no foreign key (TestIgnoreSafeTables
// holds the schema to that). Into these, INSERT OR IGNORE skips exactly the
// rows that ON CONFLICT (key) DO NOTHING does, as the writer never binds
// NULL to a NOT NULL column; and as no row of it can fail, SQLite keeps no
// statement journal for it, which is an eighth of the cost of an import
// (docs/benchmarks.md). Without a journal a scattered table's insert can
// take full statements again.
var ignoreSafe = map[string]bool{"transactions": true, "transaction_lines": true, "events": true, "customers": true}

// orIgnore stands for a DO NOTHING conflict clause that insertSQL writes as
// INSERT OR IGNORE.
const orIgnore = "OR IGNORE"

func (s *sqliteTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	r, err := s.tx.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return r.RowsAffected()
}

type sqlRows struct{ *sql.Rows }

func (r sqlRows) Close() { r.Rows.Close() }

func (s *sqliteTx) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := s.tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return sqlRows{rows}, nil
}

// insertSQL is the SQLite multi-row INSERT of n rows.
func insertSQL(table string, cols []string, n int, conflict, returning string) string {
	verb := "INSERT INTO "
	if conflict == orIgnore {
		verb, conflict = "INSERT OR IGNORE INTO ", ""
	}
	var b strings.Builder
	b.WriteString(verb)
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	// Positional ? placeholders: the SQLite driver binds $N by looking up
	// each parameter's name, which costs O(n²) in a statement of n.
	row := "(" + strings.Repeat("?,", len(cols)-1) + "?)"
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(row)
	}
	b.WriteByte(' ')
	b.WriteString(conflict)
	if returning != "" {
		b.WriteString(" RETURNING ")
		b.WriteString(returning)
	}
	return b.String()
}

func (s *sqliteTx) insert(ctx context.Context, table string, cols []string, rows [][]any, conflict, returning string) (int64, [][]string, error) {
	var total int64
	var keys [][]string
	size := sqliteChunk
	if scattered[table] {
		size = scatteredChunk
	}
	if ignoreSafe[table] && strings.HasSuffix(conflict, "DO NOTHING") {
		conflict, size = orIgnore, sqliteChunk
	}
	for start := 0; start < len(rows); start += size {
		chunk := rows[start:min(start+size, len(rows))]
		q := insertSQL(table, cols, len(chunk), conflict, returning)
		st, ok := s.stmts[q]
		if !ok {
			var err error
			if st, err = s.tx.PrepareContext(ctx, q); err != nil {
				return 0, nil, err
			}
			s.stmts[q] = st
		}
		s.args = s.args[:0]
		for _, r := range chunk {
			s.args = append(s.args, r...)
		}
		if returning == "" {
			r, err := st.ExecContext(ctx, s.args...)
			if err != nil {
				return 0, nil, err
			}
			n, _ := r.RowsAffected()
			total += n
			continue
		}
		got, err := scanKeys(st.QueryContext(ctx, s.args...))
		if err != nil {
			return 0, nil, err
		}
		total += int64(len(got))
		keys = append(keys, got...)
	}
	return total, keys, nil
}

func scanKeys(rows *sql.Rows, err error) ([][]string, error) {
	var keys [][]string
	var cols []string
	err = each(rows, err, func(sc *sql.Rows) error {
		if cols == nil {
			var err error
			if cols, err = rows.Columns(); err != nil {
				return err
			}
		}
		k := make([]string, len(cols))
		dest := make([]any, len(cols))
		for i := range k {
			dest[i] = &k[i]
		}
		keys = append(keys, k)
		return sc.Scan(dest...)
	})
	return keys, err
}

// writeSQLite runs fn with w in a transaction on the single writer
// connection (BEGIN IMMEDIATE, from the pool's _txlock).
func (db *DB) writeSQLite(ctx context.Context, w *Writer, fn func(w *Writer) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return busyError(fmt.Errorf("begin: %w", err))
	}
	defer tx.Rollback()
	w.q = &sqliteTx{tx: tx, stmts: make(map[string]*sql.Stmt)}
	if err := fn(w); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return busyError(fmt.Errorf("commit: %w", err))
	}
	return nil
}

// busyError makes an SQLITE_BUSY error, the busy timeout spent waiting for
// another process's write (a long import), an EUNAVAILABLE one: the
// request is fine and may be retried (an HTTP 503 with Retry-After); any
// other error is returned as it is.
func busyError(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
		return clientele.Errorf(clientele.EUNAVAILABLE, "the database is busy with another writer (an import?); try again later: %w", err)
	}
	return err
}
