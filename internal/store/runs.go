package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"clientele"
)

// Run is a stored model fit: its settings and results.
type Run struct {
	ID                 int64
	CreatedAt          time.Time
	Source             string // "database" or the summary file fitted
	Model              string // bgnbd, mbgnbd, paretonbd, bgbb, sbg
	SpendModel         string // gammagamma or ""
	Unit               string // day, week, month, year
	CalibrationEnd     string // YYYY-MM-DD, or "" for a file
	HoldoutEnd         string
	TimeZone           string
	Currency           clientele.Currency
	Params             map[string]float64
	StdErrors          map[string]float64
	SpendParams        map[string]float64
	LogLikelihood      float64
	SpendLogLikelihood *float64
	Customers          float64
	Converged          bool
	Seconds            float64
}

func jsonText(v any) (string, error) {
	if v == nil {
		return "{}", nil
	}
	// NaN (a standard error of a singular Hessian) has no JSON form: null.
	if m, ok := v.(map[string]float64); ok {
		clean := map[string]any{}
		for k, f := range m {
			if f != f {
				clean[k] = nil
			} else {
				clean[k] = f
			}
		}
		v = clean
	}
	b, err := json.Marshal(v)
	return string(b), err
}

// CreateRun stores r and returns its id.
func (db *DB) CreateRun(ctx context.Context, r Run) (int64, error) {
	params, err := jsonText(r.Params)
	if err != nil {
		return 0, err
	}
	se, err := jsonText(r.StdErrors)
	if err != nil {
		return 0, err
	}
	sp, err := jsonText(r.SpendParams)
	if err != nil {
		return 0, err
	}
	var spendLL any
	if r.SpendLogLikelihood != nil {
		spendLL = *r.SpendLogLikelihood
	}
	var id int64
	err = db.w.QueryRowContext(ctx, `INSERT INTO model_runs (created_at, source, model, spend_model, unit, calibration_end, holdout_end,
		time_zone, currency, params, std_errors, spend_params, log_likelihood, spend_log_likelihood, customers, converged, seconds)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		db.ts(time.Now()), r.Source, r.Model, r.SpendModel, r.Unit, db.date(r.CalibrationEnd), db.date(r.HoldoutEnd),
		r.TimeZone, string(r.Currency), params, se, sp, r.LogLikelihood, spendLL, int64(r.Customers), r.Converged, r.Seconds).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store model run: %w", err)
	}
	return id, nil
}

const runSelect = `SELECT id, created_at, source, model, spend_model, unit, calibration_end, holdout_end, time_zone, currency,
	params, std_errors, spend_params, log_likelihood, spend_log_likelihood, customers, converged, seconds FROM model_runs`

func scanRun(sc interface{ Scan(...any) error }) (*Run, error) {
	var r Run
	var cur string
	var params, se, sp []byte
	var spendLL sql.NullFloat64
	var customers int64
	if err := sc.Scan(&r.ID, timeCol{&r.CreatedAt}, &r.Source, &r.Model, &r.SpendModel, &r.Unit, dateCol{&r.CalibrationEnd}, dateCol{&r.HoldoutEnd},
		&r.TimeZone, &cur, &params, &se, &sp, &r.LogLikelihood, &spendLL, &customers, &r.Converged, &r.Seconds); err != nil {
		return nil, err
	}
	r.Currency, r.Customers = clientele.Currency(cur), float64(customers)
	if spendLL.Valid {
		r.SpendLogLikelihood = &spendLL.Float64
	}
	for _, f := range []struct {
		b []byte
		m *map[string]float64
	}{{params, &r.Params}, {se, &r.StdErrors}, {sp, &r.SpendParams}} {
		var raw map[string]*float64
		if err := json.Unmarshal(f.b, &raw); err != nil {
			return nil, fmt.Errorf("model run %d: %w", r.ID, err)
		}
		*f.m = map[string]float64{}
		for k, v := range raw {
			if v == nil {
				(*f.m)[k] = nan()
			} else {
				(*f.m)[k] = *v
			}
		}
	}
	return &r, nil
}

func nan() float64 { var z float64; return z / z }

// Run returns model run id; id 0 means the latest run.
func (db *DB) Run(ctx context.Context, id int64) (*Run, error) {
	q, args := runSelect+` WHERE id = $1`, []any{id}
	if id == 0 {
		q, args = runSelect+` ORDER BY id DESC LIMIT 1`, nil
	}
	r, err := scanRun(db.r.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		if id == 0 {
			return nil, clientele.Errorf(clientele.ENOTFOUND, "no model run yet: run `clientele fit` first")
		}
		return nil, clientele.Errorf(clientele.ENOTFOUND, "model run %d not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("model run: %w", err)
	}
	return r, nil
}

// Score is one customer's value under a model run.
type Score struct {
	CustomerID        string
	ProbAlive         float64
	ExpectedPurchases float64 // over the scoring horizon
	ExpectedSpend     int64   // per transaction, minor units
	DERT              float64
	CLV               int64 // minor units
}

// Scores replaces the scores of run runID with ss.
func (w *Writer) Scores(ctx context.Context, runID int64, ss []Score) error {
	return w.ScoreSeq(ctx, runID, slices.Values(ss))
}

// ScoreSeq is Scores for scores computed as they are written, a batch at a
// time, so that ten million of them are never held at once.
func (w *Writer) ScoreSeq(ctx context.Context, runID int64, ss iter.Seq[Score]) error {
	if _, err := w.q.exec(ctx, `DELETE FROM scores WHERE run_id = $1`, runID); err != nil {
		return fmt.Errorf("clear scores: %w", err)
	}
	const batch = 50000
	cols := []string{"run_id", "customer_id", "p_alive", "expected_purchases", "expected_spend", "dert", "clv"}
	rows := make([][]any, 0, batch)
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		if _, _, err := w.q.insert(ctx, "scores", cols, rows, "ON CONFLICT (run_id, customer_id) DO NOTHING", ""); err != nil {
			return fmt.Errorf("write scores: %w", err)
		}
		rows = rows[:0]
		return nil
	}
	for s := range ss {
		rows = append(rows, []any{runID, s.CustomerID, s.ProbAlive, s.ExpectedPurchases, s.ExpectedSpend, s.DERT, s.CLV})
		if len(rows) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// CustomerScore returns the customer's score under run id (0: the latest
// run that scored the customer).
func (db *DB) CustomerScore(ctx context.Context, customerID string, runID int64) (*Score, int64, error) {
	q := `SELECT run_id, p_alive, expected_purchases, expected_spend, dert, clv FROM scores WHERE customer_id = $1`
	args := []any{customerID}
	if runID != 0 {
		q += ` AND run_id = $2`
		args = append(args, runID)
	}
	q += ` ORDER BY run_id DESC LIMIT 1`
	s := Score{CustomerID: customerID}
	var run int64
	err := db.queryRow(ctx, q, args...).Scan(&run, &s.ProbAlive, &s.ExpectedPurchases, &s.ExpectedSpend, &s.DERT, &s.CLV)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, clientele.Errorf(clientele.ENOTFOUND, "customer %q has no score", customerID)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("score of %s: %w", customerID, err)
	}
	return &s, run, nil
}

// AccountLifetimes calls fn with the open and close date (zero while open)
// of every account that is not a supplementary card.
func (db *DB) AccountLifetimes(ctx context.Context, fn func(opened, closed time.Time) error) error {
	rows, err := db.r.QueryContext(ctx, `SELECT opened_on, closed_on FROM accounts WHERE parent_id IS NULL`)
	if err != nil {
		return fmt.Errorf("account lifetimes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o, c string
		if err := rows.Scan(dateCol{&o}, dateCol{&c}); err != nil {
			return err
		}
		opened, err := time.Parse(time.DateOnly, o)
		if err != nil {
			return fmt.Errorf("account lifetimes: opened_on %q: %w", o, err)
		}
		var closed time.Time
		if c != "" {
			if closed, err = time.Parse(time.DateOnly, c); err != nil {
				return fmt.Errorf("account lifetimes: closed_on %q: %w", c, err)
			}
		}
		if err := fn(opened, closed); err != nil {
			return err
		}
	}
	return rows.Err()
}
