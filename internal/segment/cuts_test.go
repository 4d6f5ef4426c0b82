package segment

import (
	"math/rand/v2"
	"testing"
)

// The cut points rfmQuintiles returns place every customer it ranked in
// the quintile it gave them, whatever the ties (many equal frequencies,
// a population smaller than five, nobody with a purchase).
func TestCutsPlaceAsRanked(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 4, 5, 7, 20, 101, 1000} {
		for _, distinct := range []int{1, 2, 3, 6, 1000} {
			ins := make([]*Input, n)
			for i := range ins {
				tx := int64(rng.IntN(distinct))
				if rng.IntN(10) == 0 {
					tx = 0 // not a buyer
				}
				ins[i] = &Input{ID: "c", RFM: &RFM{}, Activity: &Activity{
					Transactions:  tx,
					Revenue:       float64(rng.IntN(distinct)) * 1.5,
					DaysSinceLast: int64(rng.IntN(distinct)),
				}}
			}
			cuts := rfmQuintiles(ins)
			for _, c := range [][]float64{cuts.R, cuts.F, cuts.M} {
				if len(c) > 4 {
					t.Fatalf("n %d: %d cut points", n, len(c))
				}
			}
			for i, in := range ins {
				ranked := *in.RFM
				placed := &Input{RFM: &RFM{}, Activity: in.Activity}
				cuts.place(placed)
				if *placed.RFM != ranked {
					t.Fatalf("n %d, %d distinct: customer %d %+v ranked %+v, placed %+v (cuts %+v)", n, distinct, i, *in.Activity, ranked, *placed.RFM, cuts)
				}
				if in.Activity.Transactions > 0 && (ranked.R < 1 || ranked.R > 5 || ranked.F < 1 || ranked.M > 5) {
					t.Fatalf("quintiles out of range: %+v", ranked)
				}
			}
		}
	}
}
