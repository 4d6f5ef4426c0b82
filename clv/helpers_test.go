package clv_test

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"clientele/clv"
)

func readCSV(t testing.TB, path string) [][]float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][]float64
	for _, r := range rows[1:] {
		var v []float64
		for _, c := range r {
			f, err := strconv.ParseFloat(c, 64)
			if err != nil {
				t.Fatal(err)
			}
			v = append(v, f)
		}
		out = append(out, v)
	}
	return out
}

// cdnow returns the CDNOW sample's calibration summary (FHL 2005).
func cdnow(t testing.TB) []clv.RFM {
	var data []clv.RFM
	for _, r := range readCSV(t, "testdata/cdnow_customers_summary.csv") {
		data = append(data, clv.RFM{X: r[1], TX: r[2], T: r[3]})
	}
	return data
}

func near(got, want, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(want), 1e-300)
}

func checkNear(t *testing.T, what string, got, want, rel float64) {
	t.Helper()
	if !near(got, want, rel) {
		t.Errorf("%s = %.9g, want %.9g (rel. tolerance %g)", what, got, want, rel)
	}
}

// recovers checks that a fit on simulated data finds the parameters the
// data were simulated with, each within three of its standard errors.
func recovers(t *testing.T, fit *clv.Fit, err error, truth []float64) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range truth {
		if math.Abs(fit.Params[i]-want) > 3*fit.StdErrors[i] {
			t.Errorf("%s = %.4f ± %.4f, truth %v", fit.Names[i], fit.Params[i], fit.StdErrors[i], want)
		}
	}
}
