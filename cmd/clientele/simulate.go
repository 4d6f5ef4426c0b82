package main

import (
	"fmt"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"clientele/internal/simulate"
)

func newSimulateCmd(a *app) *cobra.Command {
	var cfg simulate.Config
	var out string
	cmd := &cobra.Command{
		Use:   "simulate --customers N --seed S --out DIR",
		Short: "Write synthetic data of a multi-brand retailer and card issuer, with the ground truth in DIR/truth.json",
		Long: `Write deterministic synthetic data: customers, households, cards (classic,
gold, platinum, with supplementary cards), products in categories and brands
(some loss leaders), transactions with lines, events, and life events that
show in the data (a new baby, moving home, marriage, graduation,
business-class tickets on gold cards, retirement). Purchases follow a BG/NBD
or Pareto/NBD process and spend the Gamma-Gamma model; the parameters and each
customer's latent values are written beside the data. Import the directory
with 'clientele import DIR'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var progress func(int)
			if isTerminal(a.stderr) {
				bar := progressbar.NewOptions(cfg.Customers, progressbar.OptionSetWriter(a.stderr),
					progressbar.OptionSetDescription("simulating customers"), progressbar.OptionShowCount(),
					progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
				progress = func(n int) { bar.Set(n) }
				defer bar.Finish()
			}
			truth, err := simulate.Run(cmd.Context(), cfg, out, progress)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %d customers, %d transactions (%d lines), %d events; truth in %s/truth.json\n",
				out, truth.Customers, truth.Transactions, truth.Lines, truth.Events, out)
			return nil
		},
	}
	cmd.Flags().IntVar(&cfg.Customers, "customers", 10000, "number of customers")
	cmd.Flags().Uint64Var(&cfg.Seed, "seed", 1, "random seed: the same seed writes the same files")
	cmd.Flags().StringVar(&out, "out", "simulated", "output directory")
	cmd.Flags().StringVar(&cfg.Model, "model", "bgnbd", "purchase process: bgnbd or paretonbd")
	return cmd
}
