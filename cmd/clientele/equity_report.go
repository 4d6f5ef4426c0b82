package main

import (
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/equity"
	"clientele/internal/store"
)

// writeRows writes a report as a table, CSV or JSON.
func (a *app) writeRows(format string, header []string, rows [][]string, jsonValue any) error {
	switch format {
	case "json":
		return writeJSON(a.stdout, jsonValue)
	case "csv":
		w := csv.NewWriter(a.stdout)
		w.Write(header)
		w.WriteAll(rows)
		return w.Error()
	}
	return writeTable(a.stdout, header, rows)
}

func newEquityReportCmd(a *app) *cobra.Command {
	var format string
	var competitors []string
	cmd := &cobra.Command{
		Use:   "equity [--competitor NAME=CE …]",
		Short: "Customer equity over the scoring runs, its concentration, and share of customer equity",
		Long: `Customer equity (Σ CLV of the scored customers) at every scoring run, the
share of it held by the top 1 %, 10 % and 20 % of customers in the latest run,
and, given the competitors' customer equity (--competitor NAME=CE, in the same
currency; repeat for each), the firm's share of the market's customer equity.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			market := map[string]float64{}
			for _, c := range competitors {
				name, v, ok := strings.Cut(c, "=")
				f, err := strconv.ParseFloat(v, 64)
				if !ok || name == "" || err != nil || f < 0 {
					return clientele.Errorf(clientele.EINVALID, "--competitor %q: want NAME=CUSTOMER_EQUITY", c)
				}
				market[name] = f
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				runs, err := db.EquityByRun(ctx)
				if err != nil {
					return err
				}
				if len(runs) == 0 {
					return clientele.Errorf(clientele.ENOTFOUND, "no scores yet: run `clientele fit` and `clientele score` first")
				}
				latest := runs[len(runs)-1]
				scale, _ := clientele.Currency(latest.Currency).Scale()
				major := func(minor int64) float64 { return float64(minor) / math.Pow10(scale) }
				clvs, err := db.RunCLVs(ctx, latest.RunID)
				if err != nil {
					return err
				}
				slices.Sort(clvs)
				slices.Reverse(clvs)
				total := int64(0)
				for _, v := range clvs {
					total += v
				}
				top := func(p float64) float64 {
					n := max(1, int(float64(len(clvs))*p+0.5))
					s := int64(0)
					for _, v := range clvs[:min(n, len(clvs))] {
						s += v
					}
					if total == 0 {
						return 0
					}
					return float64(s) / float64(total)
				}
				// Customers who cost more than they bring (mostly loss leaders)
				// have a negative CLV: the top customers can then hold more
				// than all of the customer equity.
				var negN int
				var negSum int64
				for _, v := range clvs {
					if v < 0 {
						negN++
						negSum += v
					}
				}
				ce := major(latest.Equity)
				share := 1.0
				var others []float64
				for _, v := range market {
					others = append(others, v)
				}
				if len(others) > 0 {
					share = equity.Share(ce, append([]float64{ce}, others...)...)
				}
				var rows [][]string
				var history []map[string]any
				for _, r := range runs {
					rows = append(rows, []string{strconv.FormatInt(r.RunID, 10), r.Model, r.CreatedAt.In(a.loc).Format(time.DateTime),
						strconv.FormatInt(r.Customers, 10), fmt.Sprintf("%.2f %s", major(r.Equity), r.Currency), fmt.Sprintf("%.4f", r.MeanAlive)})
					history = append(history, map[string]any{"run_id": r.RunID, "model": r.Model, "at": r.CreatedAt.In(a.loc).Format(time.RFC3339),
						"customers": r.Customers, "customer_equity": major(r.Equity), "mean_p_alive": r.MeanAlive})
				}
				summary := map[string]any{"run_id": latest.RunID, "customer_equity": ce, "currency": latest.Currency, "customers": len(clvs),
					"mean_clv": ce / float64(max(len(clvs), 1)), "top_1pct_share": top(0.01), "top_10pct_share": top(0.10), "top_20pct_share": top(0.20),
					"share_of_customer_equity": share, "competitors": market, "history": history,
					"negative_clv_customers": negN, "negative_clv_total": major(negSum)}
				if format != "table" {
					return a.writeRows(format, []string{"RUN", "MODEL", "FITTED AT", "CUSTOMERS", "CUSTOMER EQUITY", "MEAN P(ALIVE)"}, rows, summary)
				}
				if err := writeTable(a.stdout, []string{"RUN", "MODEL", "FITTED AT", "CUSTOMERS", "CUSTOMER EQUITY", "MEAN P(ALIVE)"}, rows); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "\nrun %d: customer equity %.2f %s over %d customers; the top 1 %% hold %.1f %%, the top 10 %% %.1f %%, the top 20 %% %.1f %%\n",
					latest.RunID, ce, latest.Currency, len(clvs), 100*top(0.01), 100*top(0.10), 100*top(0.20))
				if negN > 0 {
					fmt.Fprintf(a.stdout, "%d customers have a negative CLV (together %.2f %s): they cost more than they bring\n", negN, major(negSum), latest.Currency)
				}
				if len(others) > 0 {
					fmt.Fprintf(a.stdout, "share of customer equity: %.2f %% of the market's %.2f\n", 100*share, ce/share)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	cmd.Flags().StringArrayVar(&competitors, "competitor", nil, "a competitor's customer equity, NAME=CE (repeatable)")
	return cmd
}

func newSegmentsReportCmd(a *app) *cobra.Command {
	var format string
	var runID int64
	cmd := &cobra.Command{
		Use:   "segments [--run ID]",
		Short: "Segments with their owners, members, segment lifetime value, mean CLV and P(alive)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				run, err := db.Run(ctx, runID)
				if err != nil {
					return err
				}
				vals, err := db.SegmentValues(ctx, run.ID)
				if err != nil {
					return err
				}
				scale, _ := run.Currency.Scale()
				div := math.Pow10(scale)
				var rows [][]string
				var js []map[string]any
				for _, v := range vals {
					rows = append(rows, []string{v.Segment, or(v.Owner, "-"), v.Level, strconv.FormatInt(v.Members, 10),
						fmt.Sprintf("%.2f", float64(v.Value)/div), fmt.Sprintf("%.2f", v.MeanCLV/div), fmt.Sprintf("%.4f", v.MeanAlive)})
					js = append(js, map[string]any{"segment": v.Segment, "owner": v.Owner, "level": v.Level, "members": v.Members, "scored": v.Scored,
						"segment_lifetime_value": float64(v.Value) / div, "mean_clv": v.MeanCLV / div, "mean_p_alive": v.MeanAlive, "definition": v.Definition})
				}
				return a.writeRows(format, []string{"SEGMENT", "OWNER", "LEVEL", "MEMBERS", "SEGMENT VALUE (" + string(run.Currency) + ")", "MEAN CLV", "MEAN P(ALIVE)"},
					rows, map[string]any{"run_id": run.ID, "currency": run.Currency, "segments": js})
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	cmd.Flags().Int64Var(&runID, "run", 0, "model run whose scores value the segments (default: the latest)")
	return cmd
}
