package main

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"clientele"
	"clientele/internal/valuation"
)

// unitLetters name a horizon's unit in a column name: dert_52w.
var unitLetters = map[string]string{"day": "d", "week": "w", "month": "m", "year": "y"}

// scoreColumns are the columns of a per-customer score file: lifetimes'
// names for the history (frequency, recency, T, monetary_value, p_alive)
// and for the holdout (frequency_holdout, duration_holdout), CLVTools'
// quantities with the horizon in the name (predicted_purchases_52w is its
// CET, dert_lifetime its DERT), so that nobody takes a 52-week DERT for a
// lifetime one.
func scoreColumns(horizon float64, unit string, holdout bool) []string {
	h := strconv.FormatFloat(horizon, 'f', -1, 64) + unitLetters[unit]
	cols := []string{"customer_id", "frequency", "recency", "T", "monetary_value", "p_alive",
		"predicted_purchases_" + h, "expected_spend", "dert_" + h, "dert_lifetime", "clv_" + h, "clv_lifetime", "currency"}
	if holdout {
		cols = append(cols, "frequency_holdout", "duration_holdout", "predicted_purchases_holdout")
	}
	return cols
}

// scoreFile writes every customer's scoring to path (standard output for
// "-") as CSV or JSON lines; close flushes it and reports the first error.
type scoreFile struct {
	cols     []string
	cur      clientele.Currency
	scale    int
	duration float64 // the holdout's length in the unit; 0: none
	json     bool
	bom      bool
	bw       *bufio.Writer
	cw       *csv.Writer
	enc      *json.Encoder
	rec      []string
	n        int
}

func newScoreFile(w io.Writer, format string, run *clientele.Run, horizon, duration float64, bom bool) *scoreFile {
	scale, _ := run.Currency.Scale()
	s := &scoreFile{cols: scoreColumns(horizon, run.Unit, duration > 0), cur: run.Currency, scale: scale, duration: duration,
		json: format == "json", bom: bom, bw: bufio.NewWriterSize(w, 1<<16)}
	s.cw = csv.NewWriter(s.bw)
	s.enc = json.NewEncoder(s.bw)
	s.enc.SetEscapeHTML(false)
	return s
}

func (s *scoreFile) money(minor int64) string { return clientele.FormatAmount(minor, s.scale) }

func num(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// write writes one customer's row.
func (s *scoreFile) write(r valuation.ScoreRow) error {
	lifetime := !math.IsNaN(r.DERTLifetime)
	if s.json {
		m := make(map[string]any, len(s.cols))
		vals := []any{r.CustomerID, r.Frequency, r.Recency, r.T, r.MonetaryValue, r.ProbAlive, r.ExpectedPurchases,
			json.Number(s.money(r.ExpectedSpend)), r.DERT, nil, json.Number(s.money(r.CLV)), nil, string(s.cur)}
		if lifetime {
			vals[9], vals[11] = r.DERTLifetime, json.Number(s.money(r.CLVLifetime))
		}
		if s.duration > 0 {
			vals = append(vals, r.FrequencyHoldout, s.duration, r.PredictedHoldout)
		}
		for i, c := range s.cols {
			m[c] = vals[i]
		}
		s.n++
		return s.enc.Encode(m)
	}
	if s.n == 0 {
		if s.bom {
			s.bw.WriteString(utf8BOM)
		}
		if err := s.cw.Write(s.cols); err != nil {
			return err
		}
	}
	s.rec = append(s.rec[:0], r.CustomerID, num(r.Frequency), num(r.Recency), num(r.T), num(r.MonetaryValue), num(r.ProbAlive),
		num(r.ExpectedPurchases), s.money(r.ExpectedSpend), num(r.DERT), "", s.money(r.CLV), "", string(s.cur))
	if lifetime {
		s.rec[9], s.rec[11] = num(r.DERTLifetime), s.money(r.CLVLifetime)
	}
	if s.duration > 0 {
		s.rec = append(s.rec, num(r.FrequencyHoldout), num(s.duration), num(r.PredictedHoldout))
	}
	s.n++
	return s.cw.Write(s.rec)
}

// flush writes out what is buffered.
func (s *scoreFile) flush() error {
	s.cw.Flush()
	if err := s.cw.Error(); err != nil {
		return err
	}
	return s.bw.Flush()
}

// writeAtomically calls fn with a writer onto a temporary file beside path
// and renames it to path when fn succeeds, so that a failed scoring leaves
// no half-written file (and no file at all where there was none); "-" is
// standard output.
func (a *app) writeAtomically(path string, fn func(w io.Writer) error) error {
	if path == "-" {
		return fn(a.stdout)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return clientele.Errorf(clientele.EINVALID, "--out: %w", err)
	}
	defer os.Remove(f.Name()) // after the rename, there is nothing to remove
	if err := fn(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
