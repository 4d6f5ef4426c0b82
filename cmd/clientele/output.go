package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"clientele"
	"clientele/internal/report"
)

// checkFormat validates a --format value.
func checkFormat(f string, allowed ...string) error { return checkChoice("format", f, allowed...) }

// checkChoice validates the value of the flag named flag.
func checkChoice(flag, v string, allowed ...string) error {
	if slices.Contains(allowed, v) {
		return nil
	}
	return clientele.Errorf(clientele.EINVALID, "--%s %q: want one of %s", flag, clientele.Excerpt(v), strings.Join(allowed, ", "))
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeTable writes rows under a header, aligned.
func writeTable(w io.Writer, header []string, rows [][]string) error {
	return report.WriteTable(w, header, rows)
}

// isTerminal reports whether w is a terminal, for progress bars.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// reportFlags are the output flags every database report shares.
type reportFlags struct {
	format, out, plotFormat string
	bom                     bool
}

func (f *reportFlags) add(cmd *cobra.Command, charts string) {
	cmd.Flags().StringVar(&f.format, "format", "table", "output format: table, csv (the main table), json or html (with the charts inline)")
	cmd.Flags().StringVar(&f.out, "out", "", "directory to write the charts into ("+charts+")")
	cmd.Flags().StringVar(&f.plotFormat, "plot-format", "png", "chart format for --out: png or svg")
	cmd.Flags().BoolVar(&f.bom, "bom", false, "with --format csv, begin with a UTF-8 byte order mark, so that Excel reads Hangul right")
}

// utf8BOM is what Excel needs at the start of a CSV file to read it as
// UTF-8 rather than in the system's code page (CP949 on Korean Windows).
const utf8BOM = "\uFEFF"

func (f *reportFlags) check() error {
	if err := checkFormat(f.format, "table", "csv", "json", "html"); err != nil {
		return err
	}
	return checkChoice("plot-format", f.plotFormat, "png", "svg")
}

// documented is a report with a readable form.
type documented interface {
	Document() (*report.Document, error)
}

// writeReport writes r in the chosen format and, with --out, its charts;
// the paths of the charts go to standard error when standard output
// carries a machine format.
func (a *app) writeReport(f reportFlags, r documented) error {
	var d *report.Document
	if f.format != "json" || f.out != "" {
		var err error
		if d, err = r.Document(); err != nil {
			return fmt.Errorf("draw the report: %w", err)
		}
	}
	var err error
	switch f.format {
	case "json":
		err = writeJSON(a.stdout, r)
	case "csv":
		if f.bom {
			io.WriteString(a.stdout, utf8BOM)
		}
		err = d.WriteCSV(a.stdout)
	case "html":
		err = d.WriteHTML(a.stdout)
	default:
		err = d.WriteText(a.stdout)
	}
	if err != nil || f.out == "" {
		return err
	}
	paths, err := d.SaveCharts(f.out, f.plotFormat)
	if err != nil {
		return err
	}
	if warn := d.FontWarning(); warn != "" && f.plotFormat != "svg" {
		fmt.Fprintln(a.stderr, "warning:", warn)
	}
	w := a.stdout
	if f.format != "table" {
		w = a.stderr
	}
	for _, p := range paths {
		fmt.Fprintln(w, "wrote", p)
	}
	return nil
}

// period is a flag of a length of time in days, as the API's period_days
// has it: "182d", "26w", or a Go duration ("4368h") as before.
type period struct{ d *time.Duration }

func (p period) String() string {
	if p.d == nil {
		return ""
	}
	days := p.d.Hours() / 24
	if days == float64(int64(days)) {
		return strconv.FormatInt(int64(days), 10) + "d"
	}
	return p.d.String()
}

func (p period) Set(s string) error {
	d, err := parsePeriod(s)
	if err != nil {
		return err
	}
	*p.d = d
	return nil
}

func (p period) Type() string { return "days" }

// parsePeriod reads "182d", "26w" or a Go duration; it must be positive.
func parsePeriod(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, unit := strings.TrimRight(s, "dw"), strings.TrimLeft(s, "0123456789."); unit == "d" || unit == "w" {
		v, err := strconv.ParseFloat(n, 64)
		if err != nil {
			return 0, fmt.Errorf("%q: want days (182d), weeks (26w) or a duration (4368h)", s)
		}
		if unit == "w" {
			v *= 7
		}
		d = time.Duration(v * 24 * float64(time.Hour))
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("%q: want days (182d), weeks (26w) or a duration (4368h)", s)
		}
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q: must be positive", s)
	}
	return d, nil
}
