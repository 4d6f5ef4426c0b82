package main_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// On CDNOW, whose transactions carry no margin, score refuses to value
// everyone at 0 and says what to give; with --margin it labels the CLV
// margin- or revenue-based and writes every customer's row with the
// column names of lifetimes and CLVTools, lifetime values beside the
// horizon's, and the holdout per customer. A refused scoring leaves no
// file.
func TestScoreOut(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			if _, errOut, err := run(t, db, "fit", "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30"); err != nil {
				t.Fatalf("fit: %v\n%s", err, errOut)
			}
			path := filepath.Join(dir, "scores.csv")
			_, errOut, err := run(t, db, "score", "--out", path)
			if err == nil || !strings.Contains(errOut, "every CLV would be 0") || !strings.Contains(errOut, "--margin 0.3") {
				t.Errorf("score without margins: %v %s", err, errOut)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Errorf("a refused scoring left %s: %v", path, err)
			}

			out, errOut, err := run(t, db, "score", "--margin", "0.3", "--out", path, "--bom")
			if err != nil || !strings.Contains(out, "margin-based (an assumed margin of 30 % of spend)") || !strings.Contains(out, "1997-09-30") {
				t.Fatalf("score --margin 0.3: %v\n%s%s", err, out, errOut)
			}
			// The export of every customer's scores is in the audit log; the
			// refused scoring before it, which wrote no file, is not.
			if out, _, _ := run(t, db, "audit", "--format", "json"); strings.Count(out, `"action": "export"`) != 1 || !strings.Contains(out, "every customer's scores of run 1") {
				t.Errorf("audit after score --out:\n%s", out)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(b, []byte("\uFEFF")) {
				t.Errorf("--bom: the file begins %q", b[:min(8, len(b))])
			}
			recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\uFEFF")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			wantCols := []string{"customer_id", "frequency", "recency", "T", "monetary_value", "p_alive", "predicted_purchases_52w", "expected_spend",
				"dert_52w", "dert_lifetime", "clv_52w", "clv_lifetime", "currency", "frequency_holdout", "duration_holdout", "predicted_purchases_holdout"}
			if diff := cmp.Diff(wantCols, recs[0]); diff != "" {
				t.Fatalf("columns (-want +got):\n%s", diff)
			}
			if len(recs) != 1+2357 {
				t.Errorf("%d rows, want 2357", len(recs)-1)
			}
			var holdout, predicted float64
			for _, r := range recs[1:] {
				v := map[string]float64{}
				for i, c := range recs[0] {
					if c != "customer_id" && c != "currency" {
						f, err := strconv.ParseFloat(r[i], 64)
						if err != nil {
							t.Fatalf("%s %s: %v", r[0], c, err)
						}
						v[c] = f
					}
				}
				// CLV and expected spend are both rounded to cents.
				if !(v["p_alive"] >= 0 && v["p_alive"] <= 1) || !(v["dert_lifetime"] >= v["dert_52w"]) || v["duration_holdout"] != 39 ||
					math.Abs(v["clv_52w"]-v["dert_52w"]*v["expected_spend"]*0.3) > 0.005+v["dert_52w"]*0.005*0.3 || r[12] != "USD" {
					t.Fatalf("row %v", r)
				}
				holdout += v["frequency_holdout"]
				predicted += v["predicted_purchases_holdout"]
				// Fader, Hardie & Lee (2005), "Counting your customers the
				// easy way", p. 280: E[Y(39) | x = 2, t_x = 30.43, T = 38.86]
				// = 1.226 (customer 00004 of the CDNOW sample).
				if r[0] == "00004" && (v["frequency"] != 2 || math.Abs(v["predicted_purchases_holdout"]-1.226) > 0.0005) {
					t.Errorf("customer 00004: %v, want E[Y(39)] = 1.226", r)
				}
			}
			// The holdout columns are the data's and the model's: 1,882
			// purchase days were made in the 39 weeks, and BG/NBD fitted on
			// the calibration period expects 1,653 of them (it underpredicts
			// CDNOW's heavy buyers, as lifetimes' calibration-vs-holdout plot
			// shows).
			if holdout != 1882 || math.Abs(predicted-holdout)/holdout > 0.15 {
				t.Errorf("holdout: %.0f purchases predicted, %.0f made", predicted, holdout)
			}

			// JSON lines, and a revenue-based CLV says so.
			out, errOut, err = run(t, db, "score", "--margin", "1", "--out", "-", "--out-format", "json", "--format", "json")
			if err != nil || !strings.Contains(errOut, "revenue-based") {
				t.Fatalf("score --margin 1: %v\n%s", err, errOut)
			}
			sc := bufio.NewScanner(strings.NewReader(out))
			sc.Buffer(nil, 1<<20)
			lines := 0
			for sc.Scan() {
				var m map[string]any
				if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
					// The summary, indented, follows the rows.
					break
				}
				if _, ok := m["dert_lifetime"].(float64); !ok {
					t.Fatalf("json row %s", sc.Text())
				}
				lines++
			}
			if lines != 2357 {
				t.Errorf("%d JSON rows", lines)
			}
		})
	}
}
