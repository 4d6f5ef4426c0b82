package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

func newMigrationCmd(a *app) *cobra.Command {
	var opt valuation.MigrationOptions
	var from, to, format string
	cmd := &cobra.Command{
		Use:   "migration --category CATEGORY [--period 4368h] [--from DATE] [--to DATE]",
		Short: "Brand migration in a category: transition matrix, Markov projection, customers worth moving to a higher-margin brand",
		Long: `Each customer's main brand of the category (the one with most spend) in every
period, the brand-to-brand transition matrix between consecutive periods, its
Markov projection of the brands' shares, and the customers whose value rises
most if moved from their brand to the category's highest-margin brand
(discounted expected spend from the latest scoring × the category's share of
the customer's spend × the difference in margin rate), with the change in
customer equity per brand, per owner and for the whole portfolio if they all
moved. The window defaults to the two years before the last transaction.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			ctx := cmd.Context()
			return a.withDB(ctx, func(db *store.DB) error {
				var err error
				if opt.Start, err = a.parseDate("from", from); err != nil {
					return err
				}
				if opt.End, err = a.parseDate("to", to); err != nil {
					return err
				}
				if opt.End.IsZero() {
					st, err := db.Stats(ctx)
					if err != nil {
						return err
					}
					if st.Last.IsZero() {
						return clientele.Errorf(clientele.ENOTFOUND, "no transactions")
					}
					opt.End = st.Last.Truncate(24 * time.Hour)
				}
				opt.End = opt.End.AddDate(0, 0, 1)
				if opt.Start.IsZero() {
					opt.Start = opt.End.AddDate(-2, 0, 0)
				}
				// Whole periods only, the last ending at the window's end: a
				// partial last period would hide most customers' current brand.
				if opt.Period <= 0 {
					return clientele.Errorf(clientele.EINVALID, "--period must be positive")
				}
				n := int64(opt.End.Sub(opt.Start) / opt.Period)
				if n < 2 {
					return clientele.Errorf(clientele.EINVALID, "the window holds %d whole periods of %s; migration needs two", n, opt.Period)
				}
				opt.Start = opt.End.Add(-time.Duration(n) * opt.Period)
				opt.Currency = clientele.Currency(a.currency)
				m, err := valuation.BrandMigration(ctx, db, opt)
				if err != nil {
					return err
				}
				scale, _ := opt.Currency.Scale()
				div := math.Pow10(scale)
				if format == "json" {
					recs := []map[string]any{}
					for _, r := range m.Recommended {
						recs = append(recs, map[string]any{"customer_id": r.CustomerID, "from": r.From, "to": r.To, "gain": r.Gain / div})
					}
					var brands []map[string]any
					for i, b := range m.Brands {
						brands = append(brands, map[string]any{"brand": b.Brand, "owner": b.Owner, "margin_rate": b.MarginRate, "spend": float64(b.Spend) / div,
							"customers": b.Customers, "share": m.Current[i], "delta_ce": m.BrandDeltaCE[b.Brand] / div})
					}
					owners := map[string]float64{}
					for o, v := range m.OwnerDeltaCE {
						owners[o] = v / div
					}
					return writeJSON(a.stdout, map[string]any{"category": m.Category, "periods": m.Periods, "run_id": m.RunID, "brands": brands,
						"transition_counts": m.Counts, "transition_matrix": m.Matrix, "projection": m.Projection, "recommendations": recs,
						"owner_delta_ce": owners, "portfolio_delta_ce": m.PortfolioDelta / div, "currency": opt.Currency})
				}
				fmt.Fprintf(a.stdout, "category %s: %d periods of %.0f days from %s; scores of run %d\n\n", m.Category, m.Periods, opt.Period.Hours()/24,
					opt.Start.Format(time.DateOnly), m.RunID)
				var rows [][]string
				for i, b := range m.Brands {
					rows = append(rows, []string{b.Brand, or(b.Owner, "-"), fmt.Sprintf("%.1f %%", 100*b.MarginRate), strconv.Itoa(b.Customers),
						fmt.Sprintf("%.1f %%", 100*m.Current[i]), fmt.Sprintf("%.1f %%", 100*m.Projection[len(m.Projection)-1][i]),
						fmt.Sprintf("%.2f", m.BrandDeltaCE[b.Brand]/div)})
				}
				head := []string{"BRAND", "OWNER", "MARGIN", "CUSTOMERS", "SHARE NOW", fmt.Sprintf("SHARE IN %d PERIODS", len(m.Projection)), "ΔCE IF MOVED"}
				if err := writeTable(a.stdout, head, rows); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "\ntransition matrix (row: main brand in a period; column: in the next)")
				mh := append([]string{"FROM \\ TO"}, brandNames(m)...)
				var mrows [][]string
				for i, row := range m.Matrix {
					r := []string{m.Brands[i].Brand}
					for _, p := range row {
						r = append(r, fmt.Sprintf("%.3f", p))
					}
					mrows = append(mrows, r)
				}
				if err := writeTable(a.stdout, mh, mrows); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "\ncustomers worth moving (portfolio ΔCE if all moved: %.2f %s)\n", m.PortfolioDelta/div, opt.Currency)
				var rrows [][]string
				for _, r := range m.Recommended {
					rrows = append(rrows, []string{r.CustomerID, r.From, r.To, fmt.Sprintf("%.2f", r.Gain/div)})
				}
				return writeTable(a.stdout, []string{"CUSTOMER", "FROM", "TO", "GAIN"}, rrows)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&opt.Category, "category", "", "product category (required)")
	f.DurationVar(&opt.Period, "period", 26*7*24*time.Hour, "length of a period")
	f.StringVar(&from, "from", "", "start of the first period (default: two years before --to)")
	f.StringVar(&to, "to", "", "last day of the window (default: the day of the last transaction)")
	f.IntVar(&opt.Horizon, "horizon", 4, "periods to project")
	f.IntVar(&opt.Top, "top", 20, "customers to list")
	f.StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

func brandNames(m *valuation.Migration) []string {
	var out []string
	for _, b := range m.Brands {
		out = append(out, b.Brand)
	}
	return slices.Clip(out)
}
