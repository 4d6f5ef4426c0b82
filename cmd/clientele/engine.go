package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/report"
	"clientele/internal/rules"
	"clientele/internal/store"
	"clientele/internal/web"
)

// The real-time engine from the command line: counters, offers, triggers
// with their dry run, the playbook, decisions, the next best action, the
// contact policy, webhooks and the outbox.

// engine returns the engine installed on db by open.
func (a *app) engine(db *store.DB) (*rules.Engine, error) {
	e, ok := db.Engine().(*rules.Engine)
	if !ok {
		return nil, clientele.Errorf(clientele.EUNAVAILABLE, "the real-time engine is not installed")
	}
	return e, nil
}

// emit writes rows as a table or CSV, or v as JSON.
func (a *app) emit(format string, header []string, rows [][]string, v any) error {
	switch format {
	case "json":
		return writeJSON(a.stdout, v)
	case "csv":
		cw := csv.NewWriter(a.stdout)
		cw.Write(header)
		cw.WriteAll(rows)
		return cw.Error()
	}
	return writeTable(a.stdout, header, rows)
}

func readFileArg(a *app, path string) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(io.LimitReader(a.stdin, 8<<20))
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%v", err)
	}
	return b, nil
}

func newCountersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "counters", Short: "Per-customer counters (computed traits): show one customer's, rebuild them from history"}
	var format, reason string
	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a customer's counters: count, sum, first and last time per key, counts of the last 7 and 30 days (audited)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ctx := cmd.Context()
				if _, err := db.Customer(ctx, args[0]); err != nil {
					return err
				}
				today := store.Day(time.Now())
				cs, err := db.CustomerCounters(ctx, args[0], today-29)
				if err != nil {
					return err
				}
				if err := db.RecordReads(ctx, *a.cliEntry(cmd.CommandPath(), clientele.AuditRead, args[0], reason)); err != nil {
					return err
				}
				keys := make([]string, 0, len(cs.All))
				for k := range cs.All {
					keys = append(keys, k)
				}
				slices.Sort(keys)
				scale, _ := clientele.Currency(a.currency).Scale()
				var rows [][]string
				var out []map[string]any
				for _, k := range keys {
					c := cs.All[k]
					var n7, n30 int64
					for _, d := range cs.Days[k] {
						if d.Day > today-7 {
							n7 += d.Count
						}
						n30 += d.Count
					}
					rows = append(rows, []string{k, strconv.FormatInt(c.Count, 10), clientele.FormatAmount(c.Sum, scale),
						c.First.In(a.loc).Format(time.DateTime), c.Last.In(a.loc).Format(time.DateTime), strconv.FormatInt(n7, 10), strconv.FormatInt(n30, 10)})
					out = append(out, map[string]any{"key": k, "count": c.Count, "sum": c.Sum, "first": c.First, "last": c.Last, "count_7d": n7, "count_30d": n30})
				}
				return a.emit(format, []string{"key", "count", "sum", "first", "last", "7 days", "30 days"}, rows, map[string]any{"customer_id": args[0], "items": out})
			})
		},
	}
	show.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	show.Flags().StringVar(&reason, "reason", "", "why the customer is looked at (recorded in the audit log)")
	var customer string
	rebuild := &cobra.Command{
		Use:   "rebuild [--customer ID]",
		Short: "Make the counters again from the stored transactions and events (the repair; every customer unless --customer)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				start := time.Now()
				var ids []string
				if customer != "" {
					ids = []string{customer}
				}
				var n int64
				err := db.Write(cmd.Context(), func(w *store.Writer) error {
					var err error
					n, err = w.RebuildCounters(cmd.Context(), ids)
					return err
				})
				if err != nil {
					return err
				}
				if err := db.Analyzed(cmd.Context(), n, "counters", "counter_days"); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "rebuilt the counters of %d customers in %.1fs\n", n, time.Since(start).Seconds())
				return nil
			})
		},
	}
	rebuild.Flags().StringVar(&customer, "customer", "", "rebuild this customer's counters only")
	cmd.AddCommand(show, rebuild)
	return cmd
}

func newOffersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "offers", Short: "The offer catalogue: list, put (from a JSON file), delete"}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the offers, with how often each was made and redeemed",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				offers, err := db.Offers(cmd.Context())
				if err != nil {
					return err
				}
				counts, err := db.OfferCounts(cmd.Context())
				if err != nil {
					return err
				}
				made, redeemed := map[string]int64{}, map[string]int64{}
				for _, c := range counts {
					made[c.Offer] += c.Made
					redeemed[c.Offer] += c.Redeemed
				}
				scale, _ := clientele.Currency(a.currency).Scale()
				var rows [][]string
				for _, o := range offers {
					rows = append(rows, []string{o.Code, o.Class, o.Channel, o.Brand, clientele.FormatAmount(o.Margin-o.Cost, scale),
						strconv.FormatFloat(o.Lever, 'g', -1, 64), strconv.FormatInt(made[o.Code], 10), strconv.FormatInt(redeemed[o.Code], 10), o.Name})
				}
				return a.emit(format, []string{"code", "class", "channel", "brand", "value", "lever", "made", "redeemed", "name"}, rows, map[string]any{"items": offers})
			})
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	put := &cobra.Command{
		Use:   "put FILE",
		Short: "Create or replace the offer in FILE (JSON, - for standard input); refused with every invalid field",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := readFileArg(a, args[0])
			if err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				o := clientele.NewOffer()
				if err := strictJSON(b, &o); err != nil {
					return clientele.Errorf(clientele.EINVALID, "%s: %v", args[0], err)
				}
				if err := rules.CheckOffer(&o); err != nil {
					return err
				}
				if err := db.PutOffer(cmd.Context(), o); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "offer %s stored\n", o.Code)
				return nil
			})
		},
	}
	del := &cobra.Command{
		Use:   "delete CODE",
		Short: "Remove an offer from the catalogue (its decisions keep its code)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.DeleteOffer(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "offer %s deleted\n", args[0])
				return nil
			})
		},
	}
	cmd.AddCommand(list, put, del)
	return cmd
}

func newTriggersCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "triggers", Short: "Triggers of the real-time engine: list, show, put, enable, disable, delete, dry-run"}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the triggers with their version, state and run-time errors",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ts, err := db.Triggers(cmd.Context())
				if err != nil {
					return err
				}
				var rows [][]string
				for _, t := range ts {
					state := "on"
					if !t.Enabled {
						state = "off"
					}
					limit := "every time"
					switch {
					case t.Once:
						limit = "once per customer"
					case t.Cooldown > 0:
						limit = "cooldown " + t.Cooldown.String()
					}
					rows = append(rows, []string{t.Name, strconv.Itoa(t.Version), state, limit, strings.Join(t.Then, ", "),
						strconv.FormatFloat(t.Holdout*100, 'g', -1, 64) + " %", strconv.FormatInt(t.Errors, 10), t.When})
				}
				return a.emit(format, []string{"name", "version", "state", "fires", "offers", "held out", "errors", "when"}, rows, map[string]any{"items": ts})
			})
		},
	}
	list.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	show := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a trigger as JSON, with its last error",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				t, err := db.Trigger(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return writeJSON(a.stdout, t)
			})
		},
	}
	readTrigger := func(path string) (clientele.Trigger, error) {
		t := clientele.NewTrigger()
		b, err := readFileArg(a, path)
		if err != nil {
			return t, err
		}
		if err := strictJSON(b, &t); err != nil {
			return t, clientele.Errorf(clientele.EINVALID, "%s: %v", path, err)
		}
		return t, nil
	}
	put := &cobra.Command{
		Use:   "put FILE",
		Short: "Create the trigger in FILE (JSON, - for standard input) or make a new version of it; a bad condition is refused with its line and column",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := readTrigger(args[0])
			if err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				e, err := a.engine(db)
				if err != nil {
					return err
				}
				if err := e.CheckTrigger(cmd.Context(), &t); err != nil {
					return err
				}
				saved, err := db.PutTrigger(cmd.Context(), t, a.cliEntry("", "", "", "").UserName)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "trigger %s stored, version %d\n", saved.Name, saved.Version)
				return nil
			})
		},
	}
	toggle := func(use string, on bool) *cobra.Command {
		return &cobra.Command{
			Use:   use + " NAME",
			Short: strings.ToUpper(use[:1]) + use[1:] + " a trigger (no new version)",
			Args:  cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.withDB(cmd.Context(), func(db *store.DB) error {
					if err := db.SetTriggerEnabled(cmd.Context(), args[0], on); err != nil {
						return err
					}
					fmt.Fprintf(a.stdout, "trigger %s %sd\n", args[0], use)
					return nil
				})
			},
		}
	}
	del := &cobra.Command{
		Use:   "delete NAME",
		Short: "Remove a trigger (its decisions stay)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.DeleteTrigger(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "trigger %s deleted\n", args[0])
				return nil
			})
		},
	}
	var file string
	var days int
	dry := &cobra.Command{
		Use:   "dry-run NAME [--file FILE] [--days 90]",
		Short: "Replay history through a trigger (stored, or in FILE) as if it had been live: how many customers, which offers; nothing is written",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "json"); err != nil {
				return err
			}
			if days < 1 || days > int(clientele.MaxWindow/clientele.Day) {
				return clientele.Errorf(clientele.EINVALID, "--days %d: from 1 to %d", days, clientele.MaxWindow/clientele.Day)
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				e, err := a.engine(db)
				if err != nil {
					return err
				}
				var t clientele.Trigger
				if file != "" {
					if t, err = readTrigger(file); err != nil {
						return err
					}
					t.Name = args[0]
				} else if t, err = db.Trigger(cmd.Context(), args[0]); err != nil {
					return err
				}
				until := time.Now().UTC()
				res, err := e.DryRun(cmd.Context(), t, until.AddDate(0, 0, -days), until, nil)
				if err != nil {
					return err
				}
				if format == "json" {
					return writeJSON(a.stdout, res)
				}
				fmt.Fprintf(a.stdout, "trigger %s, had it been live from %s to %s:\n", t.Name, res.Since.In(a.loc).Format(time.DateOnly), res.Until.In(a.loc).Format(time.DateOnly))
				fmt.Fprintf(a.stdout, "  %d facts of %d customers looked at; fired %d times for %d customers (%d held out)\n", res.Facts, res.Customers, res.Fired, res.FiredCustomers, res.HeldOut)
				fmt.Fprintf(a.stdout, "  %d decisions would have sent offers, %d sent nothing; %d errors\n", res.Sent, res.Suppressed, res.Errors)
				if res.LastError != "" {
					fmt.Fprintf(a.stdout, "  last error: %s\n", res.LastError)
				}
				var rows [][]string
				for code, n := range res.Offers {
					rows = append(rows, []string{"sent", code, strconv.FormatInt(n, 10)})
				}
				for why, n := range res.Refusals {
					rows = append(rows, []string{"refused", why, strconv.FormatInt(n, 10)})
				}
				slices.SortFunc(rows, func(x, y []string) int { return strings.Compare(x[0]+x[1], y[0]+y[1]) })
				return writeTable(a.stdout, []string{"", "offer or reason", "times"}, rows)
			})
		},
	}
	dry.Flags().StringVar(&file, "file", "", "a trigger definition to try instead of the stored one")
	dry.Flags().IntVar(&days, "days", 90, "days of history to replay, up to now")
	dry.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.AddCommand(list, show, put, toggle("enable", true), toggle("disable", false), del, dry)
	return cmd
}

func newPlaybookCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "playbook", Short: "Load a set of offers and triggers at once; the article's cases are built in"}
	load := &cobra.Command{
		Use:   "load [FILE]",
		Short: "Load the playbook in FILE (JSON), or the article's: every item is checked first, and a bad file changes nothing",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b := rules.ArticlePlaybook
			if len(args) == 1 {
				var err error
				if b, err = readFileArg(a, args[0]); err != nil {
					return err
				}
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				e, err := a.engine(db)
				if err != nil {
					return err
				}
				res, err := e.LoadPlaybook(cmd.Context(), b, a.cliEntry("", "", "", "").UserName)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "loaded %d offers and %d triggers (%d new or changed)\n", res.Offers, res.Triggers, res.Versions)
				return nil
			})
		},
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the article's playbook, to start one of your own from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := a.stdout.Write(rules.ArticlePlaybook)
			return err
		},
	}
	cmd.AddCommand(load, show)
	return cmd
}

func newDecisionsCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "decisions", Short: "What the triggers decided: list decisions, a customer's next best actions"}
	var format, customer, reason string
	var limit int
	list := &cobra.Command{
		Use:   "list [--customer ID] [--limit 50]",
		Short: "List decisions, newest first, with the offers chosen (audited)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				ds, err := db.Decisions(cmd.Context(), customer, limit)
				if err != nil {
					return err
				}
				e := a.cliEntry(cmd.CommandPath(), clientele.AuditRead, customer, reason)
				if customer == "" {
					e.Subject = "decisions"
				}
				if err := db.RecordReads(cmd.Context(), *e); err != nil {
					return err
				}
				var rows [][]string
				for _, d := range ds {
					var chosen []string
					for _, o := range d.Offers {
						if o.Chosen {
							chosen = append(chosen, o.Offer)
						}
					}
					rows = append(rows, []string{strconv.FormatInt(d.ID, 10), d.FactAt.In(a.loc).Format(time.DateTime), d.CustomerID,
						d.Trigger + " v" + strconv.Itoa(d.TriggerVersion), d.Fact, d.Status, strings.Join(chosen, ", ")})
				}
				return a.emit(format, []string{"id", "at", "customer", "trigger", "fact", "status", "offers"}, rows, map[string]any{"items": ds})
			})
		},
	}
	list.Flags().StringVar(&customer, "customer", "", "one customer's decisions")
	list.Flags().IntVar(&limit, "limit", 50, "at most this many")
	list.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	list.Flags().StringVar(&reason, "reason", "", "why (recorded in the audit log)")
	nba := &cobra.Command{
		Use:   "next ID",
		Short: "Rank every offer for a customer now (the next best action), with each one's score and reason; nothing is stored (audited)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "table", "csv", "json"); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				e, err := a.engine(db)
				if err != nil {
					return err
				}
				if _, err := db.Customer(cmd.Context(), args[0]); err != nil {
					return err
				}
				opts, err := e.NextBestActions(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if err := db.RecordReads(cmd.Context(), *a.cliEntry(cmd.CommandPath(), clientele.AuditRead, args[0], reason)); err != nil {
					return err
				}
				var rows [][]string
				for _, o := range opts {
					mark := ""
					if o.Chosen {
						mark = "✓"
					}
					rows = append(rows, []string{mark, o.Offer, o.Class, strconv.FormatFloat(o.Priority, 'f', 3, 64), strconv.FormatFloat(o.Propensity, 'f', 3, 64),
						strconv.FormatFloat(o.Value, 'f', 2, 64), o.Reason})
				}
				return a.emit(format, []string{"", "offer", "class", "priority", "propensity", "value", "reason"}, rows, map[string]any{"customer_id": args[0], "items": opts})
			})
		},
	}
	nba.Flags().StringVar(&format, "format", "table", "output format: table, csv or json")
	nba.Flags().StringVar(&reason, "reason", "", "why the customer is looked at (recorded in the audit log)")
	cmd.AddCommand(list, nba)
	return cmd
}

func newWebhooksCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "webhooks", Short: "Where each channel's messages go: list, set, delete; and the outbox"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the webhooks by channel (secrets are not shown)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				hooks, err := db.Webhooks(cmd.Context())
				if err != nil {
					return err
				}
				var rows [][]string
				for _, h := range hooks {
					rows = append(rows, []string{h.Channel, h.URL, h.UpdatedAt.In(a.loc).Format(time.DateTime)})
				}
				slices.SortFunc(rows, func(x, y []string) int { return strings.Compare(x[0], y[0]) })
				return writeTable(a.stdout, []string{"channel", "url", "updated"}, rows)
			})
		},
	}
	var secret string
	set := &cobra.Command{
		Use:   "set CHANNEL URL [--secret whsec_…]",
		Short: "Send CHANNEL's messages (email, sms, phone, agent) to URL, signed with the secret (made when not given, and printed once)",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			h, err := web.NewWebhook(args[0], args[1], secret)
			if err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.PutWebhook(cmd.Context(), h); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "webhook for %s set to %s\nsecret: %s (shown once: give it to the receiver, which checks the signatures with it)\n", h.Channel, h.URL, h.Secret)
				return nil
			})
		},
	}
	set.Flags().StringVar(&secret, "secret", "", "the signing secret (whsec_ and base64 of at least 16 bytes)")
	del := &cobra.Command{
		Use:   "delete CHANNEL",
		Short: "Remove a channel's webhook (its messages wait in the outbox)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.DeleteWebhook(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "webhook for %s deleted\n", args[0])
				return nil
			})
		},
	}
	var status string
	var limit int
	outbox := &cobra.Command{
		Use:   "outbox [--status pending|delivered|dead]",
		Short: "List the outbox's messages with their delivery state",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if status != "" {
				if err := checkChoice("status", status, store.MessagePending, store.MessageDelivered, store.MessageDead); err != nil {
					return err
				}
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				msgs, err := db.Messages(cmd.Context(), status, limit)
				if err != nil {
					return err
				}
				var rows [][]string
				for _, m := range msgs {
					rows = append(rows, []string{strconv.FormatInt(m.ID, 10), strconv.FormatInt(m.DecisionID, 10), m.Channel, m.Status,
						strconv.Itoa(m.Attempts), m.CreatedAt.In(a.loc).Format(time.DateTime), m.LastError})
				}
				return writeTable(a.stdout, []string{"id", "decision", "channel", "status", "attempts", "created", "last error"}, rows)
			})
		},
	}
	outbox.Flags().StringVar(&status, "status", "", "only messages in this state")
	outbox.Flags().IntVar(&limit, "limit", 50, "at most this many")
	retry := &cobra.Command{
		Use:   "retry ID",
		Short: "Make a dead message pending again",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return clientele.Errorf(clientele.EINVALID, "message id %q: a positive whole number", clientele.Excerpt(args[0]))
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.Retry(cmd.Context(), id); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "message %d is pending again\n", id)
				return nil
			})
		},
	}
	cmd.AddCommand(list, set, del, outbox, retry)
	return cmd
}

