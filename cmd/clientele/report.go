package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"clientele/internal/report"
	"clientele/internal/valuation"
)

func newReportCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Reports: validation of a model run against its holdout period"}
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
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if err := checkFormat(plotFormat, "png", "svg"); err != nil {
				return err
			}
			db, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer db.Close()
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
		},
	}
	validation.Flags().Int64Var(&runID, "run", 0, "model run id (default: the latest)")
	validation.Flags().StringVar(&format, "format", "table", "output format: table or json")
	validation.Flags().StringVar(&out, "out", "", "directory for the plots")
	validation.Flags().StringVar(&plotFormat, "plot-format", "png", "plot format: png or svg")
	cmd.AddCommand(validation)
	return cmd
}
