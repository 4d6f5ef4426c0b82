package main

import (
	"strings"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/store"
)

func newProfitabilityCmd(a *app) *cobra.Command {
	var f reportFlags
	var from, to, callCost, contactCost, contactTypes string
	var opt report.ProfitabilityOptions
	cmd := &cobra.Command{
		Use:   "profitability [--from DATE] [--to DATE]",
		Short: "Customer profitability (margin − cost to serve) beside product profitability and the CLV of each product's buyers",
		Long: `Customer profitability over a period — the margin of the customer's purchases
(returns included) minus the cost to serve (--call-cost per event of type
--call-type, --contact-cost per event of the --contact-types) — beside each
product's own margin and the mean CLV of the customers who bought it, so that
loss leaders that bring valuable customers show. The period defaults to the
year before the last transaction; CLV comes from the latest scoring.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			opt.Currency, opt.Location = clientele.Currency(a.currency), a.loc
			scale, _ := opt.Currency.Scale()
			var err error
			if opt.CallCost, err = clientele.ParseCost(callCost, scale); err != nil {
				return clientele.Errorf(clientele.EINVALID, "--call-cost: %w", err)
			}
			if opt.ContactCost, err = clientele.ParseCost(contactCost, scale); err != nil {
				return clientele.Errorf(clientele.EINVALID, "--contact-cost: %w", err)
			}
			if opt.From, err = a.parseDate("from", from); err != nil {
				return err
			}
			if opt.To, err = a.parseDate("to", to); err != nil {
				return err
			}
			for _, t := range strings.Split(contactTypes, ",") {
				if t = strings.TrimSpace(t); t != "" {
					opt.ContactTypes = append(opt.ContactTypes, t)
				}
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				r, err := report.Profitability(ctx, db, opt)
				if err != nil {
					return err
				}
				return a.writeReport(f, r)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&from, "from", "", "first day of the period (default: a year before --to)")
	fl.StringVar(&to, "to", "", "last day of the period (default: the day of the last transaction)")
	fl.StringVar(&callCost, "call-cost", "0", "cost of one call to the call centre")
	fl.StringVar(&contactCost, "contact-cost", "0", "cost of one other contact (mailing, offer)")
	fl.StringVar(&opt.CallType, "call-type", "service_call", "event type of a call")
	fl.StringVar(&contactTypes, "contact-types", "mailing,offer_sent,contact", "event types of other contacts, comma-separated")
	fl.IntVar(&opt.Top, "top", 10, "how many most and least profitable customers to list")
	f.add(cmd, "products")
	return cmd
}
