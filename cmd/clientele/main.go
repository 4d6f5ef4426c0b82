// Command clientele is a customer-centric marketing system: it keeps the
// customer database, imports and simulates data, and serves the HTTP API.
// Run `clientele --help` for the commands.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "clientele:", err)
		os.Exit(1)
	}
}

// app holds the global settings and what commands share.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	dsn            string
	tz             string
	currency       string
	region         string
	logLevel       string
	loc            *time.Location
	logger         *slog.Logger
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func newRoot(stdout, stderr io.Writer) *cobra.Command {
	a := &app{stdin: os.Stdin, stdout: stdout, stderr: stderr}
	root := &cobra.Command{
		Version: version(),
		Use:     "clientele",
		Short:   "Clientele: manage customers, not products — customer lifetime value, customer equity and the customer database",
		Long: `Clientele is a customer-centric marketing system. It keeps the customer
database (customers, identities, accounts, transactions, events), imports
and simulates data, and serves an HTTP API.

Every flag that has a CLIENTELE_* variable may be set either way; the flag wins.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return a.setup()
		},
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.dsn, "db", env("CLIENTELE_DB", "clientele.db"), "database: an SQLite file path (or sqlite:PATH), or a postgres:// URL (CLIENTELE_DB)")
	pf.StringVar(&a.tz, "tz", env("CLIENTELE_TZ", "Local"), "time zone for dates without one and for display, e.g. Asia/Seoul (CLIENTELE_TZ)")
	pf.StringVar(&a.currency, "currency", env("CLIENTELE_CURRENCY", "USD"), "ISO 4217 currency of amounts that name none (CLIENTELE_CURRENCY)")
	pf.StringVar(&a.region, "region", env("CLIENTELE_REGION", ""), "ISO 3166 region of phone numbers without a country code, e.g. KR: phones are then stored in E.164 (CLIENTELE_REGION)")
	pf.StringVar(&a.logLevel, "log-level", env("CLIENTELE_LOG_LEVEL", "info"), "log level: debug, info, warn, error (CLIENTELE_LOG_LEVEL)")
	root.AddCommand(newImportCmd(a), newSimulateCmd(a), newStatsCmd(a), newTokenCmd(a), newServeCmd(a), newDemoCmd(a),
		newSummaryCmd(a), newFitCmd(a), newScoreCmd(a), newRunsCmd(a), newReportCmd(a), newUsersCmd(a), newSegmentsCmd(a), newSwitchingSurveysCmd(a),
		newCustomersCmd(a), newAuditCmd(a), newNotesCmd(a),
		newCountersCmd(a), newOffersCmd(a), newTriggersCmd(a), newPlaybookCmd(a), newDecisionsCmd(a), newWebhooksCmd(a), newPolicyCmd(a))
	return root
}

func (a *app) setup() error {
	tz := a.tz
	if tz == "Local" {
		// SQL needs the zone's IANA name (PostgreSQL knows no "Local").
		name, err := localZoneName(os.Getenv("TZ"), "/etc/localtime")
		if err != nil {
			return err
		}
		tz = name
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return clientele.Errorf(clientele.EINVALID, "--tz %q: %w", tz, err)
	}
	a.loc = loc
	if err := clientele.SetPhoneRegion(a.region); err != nil {
		return clientele.Errorf(clientele.EINVALID, "--region: %w", err)
	}
	if _, err := clientele.Currency(a.currency).Scale(); err != nil {
		return clientele.Errorf(clientele.EINVALID, "--currency: %w", err)
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return clientele.Errorf(clientele.EINVALID, "--log-level %q: want debug, info, warn or error", a.logLevel)
	}
	a.logger = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
	return nil
}

// version is the module's version and, in a build from a checkout, the
// commit and its time, for --version.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "(unknown)"
	}
	v := info.Main.Version
	var rev, at, dirty string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value[:min(12, len(s.Value))]
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = ", modified"
			}
		}
	}
	if rev != "" {
		v += " (commit " + rev + " of " + at + dirty + ")"
	}
	return v + ", " + info.GoVersion
}

// localZoneName returns the IANA name of the machine's time zone: $TZ when
// it names one, else the zone /etc/localtime links to, else "UTC" when the
// local zone has no offset; otherwise it asks for --tz.
func localZoneName(tzEnv, localtime string) (string, error) {
	if name := strings.TrimPrefix(tzEnv, ":"); name != "" {
		if _, err := time.LoadLocation(name); err == nil && name != "Local" {
			return name, nil
		}
	}
	if target, err := os.Readlink(localtime); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok {
			if _, err := time.LoadLocation(name); err == nil {
				return name, nil
			}
		}
	}
	if _, off := time.Now().In(time.Local).Zone(); off == 0 && tzEnv == "" {
		return "UTC", nil
	}
	return "", clientele.Errorf(clientele.EINVALID, "cannot tell the IANA name of the local time zone: give --tz (or CLIENTELE_TZ), e.g. --tz Asia/Seoul")
}

// withDB opens the database for the duration of fn.
func (a *app) withDB(ctx context.Context, fn func(db *store.DB) error) error {
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(db)
}

// open opens the database with the real-time engine installed: every
// command that stores facts updates the counters and fires the triggers
// in the facts' transaction (what it queues, serve delivers).
func (a *app) open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, a.dsn, nil)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", store.Redact(a.dsn), err)
	}
	e, err := rules.New(ctx, db, clientele.Currency(a.currency))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("database %s: the real-time engine: %w", store.Redact(a.dsn), err)
	}
	db.SetEngine(e)
	return db, nil
}
