package parallel

import (
	"sync"
	"testing"
)

// Every item is visited exactly once, the chunks are contiguous and
// within the worker count, whatever n and the worker settings.
func TestChunksCoverEveryItemOnce(t *testing.T) {
	for _, tc := range []struct{ n, workers, minPer int }{
		{0, 4, 0}, {1, 4, 0}, {3, 4, 0}, {10, 4, 0}, {10, 3, 0}, {1000, 0, 0},
		{1000, 8, 200}, {1000, 8, 2000}, {7, 100, 1}, {5, -1, 0},
	} {
		seen := make([]int, tc.n)
		var mu sync.Mutex
		var chunks [][2]int
		k := Chunks(tc.n, tc.workers, tc.minPer, func(w, lo, hi int) {
			mu.Lock()
			chunks = append(chunks, [2]int{lo, hi})
			mu.Unlock()
			if w < 0 || w >= Workers(tc.n, tc.workers, tc.minPer) {
				t.Errorf("%+v: worker index %d out of range", tc, w)
			}
			for i := lo; i < hi; i++ {
				seen[i]++
			}
		})
		if k != Workers(tc.n, tc.workers, tc.minPer) {
			t.Errorf("%+v: Chunks = %d, Workers = %d", tc, k, Workers(tc.n, tc.workers, tc.minPer))
		}
		if tc.workers > 0 && len(chunks) > tc.workers {
			t.Errorf("%+v: %d chunks for %d workers", tc, len(chunks), tc.workers)
		}
		if tc.minPer > 0 && len(chunks) > 1 && tc.n/len(chunks) < tc.minPer/2 {
			t.Errorf("%+v: %d chunks of %d items, want about %d at least", tc, len(chunks), tc.n/len(chunks), tc.minPer)
		}
		for i, c := range seen {
			if c != 1 {
				t.Errorf("%+v: item %d visited %d times", tc, i, c)
			}
		}
	}
}