// strictJSON decodes b into v: no unknown fields, no trailing data.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

func newPolicyCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "contact-policy", Short: "How often a customer may hear sales offers: show, set"}
	show := &cobra.Command{
		Use:   "show",
		Short: "Show the contact policy",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				p, err := db.ContactPolicy(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "at most %d sales contacts per customer in 7 days and %d in 30 days; at most %d offers per message; care actions are never limited\n", p.Per7, p.Per30, p.MaxOffers)
				return nil
			})
		},
	}
	var p clientele.ContactPolicy
	set := &cobra.Command{
		Use:   "set --per-7-days N --per-30-days N [--max-offers N]",
		Short: "Set the contact policy",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := p.Validate(); err != nil {
				return err
			}
			return a.withDB(cmd.Context(), func(db *store.DB) error {
				if err := db.SetContactPolicy(cmd.Context(), p); err != nil {
					return err
				}
				fmt.Fprintln(a.stdout, "contact policy set")
				return nil
			})
		},
	}
	set.Flags().IntVar(&p.Per7, "per-7-days", clientele.DefaultContactPolicy.Per7, "sales contacts per customer in 7 days")
	set.Flags().IntVar(&p.Per30, "per-30-days", clientele.DefaultContactPolicy.Per30, "sales contacts per customer in 30 days")
	set.Flags().IntVar(&p.MaxOffers, "max-offers", clientele.DefaultContactPolicy.MaxOffers, "offers per message (care actions aside)")
	cmd.AddCommand(show, set)
	return cmd
}

func newUpliftReportCmd(a *app) *cobra.Command {
	var f reportFlags
	var trigger, from, to string
	var window int
	cmd := &cobra.Command{
		Use:   "uplift --trigger NAME [--from DATE] [--to DATE] [--window 30]",
		Short: "What a trigger adds: conversion, margin and CLV of the customers it sent offers to against those it held out, with 95 % intervals",
		Long: `The uplift report of a trigger: its decisions about facts from --from through
--to whose window has ended, the treated (offers sent) against the held out
(the trigger's control group, chosen at random and fixed per customer).
Over --window days after each decision: conversion (a purchase of an
offered product), margin, and the customers' latest CLV, each with the
uplift and its 95 % interval (Newcombe's for the conversion, Welch's for
the means), the incremental margin, and the redemption rate the treated
reported — which, unlike the uplift, counts the customers who would have
bought anyway.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := f.check(); err != nil {
				return err
			}
			if trigger == "" {
				return clientele.Errorf(clientele.EINVALID, "--trigger: required, the name of the trigger to measure")
			}
			if window < 1 || window > store.DayRetention {
				return clientele.Errorf(clientele.EINVALID, "--window %d: from 1 to %d days", window, store.DayRetention)
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
				r, err := report.Uplift(cmd.Context(), db, report.UpliftOptions{Trigger: trigger, From: fromT, To: toT,
					Window: time.Duration(window) * 24 * time.Hour, Currency: clientele.Currency(a.currency)})
				if err != nil {
					return err
				}
				return a.writeReport(f, r)
			})
		},
	}
	cmd.Flags().StringVar(&trigger, "trigger", "", "the trigger to measure")
	cmd.Flags().StringVar(&from, "from", "", "first day of the decisions (YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "last day of the decisions (default: today)")
	cmd.Flags().IntVar(&window, "window", 30, "days after each decision over which outcomes are counted")
	f.add(cmd, "none")
	return cmd
}
