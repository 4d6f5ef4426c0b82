// Package parallel splits a range of work over the machine's cores. It
// lives under clv, and imports nothing but the runtime, so that clv stays a
// library of its own; the rest of Clientele uses it too.
package parallel

import (
	"runtime"
	"sync"
)

// Chunks splits [0, n) into at most workers contiguous chunks of nearly
// equal size and calls fn(w, lo, hi) for chunk w on a goroutine of its
// own, returning when every call has returned. workers ≤ 0 means
// GOMAXPROCS; fewer than minPerWorker items per worker means fewer
// workers, down to one, which runs on the calling goroutine. It returns the
// number of chunks, so that a caller can size per-worker results with
// Workers first.
func Chunks(n, workers, minPerWorker int, fn func(w, lo, hi int)) int {
	k := Workers(n, workers, minPerWorker)
	if k == 1 {
		fn(0, 0, n)
		return 1
	}
	chunk := (n + k - 1) / k
	var wg sync.WaitGroup
	for w := range k {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			continue
		}
		wg.Go(func() { fn(w, lo, hi) })
	}
	wg.Wait()
	return k
}

// Workers returns how many chunks Chunks makes of n items.
func Workers(n, workers, minPerWorker int) int {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if minPerWorker > 0 {
		workers = min(workers, n/minPerWorker)
	}
	return max(1, min(workers, n))
}
