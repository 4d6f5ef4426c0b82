package main

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
)

func newRunsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "runs", Short: "Model runs (stored fits): list, show, delete"}
	var format string
	runID := func(s string) (int64, error) {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil || id <= 0 {
			return 0, clientele.Errorf(clientele.EINVALID, "model run id %q is not a number (see 'clientele runs list')", clientele.Excerpt(s))
		}
		return id, nil
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the model runs, the latest first, with their settings and how many customers each scored",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				runs, err := db.Runs(cmd.Context())
				if err != nil {
					return err
				}
				if format == "json" {
					type listed struct {
						clientele.RunJSON
						Scored int64 `json:"scored"`
					}
					out := []listed{}
					for i := range runs {
						out = append(out, listed{runs[i].JSON(a.loc), runs[i].Scored})
					}
					return writeJSON(a.stdout, out)
				}
				var rows [][]string
				for _, r := range runs {
					rows = append(rows, []string{strconv.FormatInt(r.ID, 10), r.CreatedAt.In(a.loc).Format(time.DateTime), r.Model, r.Source,
						or(r.CalibrationEnd, "-"), or(r.HoldoutEnd, "-"), r.Unit, fmt.Sprintf("%.0f", r.Customers), strconv.FormatInt(r.Scored, 10)})
				}
				return writeTable(a.stdout, []string{"RUN", "CREATED", "MODEL", "SOURCE", "CALIBRATION END", "HOLDOUT END", "UNIT", "CUSTOMERS", "SCORED"}, rows)
			})
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output format: table or json")
	var showFormat string
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a model run: its settings, parameters and standard errors",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(showFormat, "table", "json"); err != nil {
				return err
			}
			id, err := runID(args[0])
			if err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				r, err := db.Run(cmd.Context(), id)
				if err != nil {
					return err
				}
				if showFormat == "json" {
					return writeJSON(a.stdout, r.JSON(a.loc))
				}
				rows := [][]string{{"model", r.Model}, {"source", r.Source}, {"created", r.CreatedAt.In(a.loc).Format(time.DateTime)},
					{"unit", r.Unit}, {"calibration end", or(r.CalibrationEnd, "-")}, {"holdout end", or(r.HoldoutEnd, "-")},
					{"time zone", or(r.TimeZone, "-")}, {"currency", string(r.Currency)}, {"customers", fmt.Sprintf("%.0f", r.Customers)},
					{"converged", fmt.Sprint(r.Converged)}, {"log-likelihood", fmt.Sprintf("%.4f", r.LogLikelihood)}}
				for _, p := range sortedParams(r.Params) {
					rows = append(rows, []string{"param " + p, fmt.Sprintf("%.6f ± %.6f", r.Params[p], r.StdErrors[p])})
				}
				if r.SpendModel != "" {
					rows = append(rows, []string{"spend model", r.SpendModel})
					for _, p := range sortedParams(r.SpendParams) {
						rows = append(rows, []string{"spend " + p, fmt.Sprintf("%.6f", r.SpendParams[p])})
					}
				}
				if s := r.Scoring; s != nil {
					rows = append(rows, []string{"scored", s.At.In(a.loc).Format(time.DateTime)}, []string{"scores as of", r.CalibrationEnd},
						[]string{"horizon", fmt.Sprintf("%g %s", s.Horizon, r.Unit)}, []string{"discount rate", fmt.Sprintf("%g a year", s.DiscountRate)},
						[]string{"CLV basis", s.BasisText()})
				} else {
					rows = append(rows, []string{"scored", "never"})
				}
				return writeTable(a.stdout, []string{"RUN " + strconv.FormatInt(r.ID, 10), "VALUE"}, rows)
			})
		},
	}
	show.Flags().StringVar(&showFormat, "format", "table", "output format: table or json")
	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a model run with its scores",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := runID(args[0])
			if err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.DeleteRun(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "model run %d deleted with its scores\n", id)
				return nil
			})
		},
	}
	cmd.AddCommand(list, show, del)
	return cmd
}

func sortedParams(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
