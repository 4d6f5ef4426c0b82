package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/valuation"
)

func newSummaryCmd(a *app) *cobra.Command {
	var calEnd, holdEnd, unit, format, out string
	var bom bool
	cmd := &cobra.Command{
		Use:   "summary --calibration-end DATE [--holdout-end DATE] [--unit week] [--format csv|json] [--out FILE]",
		Short: "Write every customer's frequency, recency, T and monetary value, as the CLV libraries name them",
		Long: `Write one row per customer whose first purchase falls in the calibration
period, with the columns of Python lifetimes' summary_data_from_transaction_data
(and, with --holdout-end, of calibration_and_holdout_data):

  customer_id, frequency, recency, T, monetary_value
  customer_id, frequency_cal, recency_cal, T_cal, monetary_value_cal, frequency_holdout, duration_holdout

frequency counts repeat purchase days, recency runs from the first to the
last purchase, T from the first purchase to the calibration end, in --unit;
monetary_value is the mean value of the repeat purchase days, in major units
of --currency. Purchases on one day (in --tz) are one purchase. The rows are
written as they are computed, in customer id order: ten million customers
take no more memory than one.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format, "csv", "json"); err != nil {
				return err
			}
			opt := valuation.SummaryOptions{Unit: unit, Location: a.loc, Currency: clientele.Currency(a.currency)}
			var err error
			if opt.CalibrationEnd, err = a.parseDate("calibration-end", calEnd); err != nil {
				return err
			}
			if opt.HoldoutEnd, err = a.parseDate("holdout-end", holdEnd); err != nil {
				return err
			}
			var w io.Writer = a.stdout
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return clientele.Errorf(clientele.EINVALID, "--out: %w", err)
				}
				defer f.Close()
				w = f
			}
			bw := bufio.NewWriterSize(w, 1<<16)
			if bom && format == "csv" {
				bw.WriteString(utf8BOM)
			}
			holdout := !opt.HoldoutEnd.IsZero()
			write := summaryCSV(bw, holdout)
			if format == "json" {
				write = summaryNDJSON(bw, holdout)
			}
			err = a.withDB(cmd.Context(), func(db *store.DB) error {
				return valuation.Summarize(cmd.Context(), db, opt, write)
			})
			if err != nil {
				return err
			}
			return bw.Flush()
		},
	}
	f := cmd.Flags()
	f.StringVar(&calEnd, "calibration-end", "", "last day of the calibration period, YYYY-MM-DD (required)")
	f.StringVar(&holdEnd, "holdout-end", "", "last day of a holdout period, YYYY-MM-DD: adds frequency_holdout and duration_holdout")
	f.StringVar(&unit, "unit", "week", "time unit of recency and T: day, week, month, year")
	f.StringVar(&format, "format", "csv", "output format: csv (with a header) or json (one object a line)")
	f.StringVar(&out, "out", "", "write to this file instead of standard output")
	f.BoolVar(&bom, "bom", false, "begin the CSV with a UTF-8 byte order mark, for Excel")
	cmd.MarkFlagRequired("calibration-end")
	return cmd
}

// summaryColumns are the column names of a summary, lifetimes' own.
func summaryColumns(holdout bool) []string {
	if holdout {
		return []string{"customer_id", "frequency_cal", "recency_cal", "T_cal", "monetary_value_cal", "frequency_holdout", "duration_holdout"}
	}
	return []string{"customer_id", "frequency", "recency", "T", "monetary_value"}
}

func summaryValues(r valuation.SummaryRow, holdout bool) []float64 {
	v := []float64{r.Frequency, r.Recency, r.T, r.MonetaryValue}
	if holdout {
		v = append(v, r.FrequencyHoldout, r.DurationHoldout)
	}
	return v
}

func summaryCSV(w io.Writer, holdout bool) func(valuation.SummaryRow) error {
	cw := csv.NewWriter(w)
	header := true
	rec := make([]string, len(summaryColumns(holdout)))
	return func(r valuation.SummaryRow) error {
		if header {
			header = false
			if err := cw.Write(summaryColumns(holdout)); err != nil {
				return err
			}
		}
		rec[0] = r.CustomerID
		for i, v := range summaryValues(r, holdout) {
			rec[i+1] = strconv.FormatFloat(v, 'f', -1, 64)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	}
}

func summaryNDJSON(w io.Writer, holdout bool) func(valuation.SummaryRow) error {
	enc := json.NewEncoder(w)
	cols := summaryColumns(holdout)
	return func(r valuation.SummaryRow) error {
		m := make(map[string]any, len(cols))
		m[cols[0]] = r.CustomerID
		for i, v := range summaryValues(r, holdout) {
			m[cols[i+1]] = v
		}
		return enc.Encode(m)
	}
}
