package simulate_test

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele/internal/ingest"
	"clientele/internal/simulate"
	"clientele/internal/store/storetest"
)

func hashDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	return out
}

// The same seed gives the same files, byte for byte; another seed does not.
func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	for _, run := range []struct {
		dir  string
		seed uint64
	}{{a, 7}, {b, 7}, {c, 8}} {
		if _, err := simulate.Run(ctx, simulate.Config{Customers: 5000, Seed: run.seed}, run.dir, nil); err != nil {
			t.Fatal(err)
		}
	}
	ha, hb, hc := hashDir(t, a), hashDir(t, b), hashDir(t, c)
	if diff := cmp.Diff(ha, hb); diff != "" {
		t.Errorf("same seed, different output (-a +b):\n%s", diff)
	}
	if ha["transactions.csv"] == hc["transactions.csv"] {
		t.Errorf("seeds 7 and 8 gave the same transactions")
	}
}

// The simulated directory imports cleanly, and what is stored agrees with
// the truth the simulator wrote.
func TestImportsAndMatchesTruth(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	truth, err := simulate.Run(ctx, simulate.Config{Customers: 3000, Seed: 3}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			sums, err := ingest.Dir(ctx, b.DB, dir, ingest.Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range sums {
				if s.Rejected != 0 {
					t.Errorf("%s: %d rejected", s.Kind, s.Rejected)
				}
			}
			st, err := b.DB.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if st.Customers != int64(truth.Customers) || st.Transactions != truth.Transactions || st.Events != truth.Events {
				t.Errorf("stored %d customers, %d transactions, %d events; truth %d, %d, %d",
					st.Customers, st.Transactions, st.Events, truth.Customers, truth.Transactions, truth.Events)
			}
			v, err := b.DB.Customer360(ctx, "C00000001", 5)
			if err != nil {
				t.Fatal(err)
			}
			if v.Customer.Name == "" || v.Customer.Email == "" || len(v.Transactions) == 0 || len(v.Transactions[0].Lines) == 0 {
				t.Errorf("customer 1: %+v", v)
			}
		})
	}
}

// Life events show in the data: every customer with a new baby buys diapers
// for the first time after the birth, and nobody else buys diapers.
func TestLifeEventsShowInPurchases(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	truth, err := simulate.Run(ctx, simulate.Config{Customers: 20000, Seed: 11}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"new_baby", "moving_home", "marriage", "graduation", "business_class", "retirement", "spouse_death", "empty_nest"} {
		if truth.LifeEvents[kind] == 0 {
			t.Errorf("no %s life events in 20,000 customers", kind)
		}
	}
	babies := map[string]string{} // customer → birth time
	for _, r := range readCSV(t, filepath.Join(dir, "life_events.csv")) {
		if r[1] == "new_baby" {
			babies[r[0]] = r[2]
		}
	}
	firstDiaper := map[string]string{}
	businessPaidWithCard := 0
	for _, r := range readCSV(t, filepath.Join(dir, "transactions.csv")) {
		cust, when, sku := r[1], r[2], r[9]
		if sku == "BABY-DIAPER" {
			if _, ok := babies[cust]; !ok {
				t.Fatalf("customer %s bought diapers without a baby", cust)
			}
			if f, ok := firstDiaper[cust]; !ok || when < f {
				firstDiaper[cust] = when
			}
		}
		if sku == "TRV-BUSINESS" && r[5] == "clientele_card_gold" {
			businessPaidWithCard++
		}
	}
	if len(firstDiaper) == 0 || businessPaidWithCard == 0 {
		t.Fatalf("diaper buyers %d, business-class tickets on gold cards %d", len(firstDiaper), businessPaidWithCard)
	}
	// Both times are RFC 3339 in UTC, so they compare as strings.
	for cust, f := range firstDiaper {
		if f < babies[cust] {
			t.Errorf("customer %s bought diapers at %s, before the birth at %s", cust, f, babies[cust])
		}
	}
}

// The purchase process follows the model: with BG/NBD the mean number of
// repeat purchases of customers observed for T weeks matches E[X(T)]
// averaged over their T (Fader, Hardie & Lee 2005, eq. 7), within sampling
// error.
func TestRepeatPurchasesFollowModel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := simulate.Config{Customers: 20000, Seed: 5}
	if _, err := simulate.Run(ctx, cfg, dir, nil); err != nil {
		t.Fatal(err)
	}
	m := simulate.DefaultBGNBD
	rows := readCSV(t, filepath.Join(dir, "customer_truth.csv"))
	var sum, want, sq float64
	for _, r := range rows {
		x, _ := strconv.ParseFloat(r[8], 64)
		sum += x
		sq += x * x
	}
	// Acquisition is uniform over the first 52 weeks of 104, so T is
	// uniform on [52, 104]; average E[X(T)] over it numerically.
	const n = 520
	for i := range n {
		T := 52 + (float64(i)+0.5)*52/n
		want += bgnbdExpected(m.R, m.Alpha, m.A, m.B, T) / n
	}
	mean := sum / float64(len(rows))
	se := math.Sqrt((sq/float64(len(rows)) - mean*mean) / float64(len(rows)))
	if math.Abs(mean-want) > 4*se {
		t.Errorf("mean repeat purchases %.4f, model %.4f (se %.4f)", mean, want, se)
	}
}

// bgnbdExpected is E[X(t)] of the BG/NBD model by its series:
// (a+b−1)/(a−1) · [1 − (α/(α+t))^r · 2F1(r, b; a+b−1; t/(α+t))].
func bgnbdExpected(r, alpha, a, b, t float64) float64 {
	z := t / (alpha + t)
	term, sum := 1.0, 1.0
	for k := 0; k < 2000; k++ {
		term *= (r + float64(k)) * (b + float64(k)) / ((a + b - 1 + float64(k)) * float64(k+1)) * z
		sum += term
		if term < 1e-15*sum {
			break
		}
	}
	return (a + b - 1) / (a - 1) * (1 - math.Pow(alpha/(alpha+t), r)*sum)
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	if _, err := r.Read(); err != nil && err != io.EOF {
		t.Fatal(err)
	}
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// Regular baskets are worth exactly the spend model's draw; the mean of the
// customers' mean spend is then near the model's population mean pγ/(q−1)
// (customers with a life event, whose baskets add list-priced items, are
// left out).
func TestSpendFollowsModel(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if _, err := simulate.Run(ctx, simulate.Config{Customers: 20000, Seed: 9}, dir, nil); err != nil {
		t.Fatal(err)
	}
	withEvent := map[string]bool{}
	for _, r := range readCSV(t, filepath.Join(dir, "life_events.csv")) {
		withEvent[r[0]] = true
	}
	seen := map[string]bool{}
	var sum float64
	var n int
	for _, r := range readCSV(t, filepath.Join(dir, "transactions.csv")) {
		if withEvent[r[1]] || seen[r[0]] {
			continue
		}
		seen[r[0]] = true
		a, _ := strconv.ParseFloat(r[6], 64)
		sum += a
		n++
	}
	m := simulate.DefaultSpend
	want := m.P * m.Gamma / (m.Q - 1) // mean of z over customers: E[p/ν] = pγ/(q−1)
	if got := sum / float64(n); math.Abs(got-want) > 0.03*want {
		t.Errorf("mean transaction value %.2f, model %.2f", got, want)
	}
}
