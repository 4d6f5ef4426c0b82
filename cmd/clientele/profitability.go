package main

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
)

func newProfitabilityCmd(a *app) *cobra.Command {
	var from, to, callCost, contactCost, callType, contactTypes, format string
	var top int
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
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			cur := clientele.Currency(a.currency)
			scale, _ := cur.Scale()
			cc, err := clientele.ParseAmount(callCost, scale)
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "--call-cost: %v", err)
			}
			kc, err := clientele.ParseAmount(contactCost, scale)
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "--contact-cost: %v", err)
			}
			return a.withDB(ctx, func(db *store.DB) error {
				fromT, err := a.parseDate("from", from)
				if err != nil {
					return err
				}
				toT, err := a.parseDate("to", to)
				if err != nil {
					return err
				}
				if toT.IsZero() {
					st, err := db.Stats(ctx)
					if err != nil {
						return err
					}
					if st.Last.IsZero() {
						return clientele.Errorf(clientele.ENOTFOUND, "no transactions")
					}
					toT = st.Last.Truncate(24*time.Hour).AddDate(0, 0, 1)
				} else {
					toT = toT.AddDate(0, 0, 1) // --to is inclusive
				}
				if fromT.IsZero() {
					fromT = toT.AddDate(-1, 0, 0)
				}
				var runID int64
				if run, err := db.Run(ctx, 0); err == nil {
					runID = run.ID
				}
				var types []string
				for _, t := range strings.Split(contactTypes, ",") {
					if t = strings.TrimSpace(t); t != "" {
						types = append(types, t)
					}
				}
				products, err := db.ProductProfits(ctx, fromT, toT, cur, runID)
				if err != nil {
					return err
				}
				customers, err := db.CustomerProfits(ctx, fromT, toT, cur, runID, callType, types, cc, kc)
				if err != nil {
					return err
				}
				money := func(v int64) string { return clientele.FormatAmount(v, scale) }
				slices.SortFunc(products, func(x, y store.ProductProfit) int { return cmp.Compare(y.BuyersMeanCLV, x.BuyersMeanCLV) })
				slices.SortFunc(customers, func(x, y store.CustomerProfit) int { return cmp.Compare(y.Profit, x.Profit) })
				var margin, cost, profit int64
				unprofitable := 0
				for _, c := range customers {
					margin += c.Margin
					cost += c.CostToServe
					profit += c.Profit
					if c.Profit < 0 {
						unprofitable++
					}
				}
				if format == "json" {
					return writeJSON(a.stdout, map[string]any{"from": fromT.Format(time.DateOnly), "to": toT.AddDate(0, 0, -1).Format(time.DateOnly),
						"currency": cur, "customers": len(customers), "margin": money(margin), "cost_to_serve": money(cost), "profit": money(profit),
						"unprofitable_customers": unprofitable, "products": products, "most_profitable": customers[:min(top, len(customers))],
						"least_profitable": customers[max(0, len(customers)-top):]})
				}
				var rows [][]string
				for _, p := range products {
					flag := ""
					if p.Margin < 0 {
						flag = "loss leader"
					}
					rows = append(rows, []string{p.SKU, p.Name, p.Brand, strconv.FormatInt(p.Buyers, 10), money(p.Revenue), money(p.Margin),
						money(int64(p.BuyersMeanCLV)), flag})
				}
				header := []string{"SKU", "PRODUCT", "BRAND", "BUYERS", "REVENUE", "MARGIN", "BUYERS' MEAN CLV", ""}
				if format == "csv" {
					return a.writeRows("csv", header, rows, nil)
				}
				fmt.Fprintf(a.stdout, "%s to %s, %s: %d customers, margin %s − cost to serve %s = profit %s; %d customers (%.1f %%) unprofitable\n\n",
					fromT.Format(time.DateOnly), toT.AddDate(0, 0, -1).Format(time.DateOnly), cur, len(customers), money(margin), money(cost), money(profit),
					unprofitable, 100*float64(unprofitable)/float64(max(len(customers), 1)))
				if err := writeTable(a.stdout, header, rows); err != nil {
					return err
				}
				crow := func(c store.CustomerProfit) []string {
					return []string{c.CustomerID, money(c.Margin), money(c.CostToServe), money(c.Profit), strconv.FormatInt(c.Returns, 10), money(c.CLV)}
				}
				var best, worst [][]string
				for _, c := range customers[:min(top, len(customers))] {
					best = append(best, crow(c))
				}
				for _, c := range customers[max(0, len(customers)-top):] {
					worst = append(worst, crow(c))
				}
				ch := []string{"CUSTOMER", "MARGIN", "COST TO SERVE", "PROFIT", "RETURNS", "CLV"}
				fmt.Fprintf(a.stdout, "\nmost profitable customers\n")
				if err := writeTable(a.stdout, ch, best); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "\nleast profitable customers\n")
				return writeTable(a.stdout, ch, worst)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&from, "from", "", "first day of the period (default: a year before --to)")
	f.StringVar(&to, "to", "", "last day of the period (default: the day of the last transaction)")
	f.StringVar(&callCost, "call-cost", "0", "cost of one call to the call centre")
	f.StringVar(&contactCost, "contact-cost", "0", "cost of one other contact (mailing, offer)")
	f.StringVar(&callType, "call-type", "service_call", "event type of a call")
	f.StringVar(&contactTypes, "contact-types", "mailing,offer_sent,contact", "event types of other contacts, comma-separated")
	f.IntVar(&top, "top", 10, "how many most and least profitable customers to list")
	f.StringVar(&format, "format", "table", "output format: table, csv (products) or json")
	return cmd
}
