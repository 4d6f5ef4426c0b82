package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"iter"
	"slices"

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
func (db *DB) CustomerScore(ctx context.Context, customerID string, runID int64) (*clientele.Score, int64, error) {
	q := `SELECT run_id, p_alive, expected_purchases, expected_spend, dert, clv FROM scores WHERE customer_id = $1`
	args := []any{customerID}
	if runID != 0 {
		q += ` AND run_id = $2`
		args = append(args, runID)
	}
	q += ` ORDER BY run_id DESC LIMIT 1`
	s := clientele.Score{CustomerID: customerID}
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
