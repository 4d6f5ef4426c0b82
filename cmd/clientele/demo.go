package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/ingest"
	"clientele/internal/report"
	"clientele/internal/rules"
	"clientele/internal/segment"
	"clientele/internal/simulate"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

// demoSegments gives the demo a Chief Customer Officer, two customer
// managers and the segments they own, computed as of the end of the
// simulated data.
func demoSegments(ctx context.Context, db *store.DB, cur clientele.Currency, asOf time.Time) error {
	for _, u := range []clientele.User{
		{Name: "admin", DisplayName: "Jisoo Han", Department: "IT", Role: "admin"},
		{Name: "hana", DisplayName: "Hana Kim", Department: "customer management", Role: "cco"},
		{Name: "yuna", DisplayName: "Yuna Park", Department: "customer management", Role: "customer_manager"},
		{Name: "minho", DisplayName: "Minho Lee", Department: "customer management", Role: "customer_manager"},
	} {
		if _, err := db.CreateUser(ctx, u, ""); err != nil {
			return err
		}
	}
	defs := []clientele.Segment{
		{Name: "retirees", Definition: "customer.age >= 65", Owner: "yuna"},
		{Name: "new-parents", Definition: `"baby" in activity.spend_by_category`, Owner: "yuna"},
		{Name: "affluent", Definition: `clv.value >= 2000.0 || account.tier == "platinum"`, Owner: "minho", Level: "key_account"},
	}
	for _, p := range segment.RFMPresets {
		defs = append(defs, clientele.Segment{Name: p.Name, Definition: p.Expr, Owner: "minho"})
	}
	for _, d := range defs {
		if _, err := db.CreateSegment(ctx, d); err != nil {
			return err
		}
	}
	ins, err := segment.Inputs(ctx, db, cur, 365*24*time.Hour, asOf)
	if err != nil {
		return err
	}
	_, err = segment.Refresh(ctx, db, ins, nil, asOf)
	return err
}

