package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/ingest"
)

type importFlags struct {
	format      string
	mapping     []string
	skipInvalid bool
	rejectFile  string
}

func newImportCmd(a *app) *cobra.Command {
	var f importFlags
	cmd := &cobra.Command{
		Use:   "import DIR | import KIND FILE",
		Short: "Import a directory written by `clientele simulate`, or one file of transactions, customers, products, brands, accounts, events or consents",
		Long: `Import data files into the database, each in one transaction: a file with a
bad row is rejected whole (every bad row's line, column and reason is
printed, the first 20 in full) unless --skip-invalid is given, in which case
the bad rows are written to a reject file. Importing a file twice adds
nothing the second time; rows without an id get one derived from their
content in canonical form, so that the same facts are stored once whatever
their position in the file or their formatting.

  clientele import DIR                       every file of a simulated directory
  clientele import transactions FILE         CDNOW (.txt), CSV or NDJSON
  clientele import customers FILE            CSV or NDJSON
  clientele import products|brands|accounts FILE   CSV
  clientele import events FILE               NDJSON or CSV
  clientele import switching-survey FILE [--market M]  a brand-switching survey`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			st, err := os.Stat(args[0])
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "import: %w", err)
			}
			if !st.IsDir() {
				return clientele.Errorf(clientele.EINVALID, "import %s: not a directory; to import one file, name its kind: clientele import transactions %s", args[0], args[0])
			}
			return a.importDir(cmd.Context(), args[0], f)
		},
	}
	addImportFlags := func(c *cobra.Command) {
		c.Flags().StringVar(&f.format, "format", "", "file format: cdnow, csv or ndjson (default: from the file name)")
		c.Flags().StringArrayVar(&f.mapping, "map", nil, "CSV column to field, as COLUMN=FIELD (repeatable); FIELD '-' skips the column")
		c.Flags().BoolVar(&f.skipInvalid, "skip-invalid", false, "import the valid rows and write the bad ones to a reject file")
		c.Flags().StringVar(&f.rejectFile, "reject-file", "", "where --skip-invalid writes bad rows (default FILE.rejected; reasons in REJECT.txt)")
	}
	addImportFlags(cmd)
	for _, k := range []ingest.Kind{ingest.Transactions, ingest.Customers, ingest.Products, ingest.Brands, ingest.Accounts, ingest.Events, ingest.Consents} {
		sub := &cobra.Command{
			Use:     string(k) + " FILE",
			Aliases: []string{strings.TrimSuffix(string(k), "s")}, // import transaction FILE
			Short:   "Import a file of " + string(k) + " (fields: " + strings.Join(ingest.Fields(k), ", ") + ")",
			Args:    cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				return a.importFile(cmd.Context(), k, args[0], f)
			},
		}
		addImportFlags(sub)
		cmd.AddCommand(sub)
	}
	cmd.AddCommand(newImportSwitchingSurveyCmd(a))
	return cmd
}

func (a *app) importOptions(f importFlags) (ingest.Options, error) {
	opt := ingest.Options{Format: f.format, Currency: clientele.Currency(a.currency), Location: a.loc,
		SkipInvalid: f.skipInvalid, RejectPath: f.rejectFile}
	if f.format != "" && f.format != ingest.FormatCDNOW && f.format != ingest.FormatCSV && f.format != ingest.FormatNDJSON {
		return opt, clientele.Errorf(clientele.EINVALID, "--format %q: want cdnow, csv or ndjson", f.format)
	}
	for _, m := range f.mapping {
		col, field, ok := strings.Cut(m, "=")
		if !ok || col == "" || field == "" {
			return opt, clientele.Errorf(clientele.EINVALID, "--map %q: want COLUMN=FIELD", m)
		}
		if opt.Map == nil {
			opt.Map = map[string]string{}
		}
		opt.Map[col] = field
	}
	return opt, nil
}

// progress returns a progress callback drawing a bar on a terminal for a
// file of the given size, and a function to finish it; on anything else
// both do nothing.
func (a *app) progress(label string, size int64) (func(rows, bytes int64), func()) {
	if !isTerminal(a.stderr) {
		return nil, func() {}
	}
	bar := progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionShowBytes(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetWidth(30),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription(label))
	start := time.Now()
	return func(rows, bytes int64) {
			rate := float64(rows) / max(time.Since(start).Seconds(), 1e-3)
			bar.Describe(fmt.Sprintf("%s: %d rows, %.0f rows/s", label, rows, rate))
			bar.Set64(bytes)
		}, func() {
			bar.Finish()
		}
}

func (a *app) importFile(ctx context.Context, kind ingest.Kind, path string, f importFlags) error {
	opt, err := a.importOptions(f)
	if err != nil {
		return err
	}
	st, err := os.Stat(path)
	if err != nil {
		return clientele.Errorf(clientele.EINVALID, "import: %w", err)
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var done func()
	opt.Progress, done = a.progress(path, st.Size())
	// The import's audit entry commits with it.
	e := a.cliEntry("clientele import", clientele.AuditWrite, "", "")
	e.Subject = "import " + string(kind) + " " + filepath.Base(path)
	sum, err := ingest.File(clientele.WithAudit(ctx, e), db, kind, path, opt)
	done()
	if err != nil {
		return err
	}
	a.printSummary(sum)
	return nil
}

func (a *app) printSummary(sum *ingest.Summary) {
	fmt.Fprintln(a.stdout, sum.String())
	if sum.RejectPath != "" {
		fmt.Fprintf(a.stdout, "  %d bad rows written to %s (reasons in %s.txt)\n", sum.Rejected, sum.RejectPath, sum.RejectPath)
	}
}

func (a *app) importDir(ctx context.Context, dir string, f importFlags) error {
	if f.format != "" || len(f.mapping) > 0 || f.rejectFile != "" {
		return clientele.Errorf(clientele.EINVALID, "import DIR: --format, --map and --reject-file apply to one file; the directory's files are recognised by name")
	}
	opt, err := a.importOptions(f)
	if err != nil {
		return err
	}
	files, err := ingest.DirFiles(dir)
	if err != nil {
		return err
	}
	var total int64
	for _, fl := range files {
		if st, err := os.Stat(fl.Path); err == nil {
			total += st.Size()
		}
	}
	db, err := a.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	// One bar over all the files: ingest.Dir adds the rows and bytes of the
	// files already done to the current file's (the bar mixed one file's
	// rows with another's bytes, and predicted 55 hours).
	progress, done := a.progress(dir, total)
	opt.Progress = progress
	sums, err := ingest.Dir(ctx, db, dir, opt)
	done()
	if err != nil {
		return err
	}
	for _, s := range sums {
		a.printSummary(s)
	}
	return nil
}

// busy shows a spinner with what is being done and the time it has taken,
// on a terminal, until the returned function is first called: fit, score and a
// segment refresh on millions of customers take minutes, and said nothing.
func (a *app) busy(what string) func() {
	if !isTerminal(a.stderr) {
		return func() {}
	}
	bar := progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(a.stderr),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bar.Add(1)
			}
		}
	}()
	var once sync.Once
	return func() { // may be called more than once: deferred, and on success
		once.Do(func() {
			close(stop)
			<-done
			bar.Finish()
		})
	}
}
