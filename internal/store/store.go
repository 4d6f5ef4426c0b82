// Package store persists the domain types of package clientele in SQLite
// (the embedded default) or PostgreSQL, with embedded, per-dialect goose
// migrations that run on open.
//
// Each entity has its file (customer.go, transaction.go, segment.go, …);
// reads go through DB, writes through a Writer, one database transaction
// per DB.Write. The same SQL text serves both dialects wherever it can ($N
// placeholders, ON CONFLICT, RETURNING, IS DISTINCT FROM); the differences
// — how times and dates are stored (scan.go), multi-row inserts and the
// page size (sqlite.go), COPY and the bulk load (postgres.go, bulk.go),
// prefix search — stay in those files. Rows are scanned with each and
// collect (scan.go), not a loop per query. A write whose context carries
// an audit entry (clientele.WithAudit) records it in its own transaction;
// reads are recorded with RecordReads, in groups, in a file of their own
// on SQLite (audit.go). Erasure, export and the suppression list go
// through one list of the tables that hold a customer's rows (privacy.go).
package store

import (
	"cmp"
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
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
	audit   *auditLog

	supMu  sync.Mutex
	supKey []byte // the key of the suppression list's hashes, once read

	engineMu sync.RWMutex
	engine   Engine // sees every fact written (counters.go)
}

// Options tunes Open; the zero value is the default.
type Options struct {
	// ReadConns is the size of the SQLite read pool (default: 2 × CPUs, at
	// least 4).
	ReadConns int
	// BusyTimeout is how long an SQLite write waits for another writer (a
	// long import by another process) before it fails with EUNAVAILABLE
	// (default 10 s).
	BusyTimeout time.Duration
	// AuditIndexEvery is how often, on SQLite, the index of the reads'
	// audit file takes in the new entries (default 50 ms; negative: only
	// when asked, for tests).
	AuditIndexEvery time.Duration
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
	if err := db.openAudit(ctx, cmp.Or(opt.AuditIndexEvery, auditIndexEvery)); err != nil {
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
	var err error
	if db.audit != nil {
		err = db.audit.close(db.dialect == SQLite)
	}
	err = errors.Join(err, db.w.Close())
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

// CheckIntegrity checks the database file's structure (SQLite's
// integrity_check: every B-tree and index consistent) and returns an error
// describing the first problems found. On PostgreSQL, which keeps its own
// structure consistent, it only checks that the database answers.
func (db *DB) CheckIntegrity(ctx context.Context) error {
	if db.dialect == Postgres {
		return db.Ping(ctx)
	}
	rows, err := db.r.QueryContext(ctx, "PRAGMA integrity_check(20)")
	problems, err := collect(rows, err, scanString)
	if err != nil {
		return fmt.Errorf("integrity check: %w", err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		return fmt.Errorf("integrity check of %s: %s", db.where, strings.Join(problems, "; "))
	}
	return nil
}