func newDemoCmd(a *app) *cobra.Command {
	var addr, dir string
	var customers int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Build a fresh demo database from simulated customers, fit and score them, and serve it",
		Long: `Create a fresh SQLite database in --dir, simulate --customers customers of a
multi-brand retailer, import them, fit BG/NBD with Gamma-Gamma spend, score
every customer's CLV, and serve the API on --addr, printing the address and
an API token. The global --db flag is ignored: the demo always
starts from a new database at DIR/clientele.db.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			start := time.Now()
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			dbPath := filepath.Join(dir, "clientele.db")
			for _, suffix := range []string{"", "-wal", "-shm", ".audit", ".audit-wal", ".audit-shm", ".audit-index", ".audit-index-wal", ".audit-index-shm"} {
				if err := os.Remove(dbPath + suffix); err != nil && !os.IsNotExist(err) {
					return fmt.Errorf("demo: remove the old database: %w", err)
				}
			}
			simDir := filepath.Join(dir, "simulated")
			if err := os.RemoveAll(simDir); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Simulating %d customers into %s …\n", customers, simDir)
			truth, err := simulate.Run(ctx, simulate.Config{Customers: customers, Seed: seed}, simDir, nil)
			if err != nil {
				return err
			}
			a.dsn = dbPath
			return a.withDB(ctx, func(db *store.DB) error {
				fmt.Fprintf(a.stdout, "Importing %d transactions into %s …\n", truth.Transactions, dbPath)
				sums, err := ingest.Dir(ctx, db, simDir, ingest.Options{Currency: clientele.Currency(a.currency), Location: a.loc})
				if err != nil {
					return err
				}
				for _, s := range sums {
					a.printSummary(s)
				}
				// The grocery market's brand-switching survey, for the
				// Brands page's share of customer equity and what-if.
				sv := truth.Survey
				st, err := saveSwitchingSurvey(ctx, db, filepath.Join(simDir, sv.Files["survey"]), filepath.Join(simDir, sv.Files["market"]), "grocery-survey")
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Stored the grocery market's brand-switching survey: %d respondents, %d brands\n", len(st.Respondents), len(st.Brands))
				// Fit BG/NBD with Gamma-Gamma spend on everything up to the last
				// simulated day, then score every customer over a year.
				// First a check of the model, for the dashboard's Models page:
				// fitted on all but the last 26 weeks, validated on them.
				fmt.Fprintln(a.stdout, "Validating BG/NBD on the last 26 weeks …")
				if _, err := valuation.Fit(ctx, db, valuation.FitOptions{Model: "bgnbd", Unit: "week", CalibrationEnd: truth.End.AddDate(0, 0, -1-26*7),
					HoldoutEnd: truth.End.AddDate(0, 0, -1), Location: a.loc, Currency: clientele.Currency(a.currency)}); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "Fitting BG/NBD and Gamma-Gamma, scoring customers …")
				res, err := valuation.Fit(ctx, db, valuation.FitOptions{Model: "bgnbd", Spend: "gammagamma", Unit: "week",
					CalibrationEnd: truth.End.AddDate(0, 0, -1), Location: a.loc, Currency: clientele.Currency(a.currency)})
				if err != nil {
					return err
				}
				if err := a.printFit(res, "table"); err != nil {
					return err
				}
				scored, err := valuation.Score(ctx, db, valuation.ScoreOptions{RunID: res.Run.ID, Horizon: 52, DiscountRate: 0.15})
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "Scored %d customers: customer equity %s over 52 weeks (%s), mean CLV %s, mean P(alive) %.3f\n",
					scored.Customers, scored.CustomerEquity.Text(), scored.Scoring.BasisText(), report.MoneyText(scored.MeanCLV, string(scored.CustomerEquity.Currency)), scored.MeanProbAlive)
				if err := demoSegments(ctx, db, clientele.Currency(a.currency), truth.End); err != nil {
					return err
				}
				if err := demoSharing(ctx, db, seed); err != nil {
					return err
				}
				// The article's playbook: the life-event triggers and their
				// offers, live for what is stored from now on.
				if e, ok := db.Engine().(*rules.Engine); ok {
					res, err := e.LoadPlaybook(ctx, rules.ArticlePlaybook, "demo")
					if err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "Loaded the article's playbook: %d offers, %d triggers\n", res.Offers, res.Triggers)
				}
				password, logins, err := demoLogins(ctx, db)
				if err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "Segments with their customer managers:")
				if vals, err := report.Segments(ctx, db, scored.RunID); err != nil {
					return err
				} else if err := a.writeReport(reportFlags{format: "table"}, vals); err != nil {
					return err
				}
				token, err := db.CreateUserToken(ctx, "demo", "hana") // the Chief Customer Officer
				if err != nil {
					return err
				}
				return a.serve(ctx, db, addr, func(bound string) {
					fmt.Fprintf(a.stdout, `
Clientele demo is ready (built in %.1fs).

  API:      http://%s/api/v1
  OpenAPI:  http://%s/api/v1/openapi.json
  Token:    %s (user hana, the Chief Customer Officer)
  Sign in:  http://%s/login as %s, password %s

Try:
  curl -H 'Authorization: Bearer %s' http://%s/api/v1/customers/C00000001/360
  curl -H 'Authorization: Bearer %s' http://%s/api/v1/reports/segments
  curl -H 'Authorization: Bearer %s' 'http://%s/api/v1/reports/migration?category=grocery'
  curl -H 'Authorization: Bearer %s' -o concentration.svg http://%s/api/v1/reports/equity/charts/concentration
  curl -H 'Authorization: Bearer %s' http://%s/api/v1/reports/sharing

Database: %s  (use it later with: clientele --db %s serve)
Press Ctrl-C to stop.
`, time.Since(start).Seconds(), bound, bound, token, bound, logins, password, token, bound, token, bound, token, bound, token, bound, token, bound, dbPath, dbPath)
				})
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", env("CLIENTELE_ADDR", "127.0.0.1:8080"), "address to listen on (CLIENTELE_ADDR)")
	cmd.Flags().StringVar(&dir, "dir", "clientele-demo", "directory for the demo database and the simulated files")
	cmd.Flags().IntVar(&customers, "customers", 20000, "number of simulated customers")
	cmd.Flags().Uint64Var(&seed, "seed", 1, "random seed of the simulation")
	return cmd
}
