package main

import (
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/store"
)

func newMigrationCmd(a *app) *cobra.Command {
	var f reportFlags
	var opt report.MigrationOptions
	var from, to string
	cmd := &cobra.Command{
		Use:   "migration --category CATEGORY [--period 182d] [--from DATE] [--to DATE]",
		Short: "Brand migration in a category: transition matrix, Markov projection, customers worth moving to a higher-margin brand",
		Long: `Each customer's main brand of the category (the one with most spend) in every
period, the brand-to-brand transition matrix between consecutive periods, its
Markov projection of the brands' shares, and the customers whose value rises
most if moved from their brand to the category's highest-margin brand
(discounted expected spend from the latest scoring × the category's share of
the customer's spend × the difference in margin rate), with the change in
customer equity per brand, per owner and for the whole portfolio if they all
moved. The window defaults to the two years before the last transaction and
holds whole periods only.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if opt.Period <= 0 {
				return clientele.Errorf(clientele.EINVALID, "--period must be positive")
			}
			var err error
			if opt.From, err = a.parseDate("from", from); err != nil {
				return err
			}
			if opt.To, err = a.parseDate("to", to); err != nil {
				return err
			}
			opt.Currency, opt.Location = clientele.Currency(a.currency), a.loc
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				r, err := report.Migration(ctx, db, opt)
				if err != nil {
					return err
				}
				return a.writeReport(f, r)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opt.Category, "category", "", "product category (required)")
	opt.Period = 182 * 24 * time.Hour
	fl.Var(period{&opt.Period}, "period", "length of a period: days (182d), weeks (26w) or a duration")
	fl.StringVar(&from, "from", "", "start of the window (default: two years before --to)")
	fl.StringVar(&to, "to", "", "last day of the window (default: the day of the last transaction)")
	fl.IntVar(&opt.Horizon, "horizon", 4, "periods to project")
	fl.IntVar(&opt.Top, "top", 20, "customers to list")
	f.add(cmd, "transitions, projection")
	return cmd
}
