package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

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

// pgConn returns the pgx connection under a database/sql connection.
func pgConn(dc any) (*stdlib.Conn, error) {
	c, ok := dc.(*stdlib.Conn)
	if !ok {
		return nil, fmt.Errorf("unexpected driver connection %T", dc)
	}
	return c, nil
}

// pgTx runs the writer on PostgreSQL: rows are copied (COPY) into a
// temporary staging table shaped like the target, then moved with one
// INSERT … SELECT that applies the ON CONFLICT clause.
type pgTx struct {
	tx         pgx.Tx
	staged     map[string]bool
	conflicted map[string]bool // tables where a direct COPY met a duplicate
}

func (p *pgTx) exec(ctx context.Context, query string, args ...any) (int64, error) {
	tag, err := p.tx.Exec(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

type pgRows struct{ pgx.Rows }

func (r pgRows) Close() { r.Rows.Close() }

func (p *pgTx) query(ctx context.Context, query string, args ...any) (rowIter, error) {
	rows, err := p.tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgRows{rows}, nil
}

func (p *pgTx) insert(ctx context.Context, table string, cols []string, rows [][]any, conflict, returning string) (int64, [][]string, error) {
	if len(rows) == 0 {
		return 0, nil, nil
	}
	if strings.HasSuffix(conflict, "DO NOTHING") {
		n, ok, err := p.tryCopy(ctx, table, len(rows), func(tx pgx.Tx) (int64, error) {
			return tx.CopyFrom(ctx, pgx.Identifier{table}, cols, pgx.CopyFromRows(rows))
		})
		if err != nil {
			return 0, nil, err
		}
		if ok {
			return n, rowKeys(rows, cols, returning), nil
		}
	}
	stage := "stage_" + table
	if !p.staged[table] {
		// A temporary table lives as long as the session; ON COMMIT DROP
		// ties it to this transaction so that pooled connections stay clean.
		if _, err := p.tx.Exec(ctx, "CREATE TEMP TABLE "+stage+" (LIKE "+table+" INCLUDING DEFAULTS, _ord BIGINT) ON COMMIT DROP"); err != nil {
			return 0, nil, fmt.Errorf("create staging table: %w", err)
		}
		if p.staged == nil {
			p.staged = map[string]bool{}
		}
		p.staged[table] = true
	} else if _, err := p.tx.Exec(ctx, "TRUNCATE "+stage); err != nil {
		return 0, nil, err
	}
	ord := int64(0)
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if ord >= int64(len(rows)) {
			return nil, nil
		}
		r := append(rows[ord], ord)
		ord++
		return r, nil
	})
	if _, err := p.tx.CopyFrom(ctx, pgx.Identifier{stage}, append(append([]string(nil), cols...), "_ord"), src); err != nil {
		return 0, nil, fmt.Errorf("copy: %w", err)
	}
	list := strings.Join(cols, ", ")
	// ORDER BY keeps the first of several rows with one key when the
	// conflict clause is DO NOTHING, as a row-by-row insert would.
	q := "INSERT INTO " + table + " (" + list + ") SELECT " + list + " FROM " + stage + " ORDER BY _ord " + conflict
	if returning == "" {
		tag, err := p.tx.Exec(ctx, q)
		if err != nil {
			return 0, nil, err
		}
		return tag.RowsAffected(), nil, nil
	}
	q += " RETURNING " + returning
	rs, err := p.tx.Query(ctx, q)
	if err != nil {
		return 0, nil, err
	}
	defer rs.Close()
	var keys [][]string
	for rs.Next() {
		vals, err := rs.Values()
		if err != nil {
			return 0, nil, err
		}
		k := make([]string, len(vals))
		for i, v := range vals {
			k[i] = fmt.Sprint(v)
		}
		keys = append(keys, k)
	}
	if err := rs.Err(); err != nil {
		return 0, nil, err
	}
	return int64(len(keys)), keys, nil
}

// directCopyMin is the smallest batch worth a direct COPY attempt.
const directCopyMin = 1000

// tryCopy runs copy, a COPY of n rows straight into table, inside a
// savepoint: the fastest way in when none of them is stored yet (a first
// import). It reports ok = false, having written nothing, when the batch is
// too small to be worth it or when a row is stored already (a unique
// violation); the caller then takes the staged path with ON CONFLICT, as
// every later batch for table does (most likely a re-import).
func (p *pgTx) tryCopy(ctx context.Context, table string, n int, copy func(pgx.Tx) (int64, error)) (int64, bool, error) {
	if n < directCopyMin || p.conflicted[table] {
		return 0, false, nil
	}
	sp, err := p.tx.Begin(ctx) // a savepoint
	if err != nil {
		return 0, false, err
	}
	written, err := copy(sp)
	if err != nil {
		var pgErr *pgconn.PgError
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return 0, false, rbErr
		}
		if errors.As(err, &pgErr) && pgErr.Code == "23505" { // unique_violation
			if p.conflicted == nil {
				p.conflicted = map[string]bool{}
			}
			p.conflicted[table] = true
			return 0, false, nil
		}
		return 0, false, fmt.Errorf("copy: %w", err)
	}
	if err := sp.Commit(ctx); err != nil { // releases the savepoint
		return 0, false, err
	}
	return written, true, nil
}

// rowKeys returns, for rows all written, the values of the columns that
// returning lists, as the RETURNING clause would.
func rowKeys(rows [][]any, cols []string, returning string) [][]string {
	if returning == "" {
		return nil
	}
	var idx []int
	for _, r := range strings.Split(returning, ",") {
		idx = append(idx, slices.Index(cols, strings.TrimSpace(r)))
	}
	keys := make([][]string, len(rows))
	for i, row := range rows {
		k := make([]string, len(idx))
		for j, c := range idx {
			k[j] = fmt.Sprint(row[c])
		}
		keys[i] = k
	}
	return keys
}

// The COPY statements for TxBatch.copyRows, frozen or not.
var (
	copyTxSQL       = "COPY transactions (" + strings.Join(txCols, ", ") + ") FROM STDIN (FORMAT binary)"
	copyTxFrozenSQL = strings.TrimSuffix(copyTxSQL, ")") + ", FREEZE)"
)

// copyTransactions copies rows encoded by TxBatch.copyRows. freeze writes
// them frozen, as if vacuumed, which PostgreSQL allows only into a table
// created or truncated in the same (sub)transaction.
func copyTransactions(ctx context.Context, tx pgx.Tx, data copyData, freeze bool) (int64, error) {
	q := copyTxSQL
	if freeze {
		q = copyTxFrozenSQL
	}
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), q)
	return tag.RowsAffected(), err
}

// writePostgres runs fn with w in a pgx transaction on a connection of its
// own, so that the writer can COPY; a bulk load still open when fn returns
// is finished (its primary key rebuilt) before the commit.
func (db *DB) writePostgres(ctx context.Context, w *Writer, fn func(w *Writer) error) error {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		sc, err := pgConn(dc)
		if err != nil {
			return err
		}
		tx, err := sc.Conn().Begin(ctx)
		if err != nil {
			return fmt.Errorf("begin: %w", err)
		}
		defer tx.Rollback(context.WithoutCancel(ctx))
		w.q = &pgTx{tx: tx}
		if err := fn(w); err != nil {
			return err
		}
		if _, err := w.FinishBulkLoad(ctx); err != nil {
			return err
		}
		// Once COMMIT is sent its answer is awaited, whatever becomes of
		// ctx: cancelled while the server commits, the caller would be
		// told the write failed when it did not.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := tx.Commit(cctx); err != nil {
			return fmt.Errorf("commit: %w", err)
		}
		return nil
	})
}
