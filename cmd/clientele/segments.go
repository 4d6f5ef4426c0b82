package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/segment"
	"clientele/internal/store"
)

func newSegmentsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "segments",
		Short: "Segments of customers defined by expressions, with owners and membership",
		Long: `Segments are defined by CEL expressions over each customer's variables:

` + segment.Variables + `

for example  customer.age >= 65,  clv.value >= 2000.0 || account.tier == "platinum",
"baby" in activity.spend_by_category,  rfm.r >= 4 && rfm.f >= 4.
A definition is type-checked when the segment is created; membership is
computed for every customer (and recomputed by 'segments refresh'), and each
join and leave is kept in the customer's history.`,
	}
	var name, expr, owner, level, preset string
	var window time.Duration
	var asOf string
	var refreshNow bool
	create := &cobra.Command{
		Use:   "create --name NAME --expr EXPR [--owner USER] | create --preset rfm",
		Short: "Create a segment (its definition is checked first) and compute its members",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			var defs []clientele.Segment
			switch {
			case preset == "rfm":
				for _, p := range segment.RFMPresets {
					defs = append(defs, clientele.Segment{Name: p.Name, Definition: p.Expr, Owner: owner, Level: level})
				}
			case preset != "":
				return clientele.Errorf(clientele.EINVALID, "--preset %q: the only preset is rfm", preset)
			case name == "" || expr == "":
				return clientele.Errorf(clientele.EINVALID, "give --name and --expr (or --preset rfm)")
			default:
				defs = []clientele.Segment{{Name: name, Definition: expr, Owner: owner, Level: level}}
			}
			for _, d := range defs {
				if _, err := segment.Compile(d.Definition); err != nil {
					return err
				}
			}
			return a.withDB(ctx, func(db *store.DB) error {
				var names []string
				for _, d := range defs {
					s, err := db.CreateSegment(ctx, d)
					if err != nil {
						return err
					}
					names = append(names, s.Name)
					fmt.Fprintf(a.stdout, "segment %d: %s = %s\n", s.ID, s.Name, s.Definition)
				}
				if !refreshNow {
					return nil
				}
				return a.refreshSegments(cmd, db, names, window, asOf)
			})
		},
	}
	create.Flags().StringVar(&name, "name", "", "segment name")
	create.Flags().StringVar(&expr, "expr", "", "definition: a CEL expression that is true for members")
	create.Flags().StringVar(&owner, "owner", "", "owning user (a customer manager)")
	create.Flags().StringVar(&level, "level", "customer_group", "customer_group or key_account")
	create.Flags().StringVar(&preset, "preset", "", "create ready-made segments: rfm")
	create.Flags().BoolVar(&refreshNow, "refresh", true, "compute the members now")
	window = 365 * 24 * time.Hour
	create.Flags().Var(period{&window}, "window", "window of activity.spend_by_category and spend_by_brand: days (365d), weeks or a duration")
	create.Flags().StringVar(&asOf, "as-of", "", "compute the members as of this day: ages, recency and the window end there (default: the day of the last transaction)")

	list := &cobra.Command{
		Use:   "list",
		Short: "List segments with owners and member counts",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				segs, err := db.Segments(cmd.Context())
				if err != nil {
					return err
				}
				var rows [][]string
				for _, s := range segs {
					computed := "never"
					if !s.ComputedAt.IsZero() {
						computed = s.ComputedAt.In(a.loc).Format(time.DateTime)
					}
					rows = append(rows, []string{s.Name, strconv.FormatInt(s.Members, 10), or(s.Owner, "-"), s.Level, computed, s.Definition})
				}
				return writeTable(a.stdout, []string{"SEGMENT", "MEMBERS", "OWNER", "LEVEL", "COMPUTED", "DEFINITION"}, rows)
			})
		},
	}
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a segment",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				s, err := db.SegmentByName(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return writeTable(a.stdout, []string{"FIELD", "VALUE"}, [][]string{
					{"name", s.Name}, {"definition", s.Definition}, {"owner", or(s.Owner, "-")}, {"level", s.Level},
					{"members", strconv.FormatInt(s.Members, 10)}, {"created", s.CreatedAt.In(a.loc).Format(time.DateTime)},
				})
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Delete a segment with its members and history",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				return db.DeleteSegment(cmd.Context(), args[0])
			})
		},
	}
	var limit int
	var after string
	members := &cobra.Command{
		Use:   "members NAME",
		Short: "List a segment's members (customer ids)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				s, err := db.SegmentByName(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				ids, err := db.SegmentMembers(cmd.Context(), s.ID, after, limit)
				if err != nil {
					return err
				}
				e := a.cliEntry(cmd.CommandPath(), clientele.AuditRead, "", "")
				e.Subject = "segment " + s.Name
				if err := db.RecordReads(cmd.Context(), *e); err != nil {
					return err
				}
				for _, id := range ids {
					fmt.Fprintln(a.stdout, id)
				}
				return nil
			})
		},
	}
	members.Flags().IntVar(&limit, "limit", 100, "at most this many")
	members.Flags().StringVar(&after, "after", "", "start after this customer id")
	refresh := &cobra.Command{
		Use:   "refresh [NAME…]",
		Short: "Recompute the membership of segments (all by default)",
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				return a.refreshSegments(cmd, db, args, window, asOf)
			})
		},
	}
	window = 365 * 24 * time.Hour
	refresh.Flags().Var(period{&window}, "window", "window of activity.spend_by_category and spend_by_brand: days (365d), weeks or a duration")
	refresh.Flags().StringVar(&asOf, "as-of", "", "compute the members as of this day: ages, recency and the window end there (default: the day of the last transaction)")
	var checkAsOf string
	check := &cobra.Command{
		Use:   "check [NAME…]",
		Short: "Compare the membership kept up to date fact by fact with a full computation, changing nothing",
		Long: `Compute the membership of segments (all by default) in full, as refresh does, with
the currency, window and RFM cut points of the last refresh, and compare it with the
stored membership, which every stored transaction keeps up to date. Nothing is
changed. The command fails when a segment differs: 'clientele segments refresh'
repairs it. A definition over the clock (ages, days since the last purchase, the
window's spend) drifts between refreshes; the check says by how much.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				return a.checkSegments(cmd, db, args, checkAsOf)
			})
		},
	}
	check.Flags().StringVar(&checkAsOf, "as-of", "", "compute the members as of this day (default: the day of the last transaction)")
	cmd.AddCommand(create, list, show, del, members, refresh, check)
	return cmd
}

func (a *app) checkSegments(cmd *cobra.Command, db *store.DB, names []string, asOf string) error {
	ctx := cmd.Context()
	now, how, err := a.asOf(ctx, db, asOf)
	if err != nil {
		return err
	}
	basis, err := segment.StoredBasis(ctx, db)
	if err != nil {
		return err
	}
	cur, window := clientele.Currency(a.currency), 365*24*time.Hour
	if basis != nil {
		cur, window = basis.Currency, basis.Window
	}
	done := a.busy("loading the customers' variables")
	ins, err := segment.Inputs(ctx, db, cur, window, now)
	done()
	if err != nil {
		return err
	}
	res, err := segment.Check(ctx, db, ins, names)
	if err != nil {
		return err
	}
	var rows [][]string
	differ := 0
	for _, r := range res {
		rows = append(rows, []string{r.Segment, strconv.Itoa(r.Members), strconv.Itoa(r.Joined), strconv.Itoa(r.Left), strconv.Itoa(r.Errors)})
		if r.Joined+r.Left > 0 {
			differ++
		}
	}
	if err := writeTable(a.stdout, []string{"SEGMENT", "MEMBERS", "WOULD JOIN", "WOULD LEAVE", "ERRORS"}, rows); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%d customers evaluated as of %s (%s)\n", len(ins), now.Add(-time.Nanosecond).In(a.loc).Format(time.DateOnly), how)
	if differ > 0 {
		return fmt.Errorf("the stored membership of %d of %d segments differs from a full computation; 'clientele segments refresh' repairs it", differ, len(res))
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func (a *app) refreshSegments(cmd *cobra.Command, db *store.DB, names []string, window time.Duration, asOf string) error {
	ctx := cmd.Context()
	start := time.Now()
	now, how, err := a.asOf(ctx, db, asOf)
	if err != nil {
		return err
	}
	done := a.busy("loading the customers' variables")
	ins, err := segment.Inputs(ctx, db, clientele.Currency(a.currency), window, now)
	done()
	if err != nil {
		return err
	}
	loaded := time.Since(start)
	done = a.busy(fmt.Sprintf("evaluating %d customers", len(ins)))
	res, err := segment.Refresh(ctx, db, ins, names, now)
	done()
	if err != nil {
		return err
	}
	var rows [][]string
	for _, r := range res {
		row := []string{r.Segment, strconv.Itoa(r.Members), strconv.Itoa(r.Joined), strconv.Itoa(r.Left), strconv.Itoa(r.Errors)}
		rows = append(rows, row)
	}
	if err := writeTable(a.stdout, []string{"SEGMENT", "MEMBERS", "JOINED", "LEFT", "ERRORS"}, rows); err != nil {
		return err
	}
	for _, r := range res {
		if r.Example != "" {
			fmt.Fprintf(a.stdout, "%s: evaluation failed for %d customers (counted as not members), e.g. %s\n", r.Segment, r.Errors, r.Example)
		}
	}
	fmt.Fprintf(a.stdout, "%d customers evaluated as of %s (%s) in %.1fs (%.1fs to load their variables)\n",
		len(ins), now.Add(-time.Nanosecond).In(a.loc).Format(time.DateOnly), how, time.Since(start).Seconds(), loaded.Seconds())
	return nil
}

// asOf is the one rule for "as of" of segments and reports: the end of the
// day given, or else the end of the day of the data's last transaction
// (the wall clock only for a database without any), so that a segment over
// historical data is not empty for want of --as-of. how says which.
func (a *app) asOf(ctx context.Context, db *store.DB, given string) (end time.Time, how string, err error) {
	if given != "" {
		day, err := a.parseDate("as-of", given)
		if err != nil {
			return time.Time{}, "", err
		}
		y, m, d := day.Date()
		return time.Date(y, m, d+1, 0, 0, 0, 0, a.loc), "given with --as-of", nil
	}
	last, err := db.LastTransaction(ctx)
	if err != nil {
		return time.Time{}, "", err
	}
	if last.IsZero() {
		return time.Now(), "now: there are no transactions", nil
	}
	y, m, d := last.In(a.loc).Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, a.loc), "the day of the last transaction", nil
}
