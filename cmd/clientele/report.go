package main

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/ingest"
	"clientele/internal/report"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

func newReportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports: validation, customer equity, segments, brand switching"}
	var runID int64
	var format, out, plotFormat string
	validation := &cobra.Command{
		Use:   "validation",
		Short: "Compare a model run with its holdout period: table, error measures, tracking plot, P(alive) heat map",
		Long: `Compare a model run's predictions with what customers did in the holdout
period (fit with --holdout-end): actual vs predicted holdout purchases by
calibration frequency, MAE, RMSE and correlation per customer, and, with
--out DIR, the cumulative repeat-purchase tracking plot (the BG/NBD paper's
Figure 1), the holdout chart and the frequency/recency P(alive) heat map.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json", "csv"); err != nil {
				return err
			}
			if err := checkChoice("plot-format", plotFormat, "png", "svg"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				v, err := valuation.Validate(cmd.Context(), db, runID)
				if err != nil {
					return err
				}
				var plots []string
				if out != "" {
					if err := os.MkdirAll(out, 0o755); err != nil {
						return err
					}
					for name, draw := range map[string]func(*valuation.Validation, string) error{
						"tracking": report.Tracking, "holdout": report.Holdout, "palive": report.Alive} {
						p := filepath.Join(out, fmt.Sprintf("run%d-%s.%s", v.Run.ID, name, plotFormat))
						if err := draw(v, p); err != nil {
							return fmt.Errorf("plot %s: %w", name, err)
						}
						plots = append(plots, p)
					}
				}
				if format == "json" {
					return writeJSON(a.stdout, map[string]any{"run_id": v.Run.ID, "model": v.Run.Model, "customers": v.Customers,
						"holdout_length": v.HoldoutLength, "unit": v.Run.Unit, "actual_total": v.ActualTotal, "predicted_total": v.PredictedTotal,
						"mae": v.MAE, "rmse": v.RMSE, "correlation": v.Corr, "by_frequency": v.ByFrequency, "tracking": v.Tracking, "plots": plots})
				}
				if format == "csv" {
					// The calibration-vs-holdout table, per frequency; per
					// customer, see score --out.
					cw := csv.NewWriter(a.stdout)
					cw.Write([]string{"frequency", "or_more", "customers", "actual", "predicted"})
					for _, r := range v.ByFrequency {
						cw.Write([]string{strconv.Itoa(r.X), strconv.FormatBool(r.OrMore), strconv.Itoa(r.Customers),
							strconv.FormatFloat(r.Actual, 'f', -1, 64), strconv.FormatFloat(r.Predicted, 'f', -1, 64)})
					}
					cw.Flush()
					return cw.Error()
				}
				fmt.Fprintf(a.stdout, "model run %d (%s), %d customers, holdout %.1f %ss\n", v.Run.ID, v.Run.Model, v.Customers, v.HoldoutLength, v.Run.Unit)
				var rows [][]string
				for _, r := range v.ByFrequency {
					x := fmt.Sprint(r.X)
					if r.OrMore {
						x += "+"
					}
					rows = append(rows, []string{x, fmt.Sprint(r.Customers), fmt.Sprintf("%.3f", r.Actual), fmt.Sprintf("%.3f", r.Predicted)})
				}
				if err := writeTable(a.stdout, []string{"FREQUENCY", "CUSTOMERS", "ACTUAL", "PREDICTED"}, rows); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "holdout purchases: actual %.0f, predicted %.1f; per customer MAE %.4f, RMSE %.4f, correlation %.4f\n",
					v.ActualTotal, v.PredictedTotal, v.MAE, v.RMSE, v.Corr)
				for _, p := range plots {
					fmt.Fprintln(a.stdout, "wrote", p)
				}
				return nil
			})
		},
	}
	validation.Flags().Int64Var(&runID, "run", 0, "model run id (default: the latest)")
	validation.Flags().StringVar(&format, "format", "table", "output format: table, json or csv (the table by frequency; per customer: score --out)")
	validation.Flags().StringVar(&out, "out", "", "directory for the plots")
	validation.Flags().StringVar(&plotFormat, "plot-format", "png", "plot format: png or svg")
	cmd.AddCommand(validation, newSwitchingCmd(a), newEquityReportCmd(a), newSegmentsReportCmd(a), newProfitabilityCmd(a), newMigrationCmd(a), newSharingReportCmd(a), newUpliftReportCmd(a))
	return cmd
}

func newSwitchingCmd(a *app) *cobra.Command {
	var f reportFlags
	var surveyPath, surveyName, marketPath, whatIf string
	cmd := &cobra.Command{
		Use:   "switching (--survey SURVEY.csv --market MARKET.json | --survey-name NAME [--market MARKET.json]) [--what-if SPEC]",
		Short: "Customer equity and share of customer equity per brand from a brand-switching survey (Rust, Lemon & Zeithaml 2004)",
		Long: `Estimate the brand-switching logit with inertia from a survey (or take its
coefficients from MARKET.json), then compute each respondent's switching
matrix and lifetime value to every brand, and each brand's customer equity and
share of customer equity.

The survey is a file (--survey) or one stored with ` + "`clientele import switching-survey`" + `
(--survey-name); a stored survey's market description is used unless
--market gives another.

SURVEY.csv has one row per respondent and brand:
  respondent_id,brand,<one column per driver>,last,frequency[,chosen]
MARKET.json: {"brands": [{"name", "contribution", "owner"}], "discount_rate",
  "horizon_years", "market_size", optional "coefficients": {"inertia",
  "drivers": {name: value}}}
--what-if 'brand=A,driver=value,delta=0.2,spend=5000000@0;5000000@1' improves a
driver of a brand for every respondent at a cost (amount@year) and reports
the change in customer equity and the return, for the brand and for its
owner's portfolio.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if (surveyPath == "") == (surveyName == "") {
				return clientele.Errorf(clientele.EINVALID, "give one of --survey FILE and --survey-name NAME")
			}
			var market []byte
			if marketPath != "" {
				b, err := os.ReadFile(marketPath)
				if err != nil {
					return clientele.Errorf(clientele.EINVALID, "--market: %w", err)
				}
				market = b
			}
			build := func(survey *clientele.SwitchingSurvey, market []byte, name string) error {
				r, err := report.Switching(survey, market, whatIf)
				if err != nil {
					if marketPath != "" {
						return fmt.Errorf("%s: %w", marketPath, err)
					}
					return err
				}
				r.Survey = name
				return a.writeReport(f, r)
			}
			if surveyPath != "" {
				if market == nil {
					return clientele.Errorf(clientele.EINVALID, "--survey needs --market")
				}
				survey, err := readSwitchingSurveyFile(surveyPath)
				if err != nil {
					return err
				}
				return build(survey, market, "")
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				st, err := db.SwitchingSurvey(ctx, surveyName)
				if err != nil {
					return err
				}
				if market == nil {
					if st.Market == nil {
						return clientele.Errorf(clientele.EINVALID, "switching survey %s was stored without a market description: give --market", surveyName)
					}
					market = st.Market
				}
				return build(st, market, surveyName)
			})
		},
	}
	cmd.Flags().StringVar(&surveyPath, "survey", "", "survey CSV: respondent_id,brand,<drivers…>,last,frequency[,chosen]")
	cmd.Flags().StringVar(&surveyName, "survey-name", "", "a survey stored with 'clientele import switching-survey'")
	cmd.Flags().StringVar(&marketPath, "market", "", "market JSON")
	cmd.Flags().StringVar(&whatIf, "what-if", "", "initiative: brand=B,driver=D,delta=X,spend=AMOUNT@YEAR;…")
	f.add(cmd, "shares")
	return cmd
}

// readSwitchingSurveyFile reads and checks a survey CSV.
func readSwitchingSurveyFile(path string) (*clientele.SwitchingSurvey, error) {
	sf, err := os.Open(path)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	defer sf.Close()
	survey, err := ingest.ReadSwitchingSurvey(sf)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return survey, nil
}
