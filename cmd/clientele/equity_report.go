package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/store"
)

// reportFlags are the output flags every database report shares.
type reportFlags struct {
	format, out, plotFormat string
}

func (f *reportFlags) add(cmd *cobra.Command, charts string) {
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table, csv (the main table), json or html (with the charts inline)")
	cmd.Flags().StringVar(&f.out, "out", "", "directory to write the charts into ("+charts+")")
	cmd.Flags().StringVar(&f.plotFormat, "plot-format", "png", "chart format for --out: png or svg")
}

func (f *reportFlags) check() error {
	if err := checkFormat(f.format, "table", "csv", "json", "html"); err != nil {
		return err
	}
	return checkFormat(f.plotFormat, "png", "svg")
}

// documented is a report with a readable form.
type documented interface {
	Document() (*report.Document, error)
}

// writeReport writes r in the chosen format and, with --out, its charts;
// the paths of the charts go to standard error when standard output
// carries a machine format.
func (a *app) writeReport(f reportFlags, r documented) error {
	var d *report.Document
	if f.format != "json" || f.out != "" {
		var err error
		if d, err = r.Document(); err != nil {
			return fmt.Errorf("draw the report: %w", err)
		}
	}
	var err error
	switch f.format {
	case "json":
		err = writeJSON(a.stdout, r)
	case "csv":
		err = d.WriteCSV(a.stdout)
	case "html":
		err = d.WriteHTML(a.stdout)
	default:
		err = d.WriteText(a.stdout)
	}
	if err != nil || f.out == "" {
		return err
	}
	paths, err := d.SaveCharts(f.out, f.plotFormat)
	if err != nil {
		return err
	}
	w := a.stdout
	if f.format != "table" {
		w = a.stderr
	}
	for _, p := range paths {
		fmt.Fprintln(w, "wrote", p)
	}
	return nil
}

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
				name, v, ok := strings.Cut(c, "=")
				x, err := strconv.ParseFloat(v, 64)
				if !ok || name == "" || err != nil || x < 0 {
					return clientele.Errorf(clientele.EINVALID, "--competitor %q: want NAME=CUSTOMER_EQUITY", c)
				}
				market[name] = x
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
