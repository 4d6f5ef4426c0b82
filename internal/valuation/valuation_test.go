package valuation_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"clientele/internal/ingest"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/valuation"
)

var calEnd = time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC)

func cdnowDB(t *testing.T, db *store.DB) {
	t.Helper()
	if _, err := ingest.File(context.Background(), db, ingest.Transactions, "testdata/CDNOW_sample.txt", ingest.Options{}); err != nil {
		t.Fatal(err)
	}
}

// Fitting BG/NBD on the imported CDNOW sample gives the paper's parameters
// to three decimals: Fader, Hardie & Lee (2005), r = 0.243, α = 4.414,
// a = 0.793, b = 2.426.
func TestFitCDNOWFromDatabase(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			cdnowDB(t, b.DB)
			res, err := valuation.Fit(ctx, b.DB, valuation.FitOptions{Model: "bgnbd", Spend: "gammagamma", Unit: "week",
				CalibrationEnd: calEnd, HoldoutEnd: time.Date(1998, 6, 30, 0, 0, 0, 0, time.UTC), Location: time.UTC, Currency: "USD"})
			if err != nil {
				t.Fatal(err)
			}
			p := res.Run.Params
			if got := fmt.Sprintf("%.3f %.3f %.3f %.3f", p["r"], p["alpha"], p["a"], p["b"]); got != "0.243 4.414 0.793 2.426" {
				t.Errorf("parameters %s, want 0.243 4.414 0.793 2.426", got)
			}
			if res.Run.Customers != 2357 || !res.Run.Converged || res.Run.ID == 0 {
				t.Errorf("run: %+v", res.Run)
			}
			stored, err := b.DB.Run(ctx, 0)
			if err != nil || stored.ID != res.Run.ID || stored.Params["r"] != p["r"] || stored.CalibrationEnd != "1997-09-30" || stored.SpendModel != "gammagamma" {
				t.Errorf("stored run: %+v, %v", stored, err)
			}

			sum, err := valuation.Score(ctx, b.DB, valuation.ScoreOptions{Horizon: 52, DiscountRate: 0.15, Margin: 0.3})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Customers != 2357 || sum.CustomerEquity.Minor <= 0 || !(sum.MeanProbAlive > 0 && sum.MeanProbAlive < 1) {
				t.Errorf("score summary: %+v", sum)
			}
			// Customer 00004 (sample id 1): x = 2, t_x = 30.43, T = 38.86 in
			// the paper's summary; P(alive) with the fitted parameters.
			s, run, err := b.DB.CustomerScore(ctx, "00004", 0)
			if err != nil || run != res.Run.ID {
				t.Fatalf("score of 00004: %v, run %d", err, run)
			}
			if math.Abs(s.ProbAlive-0.7266) > 0.001 || s.CLV <= 0 || s.ExpectedSpend <= 0 {
				t.Errorf("score of 00004: %+v", s)
			}

			// Fitting and scoring in one pass gives the same run and scores.
			both, err := valuation.Fit(ctx, b.DB, valuation.FitOptions{Model: "bgnbd", Spend: "gammagamma", Unit: "week",
				CalibrationEnd: calEnd, Location: time.UTC, Currency: "USD",
				Score: &valuation.ScoreOptions{Horizon: 52, DiscountRate: 0.15, Margin: 0.3}})
			if err != nil {
				t.Fatal(err)
			}
			if both.Scored == nil || both.Scored.RunID != both.Run.ID || both.Scored.Customers != 2357 ||
				both.Scored.CustomerEquity != sum.CustomerEquity || math.Abs(both.Scored.MeanProbAlive-sum.MeanProbAlive) > 1e-12 {
				t.Errorf("fit and score in one pass: %+v; scored apart: %+v", both.Scored, sum)
			}
			s2, run2, err := b.DB.CustomerScore(ctx, "00004", 0)
			if err != nil || run2 != both.Run.ID || *s2 != *s {
				t.Errorf("score of 00004 in one pass: %+v (run %d), %v; apart: %+v", s2, run2, err, s)
			}
			if _, err := valuation.Fit(ctx, b.DB, valuation.FitOptions{Model: "bgnbd", Unit: "week", CalibrationEnd: calEnd, Location: time.UTC,
				Currency: "USD", Score: &valuation.ScoreOptions{Horizon: 0}}); err == nil {
				t.Error("a fit with a zero scoring horizon was accepted")
			}
		})
	}
}

// The database's summaries equal the published calibration summary.
func TestSummariesMatchPublished(t *testing.T) {
	db := storetest.Open(t)[0].DB
	cdnowDB(t, db)
	fromFile, err := valuation.FitFile(context.Background(), nil, "testdata/cdnow_customers_summary.csv", "bgnbd", "")
	if err != nil {
		t.Fatal(err)
	}
	fromDB, err := valuation.Fit(context.Background(), db, valuation.FitOptions{Model: "bgnbd", Unit: "week", CalibrationEnd: calEnd, Location: time.UTC, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	// The file rounds times to 0.01 week; the fits agree to that precision.
	for k, v := range fromFile.Run.Params {
		if math.Abs(fromDB.Run.Params[k]-v) > 2e-3*v {
			t.Errorf("%s: database %.5f, file %.5f", k, fromDB.Run.Params[k], v)
		}
	}
}

func TestFitFiles(t *testing.T) {
	res, err := valuation.FitFile(context.Background(), nil, "testdata/donations.csv", "bgbb", "")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%.3f", res.Run.Params["alpha"]); got != "1.204" {
		t.Errorf("bgbb alpha = %s", got)
	}
	res, err = valuation.FitSurvivalFile(context.Background(), nil, "testdata/regular.csv")
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("%.3f %.3f", res.Run.Params["alpha"], res.Run.Params["beta"]); got != "0.704 1.182" {
		t.Errorf("sbg = %s", got)
	}
	for _, bad := range []struct{ path, model string }{{"testdata/donations.csv", "bgnbd"}, {"testdata/nope.csv", "bgnbd"}, {"testdata/cdnow_customers_summary.csv", "xyz"}} {
		if _, err := valuation.FitFile(context.Background(), nil, bad.path, bad.model, ""); err == nil {
			t.Errorf("FitFile(%s, %s): no error", bad.path, bad.model)
		}
	}
}
