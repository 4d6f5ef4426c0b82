package store_test

import (
	"math"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"clientele"
	"clientele/internal/store"
)

func TestRunsAndScores(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.Run(ctx, 0); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("Run(0) on an empty database: err = %v, want not found", err)
		}
		ll := -12.5
		want := clientele.Run{Source: "database", Model: "bgnbd", SpendModel: "gammagamma", Unit: "week",
			CalibrationEnd: "1997-09-30", HoldoutEnd: "1998-06-30", TimeZone: "UTC", Currency: "USD",
			Params:      map[string]float64{"r": 0.243, "alpha": 4.414},
			StdErrors:   map[string]float64{"r": 0.01, "alpha": math.NaN()}, // a singular Hessian
			SpendParams: map[string]float64{"p": 6.25}, LogLikelihood: -9582.4, SpendLogLikelihood: &ll,
			Customers: 2357, Converged: true, Seconds: 0.5}
		id, err := db.CreateRun(ctx, want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.Run(ctx, 0)
		if err != nil {
			t.Fatal(err)
		}
		want.ID = id
		if diff := cmp.Diff(want, *got, cmpopts.EquateNaNs(), cmpopts.IgnoreFields(clientele.Run{}, "CreatedAt")); diff != "" {
			t.Errorf("Run (-want +got):\n%s", diff)
		}
		if _, err := db.Run(ctx, id+1); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("Run(%d): err = %v, want not found", id+1, err)
		}

		scores := func(clv int64, ids ...string) []clientele.Score {
			var out []clientele.Score
			for _, c := range ids {
				out = append(out, clientele.Score{CustomerID: c, ProbAlive: 0.5, ExpectedPurchases: 1.25, ExpectedSpend: 300, DERT: 1.1, CLV: clv})
			}
			return out
		}
		write := func(ss []clientele.Score) {
			t.Helper()
			if err := db.Write(ctx, func(w *store.Writer) error {
				if _, err := w.Customers(ctx, []clientele.Customer{{ID: "c1"}, {ID: "c2"}}); err != nil {
					return err
				}
				return w.ScoreSeq(ctx, id, slices.Values(ss))
			}); err != nil {
				t.Fatal(err)
			}
		}
		write(scores(100, "c1", "c2"))
		write(scores(200, "c2")) // replaces the run's scores: c1 is no longer scored
		if _, _, err := db.CustomerScore(ctx, "c1", id); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("c1 after re-scoring: err = %v, want not found", err)
		}
		runs, err := db.Runs(ctx)
		if err != nil || len(runs) != 1 || runs[0].ID != id || runs[0].Scored != 1 || runs[0].Model != "bgnbd" {
			t.Errorf("Runs = %+v, %v; want run %d with 1 score", runs, err, id)
		}
		sc, run, err := db.CustomerScore(ctx, "c2", 0)
		if err != nil || run != id || !cmp.Equal(*sc, scores(200, "c2")[0]) {
			t.Errorf("CustomerScore(c2) = %+v, run %d, %v", sc, run, err)
		}
		if err := db.DeleteRun(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.CustomerScore(ctx, "c2", 0); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("scores outlived their run: %v", err)
		}
		if err := db.DeleteRun(ctx, id); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("deleting again: %v, want not found", err)
		}
	})
}
