// Package store persists the customer database in SQLite (the embedded
// default) or PostgreSQL, with embedded, per-dialect goose migrations that run
// on open.
//
// The same SQL text serves both dialects wherever it can ($N placeholders,
// ON CONFLICT, RETURNING, IS DISTINCT FROM); the differences — how times and
// dates are stored, bulk loading through COPY, prefix search — are confined
// to the few helpers of the dialect type.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"clientele"
)

//go:embed migrations
var migrations embed.FS

// Dialect names a database engine.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open customer database. It is safe for concurrent use.
type DB struct {
	dialect Dialect
	w       *sql.DB  // writes: a single connection on SQLite
	r       *sql.DB  // reads: a pool (the same pool as w on PostgreSQL)
	where   string   // the database's location, with any password removed
	stmts   sync.Map // query text → *sql.Stmt on r, for hot reads
}

// Options tunes Open; the zero value is the default.
type Options struct {
	// ReadConns is the size of the SQLite read pool (default: 2 × CPUs, at
	// least 4).
	ReadConns int
}

// Open opens the database named by dsn and brings its schema up to date.
// A dsn of the form postgres://… or postgresql://… opens PostgreSQL; sqlite:PATH
// or a plain file path opens (and creates) an SQLite file.
func Open(ctx context.Context, dsn string, opt *Options) (*DB, error) {
	if opt == nil {
		opt = &Options{}
	}
	var db *DB
	var err error
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		db, err = openPostgres(ctx, dsn)
	default:
		db, err = openSQLite(ctx, strings.TrimPrefix(dsn, "sqlite:"), opt)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Redact returns dsn with any password replaced by "xxxxx", for messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func openPostgres(ctx context.Context, dsn string) (*DB, error) {
	where := Redact(dsn)
	sdb, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", where, err)
	}
	sdb.SetMaxOpenConns(4 * runtime.NumCPU())
	sdb.SetMaxIdleConns(4 * runtime.NumCPU())
	sdb.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sdb.PingContext(pctx); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("connect to %s: %w", where, err)
	}
	return &DB{dialect: Postgres, w: sdb, r: sdb, where: where}, nil
}

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
	if err := createSQLite(ctx, path); err != nil {
		return nil, err
	}
	// Pragmas on every connection: WAL so that readers never block the
	// writer, a busy timeout instead of immediate SQLITE_BUSY, foreign keys
	// on, NORMAL sync (durable at every checkpoint, safe with WAL), and
	// temporary files — the statement journals of bulk INSERT … ON
	// CONFLICT — in memory rather than on disk. The writer has a 64 MiB
	// page cache for bulk imports.
	base := sqliteURI(path) +
		"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)" +
		"&_pragma=synchronous(NORMAL)&_pragma=temp_store(memory)&_time_format=sqlite"
	w, err := sql.Open("sqlite", base+"&_pragma=cache_size(-65536)&_txlock=immediate")
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
func createSQLite(ctx context.Context, path string) error {
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
	for _, q := range []string{fmt.Sprintf("PRAGMA page_size = %d", sqlitePageSize), "PRAGMA journal_mode = WAL"} {
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

func (db *DB) migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+string(db.dialect))
	if err != nil {
		return err
	}
	var opts []goose.ProviderOption
	gd := goose.DialectSQLite3
	if db.dialect == Postgres {
		gd = goose.DialectPostgres
		// Many `clientele serve` instances may start at once: one migrates.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(gd, db.w, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate %s: %w", db.where, err)
	}
	return nil
}

// query runs a read through a statement prepared once per query text: the
// hot reads (the 360 view, identity look-ups) then skip parsing and
// planning.
func (db *DB) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := db.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRow is query for a single row.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	st, err := db.prepared(ctx, query)
	if err != nil {
		// Let the error surface from Scan, as QueryRowContext would.
		return db.r.QueryRowContext(ctx, query, args...)
	}
	return st.QueryRowContext(ctx, args...)
}

func (db *DB) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := db.stmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := db.r.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.stmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.stmts.Range(func(_, st any) bool { st.(*sql.Stmt).Close(); return true })
	err := db.w.Close()
	if db.r != db.w {
		err = errors.Join(err, db.r.Close())
	}
	return err
}

// Dialect reports which engine db runs on.
func (db *DB) Dialect() Dialect { return db.dialect }

// Where describes the database's location, without a password.
func (db *DB) Where() string { return db.where }

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.r.PingContext(ctx) }

// ts converts a time to the dialect's storage form.
func (db *DB) ts(t time.Time) any {
	if db.dialect == SQLite {
		return t.UnixMicro()
	}
	return t.UTC()
}

// date converts a YYYY-MM-DD date ("" = NULL) to the dialect's form.
func (db *DB) date(s string) any {
	if s == "" {
		return nil
	}
	if db.dialect == Postgres {
		if t, err := time.Parse(time.DateOnly, s); err == nil {
			return t
		}
	}
	return s
}

// nullString maps "" to NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// timeCol scans a time stored in either dialect's form.
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMicro(x).UTC()
	case time.Time:
		*c.t = x.UTC()
	default:
		return fmt.Errorf("cannot scan %T as a time", v)
	}
	return nil
}

// dateCol scans a date (DATE on PostgreSQL, YYYY-MM-DD text on SQLite)
// into a YYYY-MM-DD string; NULL becomes "".
type dateCol struct{ s *string }

func (c dateCol) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = x
	case []byte:
		*c.s = string(x)
	case time.Time:
		*c.s = x.Format(time.DateOnly)
	default:
		return fmt.Errorf("cannot scan %T as a date", v)
	}
	return nil
}

// pgConn returns the pgx connection under a database/sql connection.
func pgConn(dc any) (*stdlib.Conn, error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("unexpected driver connection %T", dc)
	}
	return c, nil
}
