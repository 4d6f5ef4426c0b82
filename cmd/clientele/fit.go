package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

func (a *app) parseDate(flag, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := clientele.ParseDay(s, time.UTC)
	if err != nil {
		return t, clientele.Errorf(clientele.EINVALID, "--%s: %w", flag, err)
	}
	return t, nil
}

func newFitCmd(a *app) *cobra.Command {
	var model, spend, unit, calEnd, holdEnd, summary, survival, format string
	var scoreNow bool
	var scoreOpt valuation.ScoreOptions
	var out scoreOut
	cmd := &cobra.Command{
		Use:   "fit",
		Short: "Fit a CLV model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, sBG) and store it as a model run",
		Long: `Fit a customer-lifetime model by maximum likelihood and store it as a model run.

On the database (one row of sufficient statistics per customer, computed by
SQL; purchases on the same day merged into one):
  clientele fit --model bgnbd --spend gammagamma --unit week --calibration-end 1997-09-30 [--holdout-end 1998-06-30]
On a summary file (columns frequency, recency, T, optional monetary_value and
weights; for bgbb frequency, recency, periods, weights):
  clientele fit --model paretonbd --summary summary.csv
With --score, every customer is scored too, from the same pass over the
database (see clientele score for --horizon, --discount-rate and --margin):
on millions of customers the summaries are most of the work.
Retention (shifted-beta-geometric) from period,active counts, or from the
accounts' open and close dates:
  clientele fit --model sbg --survival cohort.csv
  clientele fit --model sbg --unit year`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if scoreNow && (survival != "" || summary != "" || model == "sbg") {
				return clientele.Errorf(clientele.EINVALID, "--score scores a fit on the database's customers, not a fit on a file or on accounts")
			}
			if err := out.check(); err != nil {
				return err
			}
			if out.path != "" && !scoreNow {
				return clientele.Errorf(clientele.EINVALID, "--out writes the scores of --score: give --score too")
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				var res *valuation.Result
				var err error
				done := a.busy("fitting " + model)
				defer done()
				switch {
				case survival != "":
					res, err = valuation.FitSurvivalFile(ctx, db, survival)
				case model == "sbg":
					res, err = valuation.FitAccounts(ctx, db, unit, time.Now())
				case summary != "":
					res, err = valuation.FitFile(ctx, db, summary, model, spend)
				default:
					var ce, he time.Time
					if ce, err = a.parseDate("calibration-end", calEnd); err != nil {
						return err
					}
					if he, err = a.parseDate("holdout-end", holdEnd); err != nil {
						return err
					}
					fo := valuation.FitOptions{Model: model, Spend: spend, Unit: unit, CalibrationEnd: ce,
						HoldoutEnd: he, Location: a.loc, Currency: clientele.Currency(a.currency)}
					if !scoreNow {
						res, err = valuation.Fit(ctx, db, fo)
						break
					}
					fo.Score = &scoreOpt
					run := &clientele.Run{Unit: unit, Currency: fo.Currency, CalibrationEnd: calEnd, HoldoutEnd: holdEnd}
					err = out.run(ctx, a, db, run, scoreOpt.Horizon, func(each func(valuation.ScoreRow) error) error {
						scoreOpt.Each = each
						res, err = valuation.Fit(ctx, db, fo)
						return err
					})
				}
				done()
				if err != nil {
					return err
				}
				if err := a.printFit(res, format); err != nil || res.Scored == nil || format == "json" {
					return err
				}
				fmt.Fprintln(a.stdout)
				return a.printScore(res.Scored, "table")
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&model, "model", "bgnbd", "model: "+strings.Join(valuation.Models, ", "))
	f.StringVar(&spend, "spend", "", "spend model to fit too: gammagamma")
	f.StringVar(&unit, "unit", "week", "time unit: day, week, month, year")
	f.StringVar(&calEnd, "calibration-end", "", "last day of the calibration period (YYYY-MM-DD)")
	f.StringVar(&holdEnd, "holdout-end", "", "last day of a holdout period, for 'clientele report validation' (YYYY-MM-DD)")
	f.StringVar(&summary, "summary", "", "fit on a summary CSV file instead of the database")
	f.StringVar(&survival, "survival", "", "fit sbg on a CSV file of period,active counts")
	f.StringVar(&format, "format", "table", "output format: table or json")
	f.BoolVar(&scoreNow, "score", false, "score every customer after the fit, from the same summaries")
	f.Float64Var(&scoreOpt.Horizon, "horizon", 52, "with --score: horizon in the time unit")
	f.Float64Var(&scoreOpt.DiscountRate, "discount-rate", 0.15, "with --score: yearly discount rate")
	f.Float64Var(&scoreOpt.Margin, "margin", 0, "with --score: margin as a share of spend (default: from the data)")
	out.add(cmd)
	return cmd
}

func (a *app) printFit(res *valuation.Result, format string) error {
	r := res.Run
	if format == "json" {
		out := struct {
			clientele.RunJSON
			Score *valuation.ScoreSummaryJSON `json:"score,omitempty"`
		}{RunJSON: r.JSON(a.loc)}
		if res.Scored != nil {
			j := res.Scored.JSON()
			out.Score = &j
		}
		return writeJSON(a.stdout, out)
	}
	fmt.Fprintf(a.stdout, "model run %d: %s on %s, %.0f customers, converged %v, %.2fs\n", r.ID, r.Model, r.Source, r.Customers, r.Converged, r.Seconds)
	var rows [][]string
	for i, n := range res.Fit.Names {
		rows = append(rows, []string{n, fmt.Sprintf("%.6f", res.Fit.Params[i]), fmt.Sprintf("%.6f", res.Fit.StdErrors[i])})
	}
	if res.SpendFit != nil {
		for i, n := range res.SpendFit.Names {
			rows = append(rows, []string{"spend " + n, fmt.Sprintf("%.6f", res.SpendFit.Params[i]), fmt.Sprintf("%.6f", res.SpendFit.StdErrors[i])})
		}
	}
	if err := writeTable(a.stdout, []string{"PARAMETER", "ESTIMATE", "STD. ERROR"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "log-likelihood %.4f", r.LogLikelihood)
	if r.SpendLogLikelihood != nil {
		fmt.Fprintf(a.stdout, " (spend %.4f)", *r.SpendLogLikelihood)
	}
	fmt.Fprintln(a.stdout)
	return nil
}

func newScoreCmd(a *app) *cobra.Command {
	var opt valuation.ScoreOptions
	var format string
	var out scoreOut
	cmd := &cobra.Command{
		Use:   "score",
		Short: "Score every customer with a model run: P(alive), expected purchases and spend, CLV",
		Long: `Score every customer of a model run's cohort and store the scores:
P(alive), expected purchases over --horizon (in the run's time unit),
expected spend per transaction (Gamma-Gamma when the run has it, else the
customer's own mean), and CLV = DERT × expected margin per transaction, where
DERT discounts the expected purchases at --discount-rate a year. Every
customer also gets a lifetime DERT and CLV (an unbounded horizon, as
CLVTools' DERT). The margin is each customer's margin share of spend from
the data (a transaction without one takes it from its lines' product unit
costs), or --margin; a scoring where no margin is known is refused, since
every CLV would be 0: give --margin 0.3 (an assumed share) or --margin 1
(revenue-based). The scores are as of the run's calibration end.

--out FILE writes every customer's row, with the column names of lifetimes
and CLVTools:
  customer_id, frequency, recency, T, monetary_value, p_alive,
  predicted_purchases_52w, expected_spend, dert_52w, dert_lifetime,
  clv_52w, clv_lifetime, currency
(the horizon in the names; with a holdout period, frequency_holdout,
duration_holdout and predicted_purchases_holdout too).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if err := out.check(); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				run, err := db.Run(cmd.Context(), opt.RunID)
				if err != nil {
					return err
				}
				opt.RunID = run.ID
				var s *valuation.ScoreSummary
				done := a.busy(fmt.Sprintf("scoring the customers of run %d", run.ID))
				err = out.run(cmd.Context(), a, db, run, opt.Horizon, func(each func(valuation.ScoreRow) error) error {
					opt.Each = each
					s, err = valuation.Score(cmd.Context(), db, opt)
					return err
				})
				done()
				if err != nil {
					return err
				}
				return a.printScore(s, format)
			})
		},
	}
	out.add(cmd)
	f := cmd.Flags()
	f.Int64Var(&opt.RunID, "run", 0, "model run id (default: the latest)")
	f.Float64Var(&opt.Horizon, "horizon", 52, "horizon in the run's time unit")
	f.Float64Var(&opt.DiscountRate, "discount-rate", 0.15, "yearly discount rate")
	f.Float64Var(&opt.Margin, "margin", 0, "margin as a share of spend (default: from the data)")
	f.StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

func (a *app) printScore(s *valuation.ScoreSummary, format string) error {
	for _, w := range s.Warnings {
		fmt.Fprintln(a.stderr, "warning:", w)
	}
	if format == "json" {
		return writeJSON(a.stdout, s.JSON())
	}
	lifetime := s.Lifetime.Text()
	if s.LifetimeUnknown > 0 {
		lifetime += fmt.Sprintf(" (%d customers not finite, left out)", s.LifetimeUnknown)
	}
	return writeTable(a.stdout, []string{"SCORE", "VALUE"}, [][]string{
		{"model run", fmt.Sprint(s.RunID)},
		{"as of", s.AsOf},
		{"CLV basis", s.Scoring.BasisText()},
		{"customers scored", fmt.Sprint(s.Customers)},
		{fmt.Sprintf("customer equity (Σ CLV, %g %s, %.4g %% a year)", s.Scoring.Horizon, s.Unit, s.Scoring.DiscountRate*100), s.CustomerEquity.Text()},
		{"customer equity over the lifetime", lifetime},
		{"mean CLV", report.MoneyText(s.MeanCLV, string(s.CustomerEquity.Currency))},
		{"mean P(alive)", fmt.Sprintf("%.4f", s.MeanProbAlive)},
		{"expected purchases", fmt.Sprintf("%.1f", s.ExpectedPurchase)},
		{"margin share of spend", fmt.Sprintf("%.4f", s.MarginShare)},
		{"seconds", fmt.Sprintf("%.2f", s.Seconds)},
	})
}

// scoreOut is the --out of score and fit --score: every customer's row.
type scoreOut struct {
	path, format string
	bom          bool
}

func (o *scoreOut) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.path, "out", "", "write every customer's scores to this file (- for standard output)")
	f.StringVar(&o.format, "out-format", "csv", "format of --out: csv (with a header) or json (one object a line)")
	f.BoolVar(&o.bom, "bom", false, "begin the --out CSV with a UTF-8 byte order mark, for Excel")
}

func (o *scoreOut) check() error { return checkChoice("out-format", o.format, "csv", "json") }

// run calls score with the function that writes each customer's row to
// --out (nil without it); the file appears only when the scoring succeeds,
// and the export is in the audit log before it does.
func (o *scoreOut) run(ctx context.Context, a *app, db *store.DB, run *clientele.Run, horizon float64, score func(each func(valuation.ScoreRow) error) error) error {
	if o.path == "" {
		return score(nil)
	}
	return a.writeAtomically(o.path, func(w io.Writer) error {
		f := newScoreFile(w, o.format, run, horizon, valuation.HoldoutLength(run), o.bom)
		if err := score(f.write); err != nil {
			return err
		}
		e := a.cliEntry("clientele score --out", clientele.AuditExport, "", "")
		e.Subject = fmt.Sprintf("every customer's scores of run %d", run.ID)
		if err := db.RecordReads(ctx, *e); err != nil {
			return err
		}
		return f.flush()
	})
}
