package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/store"
)

// newNotesCmd is information sharing from the command line: items stored,
// read and rated as a named user (--as), counted in the sharing report
// like the API's.
func newNotesCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "notes", Short: "Information items on a customer or a segment: add, list, rate (information sharing)"}
	var as, customer, seg, kind, tags, reason, format string
	author := func(cmd *cobra.Command, db *store.DB) (*clientele.User, error) {
		if as == "" {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: give --as USER: items and their reads and ratings count for a person and a department", cmd.CommandPath())
		}
		u, err := db.UserByName(cmd.Context(), as)
		if err != nil {
			return nil, err
		}
		if u.Disabled {
			return nil, clientele.Errorf(clientele.EINVALID, "user %s is disabled", u.Name)
		}
		return u, nil
	}
	about := func(cmd *cobra.Command) error {
		if (customer == "") == (seg == "") {
			return clientele.Errorf(clientele.EINVALID, "%s: give --customer ID or --segment NAME", cmd.CommandPath())
		}
		return nil
	}
	add := &cobra.Command{
		Use:   "add (--customer ID | --segment NAME) --as USER [--kind call_note|insight|research] [--tags A,B] TEXT",
		Short: "Store an information item",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := about(cmd); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				u, err := author(cmd, db)
				if err != nil {
					return err
				}
				it := clientele.InfoItem{CustomerID: customer, Segment: seg, AuthorID: u.ID, Department: u.Department, Kind: kind, Text: args[0]}
				if tags != "" {
					it.Tags = strings.Split(tags, ",")
				}
				ctx := cmd.Context()
				if customer != "" {
					e := a.cliEntry(cmd.CommandPath(), clientele.AuditWrite, customer, reason)
					e.UserName += " as " + u.Name
					ctx = clientele.WithAudit(ctx, e)
				}
				var got *clientele.InfoItem
				err = db.Write(ctx, func(w *store.Writer) error {
					var err error
					got, err = w.CreateItem(ctx, it)
					return err
				})
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "item %d stored by %s (%s)\n", got.ID, u.Name, or(u.Department, "no department"))
				return nil
			})
		},
	}
	list := &cobra.Command{
		Use:   "list (--customer ID | --segment NAME) --as USER",
		Short: "List the items on a customer or a segment, newest first (recorded as the user's retrievals)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := about(cmd); err != nil {
				return err
			}
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ctx := cmd.Context()
				u, err := author(cmd, db)
				if err != nil {
					return err
				}
				items, err := db.Items(ctx, store.ItemFilter{CustomerID: customer, Segment: seg, Limit: 500})
				if err != nil {
					return err
				}
				if customer != "" {
					e := a.cliEntry(cmd.CommandPath(), clientele.AuditRead, customer, reason)
					e.UserName += " as " + u.Name
					if err := db.RecordReads(ctx, *e); err != nil {
						return err
					}
				}
				ids := make([]int64, len(items))
				for i := range items {
					ids[i] = items[i].ID
				}
				if err := db.Write(ctx, func(w *store.Writer) error { return w.RecordItemReads(ctx, u.ID, u.Department, time.Now(), ids) }); err != nil {
					return err
				}
				if format == "json" {
					out := []clientele.InfoItemJSON{}
					for i := range items {
						out = append(out, items[i].JSON(a.loc))
					}
					return writeJSON(a.stdout, out)
				}
				var rows [][]string
				for _, it := range items {
					rating := "-"
					if it.Ratings > 0 {
						rating = fmt.Sprintf("%.1f (%d)", it.MeanRating, it.Ratings)
					}
					rows = append(rows, []string{strconv.FormatInt(it.ID, 10), it.CreatedAt.In(a.loc).Format(time.DateOnly), it.Author, or(it.Department, "-"), it.Kind,
						it.Text, or(strings.Join(it.Tags, ","), "-"), strconv.Itoa(it.Reads), rating})
				}
				return writeTable(a.stdout, []string{"ID", "DATE", "AUTHOR", "DEPARTMENT", "KIND", "TEXT", "TAGS", "READS", "RATING"}, rows)
			})
		},
	}
	rate := &cobra.Command{
		Use:   "rate ITEM RATING --as USER",
		Short: "Rate an item 1 to 5 (one rating per user; rating again changes it)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "item %q: want a number", clientele.Excerpt(args[0]))
			}
			rating, err := strconv.Atoi(args[1])
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "rating %q: want a whole number from 1 to 5", clientele.Excerpt(args[1]))
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				u, err := author(cmd, db)
				if err != nil {
					return err
				}
				ctx := cmd.Context()
				if err := db.Write(ctx, func(w *store.Writer) error { return w.RateItem(ctx, id, u.ID, rating, time.Now()) }); err != nil {
					return err
				}
				it, err := db.Item(ctx, id)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "item %d: mean rating %.2f from %d colleagues\n", id, it.MeanRating, it.Ratings)
				return nil
			})
		},
	}
	for _, c := range []*cobra.Command{add, list, rate} {
		c.Flags().StringVar(&as, "as", "", "the user who stores, reads or rates (required)")
	}
	for _, c := range []*cobra.Command{add, list} {
		c.Flags().StringVar(&customer, "customer", "", "the customer the items are about")
		c.Flags().StringVar(&seg, "segment", "", "the segment the items are about")
		c.Flags().StringVar(&reason, "reason", "", "why (recorded in the audit log for a customer's items)")
	}
	add.Flags().StringVar(&kind, "kind", clientele.InfoInsight, "kind: "+strings.Join(clientele.InfoKinds, ", "))
	add.Flags().StringVar(&tags, "tags", "", "comma-separated tags")
	list.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.AddCommand(add, list, rate)
	return cmd
}

func newSharingReportCmd(a *app) *cobra.Command {
	var f reportFlags
	var from, to string
	cmd := &cobra.Command{
		Use:   "sharing [--from DATE] [--to DATE]",
		Short: "Information sharing: what each department and person stores and retrieves per week, who reads whose, how colleagues rate it",
		Long: `The information-sharing report (Rust, Moorman & Bhalla 2010): per department
and per person, the information items stored and retrieved in all and per
week; the department × department flow (the reader's department against the
author's); reuse and mean rating per item and per author. The period
defaults to the twelve weeks up to today. Charts: departments, flow.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			fromT, err := a.parseDate("from", from)
			if err != nil {
				return err
			}
			toT, err := a.parseDate("to", to)
			if err != nil {
				return err
			}
			if !toT.IsZero() {
				toT = toT.AddDate(0, 0, 1)
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				r, err := report.Sharing(cmd.Context(), db, fromT, toT)
				if err != nil {
					return err
				}
				return a.writeReport(f, r)
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "first day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "last day (YYYY-MM-DD; default today)")
	f.add(cmd, "departments, flow")
	return cmd
}
