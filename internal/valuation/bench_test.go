package valuation

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"clientele/clv"
)

// BenchmarkPredict1M computes P(alive), expected purchases over 52 weeks and
// DERT (15 % a year) for 1,000,000 simulated BG/NBD customers whose
// histories are in days, as `clientele score` does (without the database).
func BenchmarkPredict1M(b *testing.B) {
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	rng := rand.New(rand.NewPCG(1, 1))
	rows := make([]scoreRow, 1_000_000)
	for i := range rows {
		age := int32(182 + rng.IntN(365))
		_, times := m.Simulate(rng, float64(age)/7)
		r := scoreRow{x: int32(len(times)), T: age}
		if len(times) > 0 {
			r.tx = min(int32(times[len(times)-1]*7), age)
		}
		rows[i] = r
	}
	delta := math.Log(1.15) / 52
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		predict(bgnbd{m}, rows, 7, predictOptions{horizon: 52, delta: delta})
	}
}

// summaryFile1M writes a summary CSV of 1,000,000 simulated BG/NBD
// customers as lifetimes' summary_data_from_transaction_data writes one:
// customer_id, frequency, recency, T, monetary_value, with recency and T in
// weeks of whole days (34.142857142857146).
func summaryFile1M(b *testing.B) string {
	b.Helper()
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	rng := rand.New(rand.NewPCG(1, 1))
	var buf bytes.Buffer
	buf.WriteString("customer_id,frequency,recency,T,monetary_value\n")
	for i := range 1_000_000 {
		age := 182 + rng.IntN(365)
		_, times := m.Simulate(rng, float64(age)/7)
		x, tx := len(times), 0
		if x > 0 {
			tx = min(int(times[x-1]*7), age)
		}
		mv := 0.0
		if x > 0 {
			mv = math.Round(rng.ExpFloat64()*3500) / 100
		}
		fmt.Fprintf(&buf, "%d,%d,%s,%s,%s\n", i, x, strconv.FormatFloat(float64(tx)/7, 'f', -1, 64), strconv.FormatFloat(float64(age)/7, 'f', -1, 64), strconv.FormatFloat(mv, 'f', -1, 64))
	}
	path := filepath.Join(b.TempDir(), "summary.csv")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkFitFile1M is the whole of `clientele fit --summary` on a 1M-row
// summary file, as analysts time it: reading the CSV and fitting BG/NBD.
func BenchmarkFitFile1M(b *testing.B) {
	path := summaryFile1M(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitFile(context.Background(), nil, path, "bgnbd", ""); err != nil {
			b.Fatal(err)
		}
	}
}
