package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"time"

	"clientele"
)

// Scores replaces the scores of run runID with ss.
func (w *Writer) Scores(ctx context.Context, runID int64, ss []clientele.Score) error {
	return w.ScoreSeq(ctx, runID, slices.Values(ss))
}

// ScoreSeq is Scores for scores computed as they are written, a batch at a
// time, so that ten million of them are never held at once.
func (w *Writer) ScoreSeq(ctx context.Context, runID int64, ss iter.Seq[clientele.Score]) error {
	if _, err := w.q.exec(ctx, `DELETE FROM scores WHERE run_id = $1`, runID); err != nil {
		return fmt.Errorf("clear scores: %w", err)
	}
	const batch = 50000
	cols := []string{"run_id", "customer_id", "p_alive", "expected_purchases", "expected_spend", "dert", "clv", "dert_lifetime", "clv_lifetime"}
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
		var dl, cl any // NULL: not finite
		if !math.IsNaN(s.DERTLifetime) && !math.IsInf(s.DERTLifetime, 0) {
			dl, cl = s.DERTLifetime, s.CLVLifetime
		}
		rows = append(rows, []any{runID, s.CustomerID, s.ProbAlive, s.ExpectedPurchases, s.ExpectedSpend, s.DERT, s.CLV, dl, cl})
		if len(rows) == batch {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	return flush()
}

// SetScoring stores how run runID was scored.
func (w *Writer) SetScoring(ctx context.Context, runID int64, s clientele.Scoring) error {
	b, err := json.Marshal(scoringJSON(s))
	if err != nil {
		return err
	}
	if _, err := w.q.exec(ctx, `UPDATE model_runs SET scoring = $1 WHERE id = $2`, string(b), runID); err != nil {
		return fmt.Errorf("store the scoring settings: %w", err)
	}
	return nil
}

// storedScoring is the stored JSON form of a Scoring.
type storedScoring struct {
	At               int64   `json:"at"` // Unix microseconds
	Horizon          float64 `json:"horizon"`
	DiscountRate     float64 `json:"discount_rate"`
	Basis            string  `json:"basis"`
	Margin           float64 `json:"margin"`
	MarginCoverage   float64 `json:"margin_coverage"`
	PopulationMargin float64 `json:"population_margin"`
}

func scoringJSON(s clientele.Scoring) storedScoring {
	return storedScoring{At: s.At.UnixMicro(), Horizon: s.Horizon, DiscountRate: s.DiscountRate, Basis: s.Basis,
		Margin: s.Margin, MarginCoverage: s.MarginCoverage, PopulationMargin: s.PopulationMargin}
}

func (j storedScoring) scoring() *clientele.Scoring {
	return &clientele.Scoring{At: time.UnixMicro(j.At).UTC(), Horizon: j.Horizon, DiscountRate: j.DiscountRate, Basis: j.Basis,
		Margin: j.Margin, MarginCoverage: j.MarginCoverage, PopulationMargin: j.PopulationMargin}
}

// CustomerScore returns the customer's score under run id (0: the latest
// run that scored the customer).
func (db *DB) CustomerScore(ctx context.Context, customerID string, runID int64) (*clientele.Score, int64, error) {
	q := `SELECT run_id, p_alive, expected_purchases, expected_spend, dert, clv, dert_lifetime, clv_lifetime FROM scores WHERE customer_id = $1`
	args := []any{customerID}
	if runID != 0 {
		q += ` AND run_id = $2`
		args = append(args, runID)
	}
	q += ` ORDER BY run_id DESC LIMIT 1`
	s := clientele.Score{CustomerID: customerID}
	var run int64
	var dl sql.NullFloat64
	var cl sql.NullInt64
	err := db.queryRow(ctx, q, args...).Scan(&run, &s.ProbAlive, &s.ExpectedPurchases, &s.ExpectedSpend, &s.DERT, &s.CLV, &dl, &cl)
	setLifetime(&s, dl, cl)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, clientele.Errorf(clientele.ENOTFOUND, "customer %q has no score", customerID)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("score of %s: %w", customerID, err)
	}
	return &s, run, nil
}

// setLifetime sets s's lifetime values from their columns, NULL where they
// are not finite.
func setLifetime(s *clientele.Score, dert sql.NullFloat64, clv sql.NullInt64) {
	s.DERTLifetime, s.CLVLifetime = math.NaN(), 0
	if dert.Valid {
		s.DERTLifetime, s.CLVLifetime = dert.Float64, clv.Int64
	}
}

// RunScores returns up to limit scores of run runID, in customer id order,
// of the customers after cursor (a customer id; "" for the first page).
func (db *DB) RunScores(ctx context.Context, runID int64, cursor string, limit int) ([]clientele.Score, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT customer_id, p_alive, expected_purchases, expected_spend, dert, clv, dert_lifetime, clv_lifetime
		FROM scores WHERE run_id = $1 AND customer_id > $2 ORDER BY customer_id LIMIT $3`, runID, cursor, limit)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.Score, error) {
		var s clientele.Score
		var dl sql.NullFloat64
		var cl sql.NullInt64
		err := sc.Scan(&s.CustomerID, &s.ProbAlive, &s.ExpectedPurchases, &s.ExpectedSpend, &s.DERT, &s.CLV, &dl, &cl)
		setLifetime(&s, dl, cl)
		return s, err
	})
	if err != nil {
		return nil, fmt.Errorf("scores of model run %d: %w", runID, err)
	}
	return out, nil
}
