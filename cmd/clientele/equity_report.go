package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"clientele/internal/report"
	"clientele/internal/store"
)

func newEquityReportCmd(a *app) *cobra.Command {
	var f reportFlags
	var competitors []string
	cmd := &cobra.Command{
		Use:   "equity [--competitor NAME=CE …]",
		Short: "Customer equity over the scoring runs, its concentration, and share of customer equity",
		Long: `Customer equity (Σ CLV of the scored customers) at every scoring run, the
share of it held by the top 1 %, 10 % and 20 % of customers in the latest run,
the distribution of CLV, and, given the competitors' customer equity
(--competitor NAME=CE, in the same currency; repeat for each), the firm's
share of the market's customer equity.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			market := map[string]float64{}
			for _, c := range competitors {
				name, ce, err := report.ParseCompetitor(c)
				if err != nil {
					return fmt.Errorf("--competitor: %w", err)
				}
				market[name] = ce
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				r, err := report.Equity(ctx, db, market, a.loc)
				if err != nil {
					return err
				}
				return a.writeReport(f, r)
			})
		},
	}
	f.add(cmd, "equity, concentration, distribution")
	cmd.Flags().StringArrayVar(&competitors, "competitor", nil, "a competitor's customer equity, NAME=CE (repeatable)")
	return cmd
}

func newSegmentsReportCmd(a *app) *cobra.Command {
	var f reportFlags
	var runID int64
	cmd := &cobra.Command{
		Use:   "segments [--run ID]",
		Short: "Segments with their owners, members, segment lifetime value, share of CE, mean CLV and P(alive)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				r, err := report.Segments(ctx, db, runID)
				if err != nil {
					return err
				}
				return a.writeReport(f, r)
			})
		},
	}
	f.add(cmd, "segments")
	cmd.Flags().Int64Var(&runID, "run", 0, "model run whose scores value the segments (default: the latest)")
	return cmd
}
