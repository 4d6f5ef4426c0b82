package main

import (
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
)

// cliEntry is the audit entry of a command that reads or changes customer
// data: the command line acts as an administrator, named by the operating
// system's user.
func (a *app) cliEntry(command, action, customerID, reason string) *clientele.AuditEntry {
	name := "cli"
	if u, err := user.Current(); err == nil {
		name = "cli:" + u.Username
	}
	return &clientele.AuditEntry{UserName: name, Role: "admin", Department: "IT", Action: action, CustomerID: customerID, Route: command, Reason: reason}
}

func newCustomersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "customers", Short: "One customer: show, export everything held, erase on request (every use is audited)"}
	var reason, format string
	show := &cobra.Command{
		Use:   "show ID [--reason R]",
		Short: "Show a customer's profile, identities, consent and latest score",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "text", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ctx := cmd.Context()
				v, err := db.Customer360(ctx, args[0], 5)
				if err != nil {
					return err
				}
				consents, err := db.Consents(ctx, args[0])
				if err != nil {
					return err
				}
				// Recorded before anything is shown.
				if err := db.RecordReads(ctx, *a.cliEntry(cmd.CommandPath(), clientele.AuditRead, args[0], reason)); err != nil {
					return err
				}
				if format == "json" {
					cs := []clientele.ConsentJSON{}
					for i := range consents {
						cs = append(cs, consents[i].JSON(a.loc))
					}
					ids := []clientele.IdentityJSON{}
					for _, i := range v.Identities {
						ids = append(ids, clientele.IdentityJSON{Kind: i.Kind, Value: i.Value})
					}
					return writeJSON(a.stdout, map[string]any{"customer": v.Customer.JSON(a.loc), "identities": ids, "segments": v.Segments, "consent": cs})
				}
				c := v.Customer
				w := a.stdout
				fmt.Fprintf(w, "customer %s\n", c.ID)
				for _, f := range [][2]string{{"name", c.Name}, {"e-mail", c.Email}, {"phone", c.Phone}, {"city", c.City}, {"birth date", c.BirthDate}} {
					if f[1] != "" {
						fmt.Fprintf(w, "  %-12s %s\n", f[0], f[1])
					}
				}
				for _, i := range v.Identities {
					fmt.Fprintf(w, "  %-12s %s\n", i.Kind, i.Value)
				}
				fmt.Fprintf(w, "  %-12s %d (first %s, last %s)\n", "purchases", v.Totals.Transactions, day(v.Totals.First, a.loc), day(v.Totals.Last, a.loc))
				if v.Score != nil {
					fmt.Fprintf(w, "  %-12s P(alive) %.2f, expected purchases %.2f (run %d)\n", "score", v.Score.ProbAlive, v.Score.ExpectedPurchases, v.ScoreRun)
				}
				if len(v.Segments) > 0 {
					fmt.Fprintf(w, "  %-12s %s\n", "segments", strings.Join(v.Segments, ", "))
				}
				for _, p := range clientele.Purposes {
					status := "not asked"
					if i := slices.IndexFunc(consents, func(c clientele.Consent) bool { return c.Purpose == p }); i >= 0 {
						status = consents[i].Status + " " + day(consents[i].At, a.loc) + " (" + or(consents[i].Source, "-") + ")"
					}
					fmt.Fprintf(w, "  %-12s %s: %s\n", "consent", p, status)
				}
				return nil
			})
		},
	}
	show.Flags().StringVar(&reason, "reason", "", "why you look (recorded in the audit log)")
	show.Flags().StringVar(&format, "format", "text", "output format: text or json")

	var out string
	export := &cobra.Command{
		Use:   "export ID [--out FILE]",
		Short: "Everything held about a customer, every table's rows and the audit log's entries about it, as one JSON document",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ctx := cmd.Context()
				doc, err := db.ExportCustomer(ctx, args[0])
				if err != nil {
					return err
				}
				if err := db.RecordReads(ctx, *a.cliEntry(cmd.CommandPath(), clientele.AuditExport, args[0], reason)); err != nil {
					return err
				}
				v := map[string]any{"customer_id": args[0], "exported_at": clientele.TimeJSON(time.Now(), a.loc), "tables": doc}
				if out == "" || out == "-" {
					return writeJSON(a.stdout, v)
				}
				return a.writeAtomically(out, func(w io.Writer) error { return writeJSON(w, v) })
			})
		},
	}
	export.Flags().StringVar(&out, "out", "", "write to FILE instead of standard output")
	export.Flags().StringVar(&reason, "reason", "", "the request's reference (recorded in the audit log)")

	erase := &cobra.Command{
		Use:   "erase ID --reason R",
		Short: "Erase a customer on request: profile, identities, accounts, events, notes, consent, scores, memberships",
		Long: `Erase a customer on request, in one transaction: the profile, identities,
accounts, events, consent, scores, segment memberships and their history,
and merges are deleted; the transactions stay, for the financial records,
under a new random id that leads to no one. Keyed hashes of the id and the
identities go on a suppression list, so that an import of the same person
later is reported, not stored. On SQLite the deleted rows are overwritten
and the write-ahead log truncated. The audit log records the erasure
without personal data.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return clientele.Errorf(clientele.EINVALID, "customers erase: give --reason (the request's reference)")
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ctx := clientele.WithAudit(cmd.Context(), a.cliEntry(cmd.CommandPath(), clientele.AuditErase, args[0], reason))
				er, err := db.EraseCustomer(ctx, args[0])
				if err != nil {
					return err
				}
				var parts []string
				for _, t := range slices.Sorted(func(yield func(string) bool) {
					for t := range er.Deleted {
						if !yield(t) {
							return
						}
					}
				}) {
					parts = append(parts, t+" "+strconv.FormatInt(er.Deleted[t], 10))
				}
				fmt.Fprintf(a.stdout, "erased customer %s: deleted %s; %d transactions kept as %s; %d ids and identities suppressed\n",
					er.CustomerID, strings.Join(parts, ", "), er.Kept, er.KeptAs, er.Suppressed)
				switch {
				case db.Dialect() == store.Postgres:
					fmt.Fprintln(a.stdout, "  PostgreSQL keeps the deleted rows as dead tuples until VACUUM reclaims them (docs/operations.md, erasure)")
				case !er.Overwritten:
					fmt.Fprintln(a.stdout, "  readers kept the write-ahead log from being truncated: the erased pages leave it at the next checkpoint")
				}
				return nil
			})
		},
	}
	erase.Flags().StringVar(&reason, "reason", "", "the request's reference (required; recorded in the audit log)")
	cmd.AddCommand(show, export, erase, newConsentCmd(a))
	return cmd
}

func day(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "-"
	}
	return t.In(loc).Format(time.DateOnly)
}

func newConsentCmd(a *app) *cobra.Command {
	var source, at string
	cmd := &cobra.Command{
		Use:   "consent ID PURPOSE STATUS [--source S] [--at TIME]",
		Short: "Record a customer's consent (purposes: " + strings.Join(clientele.Purposes, ", ") + "; statuses: " + strings.Join(clientele.ConsentStatuses, ", ") + ")",
		Args:  cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			c := clientele.Consent{CustomerID: args[0], Purpose: args[1], Status: args[2], Source: source, At: time.Now()}
			if at != "" {
				t, err := clientele.ParseTime(at, a.loc)
				if err != nil {
					return clientele.Errorf(clientele.EINVALID, "--at: %v", err)
				}
				c.At = t
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				e := a.cliEntry(cmd.CommandPath(), clientele.AuditWrite, c.CustomerID, source)
				c.RecordedBy = e.UserName
				ctx := clientele.WithAudit(cmd.Context(), e)
				if err := db.Write(ctx, func(w *store.Writer) error { return w.SetConsent(ctx, c) }); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "customer %s: %s %s\n", c.CustomerID, c.Purpose, c.Status)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&source, "source", "", "where the customer stated it: web form, call 8812, …")
	cmd.Flags().StringVar(&at, "at", "", "when the customer stated it (default now)")
	return cmd
}

func newAuditCmd(a *app) *cobra.Command {
	var f clientele.AuditFilter
	var since, format string
	cmd := &cobra.Command{
		Use:   "audit [--customer ID] [--user NAME] [--since DATE] [--limit N]",
		Short: "The audit log: who read or changed which customer's information, when, through what and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if since != "" {
				t, err := a.parseDate("since", since)
				if err != nil {
					return err
				}
				f.Since = t
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				es, _, err := db.Audit(cmd.Context(), f, "")
				if err != nil {
					return err
				}
				if format == "json" {
					out := []clientele.AuditEntryJSON{}
					for i := range es {
						out = append(out, es[i].JSON(a.loc))
					}
					return writeJSON(a.stdout, out)
				}
				var rows [][]string
				for _, e := range es {
					rows = append(rows, []string{e.At.In(a.loc).Format(time.DateTime), e.UserName, e.Role, or(e.Department, "-"), e.Action,
						or(e.CustomerID, or(e.Subject, "-")), e.Route, or(e.Reason, "-")})
				}
				return writeTable(a.stdout, []string{"TIME", "USER", "ROLE", "DEPARTMENT", "ACTION", "CUSTOMER", "ROUTE", "REASON"}, rows)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.CustomerID, "customer", "", "only entries about this customer")
	fl.StringVar(&f.UserName, "user", "", "only entries of this user")
	fl.StringVar(&since, "since", "", "only entries from this day on (YYYY-MM-DD)")
	fl.IntVar(&f.Limit, "limit", 100, "at most this many entries, newest first")
	fl.StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}
