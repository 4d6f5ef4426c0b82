package main

import (
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
)

func newStatsCmd(a *app) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Count customers, transactions and revenue in the database",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				s, err := db.Stats(cmd.Context())
				if err != nil {
					return err
				}
				cur := clientele.Currency(a.currency)
				scale, _ := cur.Scale()
				// revenue is in the configured currency; other currencies are
				// listed apart, never added to it.
				var others []string
				for c := range s.Revenue {
					if c != cur {
						others = append(others, string(c))
					}
				}
				sort.Strings(others)
				ts := func(t time.Time) any {
					if t.IsZero() {
						return nil
					}
					return t.In(a.loc).Format(time.RFC3339)
				}
				if format == "json" {
					out := map[string]any{
						"customers": s.Customers, "transactions": s.Transactions, "events": s.Events,
						"revenue": json.Number(clientele.FormatAmount(s.Revenue[cur], scale)), "currency": cur,
						"first": ts(s.First), "last": ts(s.Last),
					}
					if len(others) > 0 {
						by := map[string]json.Number{}
						for _, c := range others {
							sc, _ := clientele.Currency(c).Scale()
							by[c] = json.Number(clientele.FormatAmount(s.Revenue[clientele.Currency(c)], sc))
						}
						out["revenue_other_currencies"] = by
					}
					return writeJSON(a.stdout, out)
				}
				str := func(v any) string {
					if v == nil {
						return "-"
					}
					return v.(string)
				}
				rows := [][]string{
					{"customers", strconv.FormatInt(s.Customers, 10)},
					{"transactions", strconv.FormatInt(s.Transactions, 10)},
					{"events", strconv.FormatInt(s.Events, 10)},
					{"revenue", clientele.Money{Minor: s.Revenue[cur], Currency: cur}.Text()},
				}
				for _, c := range others {
					rows = append(rows, []string{"revenue", clientele.Money{Minor: s.Revenue[clientele.Currency(c)], Currency: clientele.Currency(c)}.Text()})
				}
				rows = append(rows, []string{"first", str(ts(s.First))}, []string{"last", str(ts(s.Last))})
				return writeTable(a.stdout, []string{"STAT", "VALUE"}, rows)
			})
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}
