package clv_test

import (
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele/clv"
)

func TestCollapse(t *testing.T) {
	data := []clv.RFM{{X: 2, TX: 5, T: 9}, {X: 0, T: 9}, {X: 2, TX: 5, T: 9, W: 3}, {X: 1, TX: 1, T: 9}, {X: 0, T: 9}, {X: 0, T: 8}}
	want := []clv.RFM{{X: 0, T: 9, W: 2}, {X: 0, T: 8, W: 1}, {X: 1, TX: 1, T: 9, W: 1}, {X: 2, TX: 5, T: 9, W: 4}}
	if diff := cmp.Diff(want, clv.Collapse(data)); diff != "" {
		t.Errorf("Collapse (-want +got):\n%s", diff)
	}
}

// A fit on one row per customer and a fit on the collapsed rows agree
// exactly, and the weights keep every customer.
func TestCollapseFit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	m := clv.BGNBD{R: 0.5, Alpha: 5, A: 0.8, B: 2.5}
	var raw []clv.RFM
	for range 5000 {
		_, times := m.Simulate(rng, 30)
		d := clv.RFM{X: float64(len(times)), T: 30}
		if len(times) > 0 {
			d.TX = float64(int(times[len(times)-1]))
		}
		raw = append(raw, d)
	}
	c := clv.Collapse(raw)
	total := 0.0
	for _, d := range c {
		total += d.W
	}
	if total != 5000 || len(c) >= len(raw) {
		t.Errorf("collapsed to %d rows with weights summing to %v", len(c), total)
	}
	_, a, err := clv.FitBGNBD(raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, b, err := clv.FitBGNBD(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Params {
		checkNear(t, a.Names[i], b.Params[i], a.Params[i], 1e-9)
	}
}

// Collapsing on several workers gives exactly what one worker gives.
func TestCollapseParallelDeterministic(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	data := make([]clv.RFM, 300_000)
	for i := range data {
		x := float64(rng.IntN(5))
		d := clv.RFM{X: x, T: float64(rng.IntN(50) + 50)}
		if x > 0 {
			d.TX = float64(rng.IntN(50))
		}
		data[i] = d
	}
	a := clv.Collapse(data)
	b := clv.Collapse(append([]clv.RFM(nil), data...))
	if diff := cmp.Diff(a, b); diff != "" {
		t.Fatalf("two collapses differ:\n%s", diff)
	}
	total := 0.0
	for _, d := range a {
		total += d.W
	}
	if total != float64(len(data)) {
		t.Errorf("weights sum to %v, want %d", total, len(data))
	}
	for i := 1; i < len(a); i++ {
		if a[i].X < a[i-1].X {
			t.Fatalf("row %d out of x order", i)
		}
	}
	// Collapsers fed consecutive parts, in batches of any size, merge to
	// what Collapse gives for the whole.
	for _, cuts := range [][]int{{0, len(data)}, {0, 0, 1, 2, 77_777, len(data)}, {0, 150_000, 150_000, 299_999, len(data)}} {
		parts := make([]clv.Collapser, len(cuts)-1)
		for p := range parts {
			for lo := cuts[p]; lo < cuts[p+1]; lo += 1000 {
				parts[p].Add(data[lo:min(lo+1000, cuts[p+1])]...)
			}
		}
		if diff := cmp.Diff(a, clv.MergeCollapsed(parts)); diff != "" {
			t.Errorf("collapsers cut at %v (-Collapse +merged):\n%s", cuts, diff)
		}
	}
}
