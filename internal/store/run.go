package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"clientele"
)

// jsonText is m as a JSON object; NaN (a standard error of a singular
// Hessian) has no JSON form and is stored as null.
func jsonText(m map[string]float64) (string, error) {
	b, err := json.Marshal(clientele.NullNaN(m))
	return string(b), err
}

// CreateRun stores r and returns its id.
func (db *DB) CreateRun(ctx context.Context, r clientele.Run) (id int64, err error) {
	err = db.Write(ctx, func(w *Writer) error {
		id, err = w.CreateRun(ctx, r)
		return err
	})
	return id, err
}

// CreateRun stores r within w's transaction and returns its id, so that a
// run and its scores can be committed together: a run scored as it is
// fitted appears only with its scores.
func (w *Writer) CreateRun(ctx context.Context, r clientele.Run) (int64, error) {
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
	db := w.db
	var id int64
	err = query1(ctx, w.q, `INSERT INTO model_runs (created_at, source, model, spend_model, unit, calibration_end, holdout_end,
		time_zone, currency, params, std_errors, spend_params, log_likelihood, spend_log_likelihood, customers, converged, seconds)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id`,
		[]any{db.ts(time.Now()), r.Source, r.Model, r.SpendModel, r.Unit, db.date(r.CalibrationEnd), db.date(r.HoldoutEnd),
			r.TimeZone, string(r.Currency), params, se, sp, r.LogLikelihood, spendLL, int64(r.Customers), r.Converged, r.Seconds}, &id)
	if err != nil {
		return 0, fmt.Errorf("store model run: %w", err)
	}
	return id, nil
}

const runSelect = `SELECT id, created_at, source, model, spend_model, unit, calibration_end, holdout_end, time_zone, currency,
	params, std_errors, spend_params, log_likelihood, spend_log_likelihood, customers, converged, seconds, scoring FROM model_runs`

func scanRun(sc interface{ Scan(...any) error }) (*clientele.Run, error) {
	var r clientele.Run
	var cur string
	var params, se, sp []byte
	var spendLL sql.NullFloat64
	var customers int64
	var scoring []byte
	if err := sc.Scan(&r.ID, timeCol{&r.CreatedAt}, &r.Source, &r.Model, &r.SpendModel, &r.Unit, dateCol{&r.CalibrationEnd}, dateCol{&r.HoldoutEnd},
		&r.TimeZone, &cur, &params, &se, &sp, &r.LogLikelihood, &spendLL, &customers, &r.Converged, &r.Seconds, &scoring); err != nil {
		return nil, err
	}
	if scoring != nil {
		var j storedScoring
		if err := json.Unmarshal(scoring, &j); err != nil {
			return nil, fmt.Errorf("model run %d: scoring: %w", r.ID, err)
		}
		r.Scoring = j.scoring()
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

// RunListing is a model run with how many customers it has scored.
type RunListing struct {
	clientele.Run
	Scored int64
}

// Runs lists the model runs, the latest first, each with its count of
// scores.
func (db *DB) Runs(ctx context.Context) ([]RunListing, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT r.*, (SELECT count(*) FROM scores s WHERE s.run_id = r.id) FROM (`+runSelect+`) r ORDER BY r.id DESC`)
	out, err := collect(rows, err, func(sc *sql.Rows) (RunListing, error) {
		var l RunListing
		r, err := scanRun(scannerWith{sc, &l.Scored})
		if r != nil {
			l.Run = *r
		}
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("list model runs: %w", err)
	}
	return out, nil
}

// RunList lists the model runs, the latest first, without counting their
// scores (Runs does, a scan of a million index entries per run on a large
// database).
func (db *DB) RunList(ctx context.Context) ([]clientele.Run, error) {
	rows, err := db.r.QueryContext(ctx, runSelect+` ORDER BY id DESC`)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Run, error) {
		r, err := scanRun(sc)
		if r == nil {
			return clientele.Run{}, err
		}
		return *r, err
	})
	if err != nil {
		return nil, fmt.Errorf("list model runs: %w", err)
	}
	return out, nil
}

// scannerWith scans a row into a scanner's columns and then one more.
type scannerWith struct {
	sc    scanner
	extra any
}

func (s scannerWith) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra)...) }

// DeleteRun deletes model run id with its scores.
func (db *DB) DeleteRun(ctx context.Context, id int64) error {
	r, err := db.w.ExecContext(ctx, `DELETE FROM model_runs WHERE id = $1`, id)
	if err != nil {
		return busyError(fmt.Errorf("delete model run: %w", err))
	}
	if n, _ := r.RowsAffected(); n == 0 {
		return clientele.Errorf(clientele.ENOTFOUND, "model run %d not found", id)
	}
	return nil
}

// Run returns model run id; id 0 means the latest run.
func (db *DB) Run(ctx context.Context, id int64) (*clientele.Run, error) {
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
