package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"clientele"
	"clientele/internal/store"
)

// BenchmarkRecordReads records reads as the server does under load: one
// entry a request, due every millisecond (1,000 a second, open loop), each
// waited for until it is durable, with the reads' indexer running. It
// reports the latency of recording at the median, the 99th percentile and
// the 99.9th.
func BenchmarkRecordReads(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, b.TempDir()+"/c.db", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	lat := make([]time.Duration, b.N)
	var wg sync.WaitGroup
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	b.ResetTimer()
	for i := range b.N {
		<-tick.C
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			err := db.RecordReads(ctx, clientele.AuditEntry{UserName: "bench", Role: "cco", Action: clientele.AuditRead,
				CustomerID: fmt.Sprintf("C%08d", i*7919%1_000_000), Route: "GET /api/v1/customers/{id}/360"})
			if err != nil {
				b.Error(err)
			}
			lat[i] = time.Since(start)
		}()
	}
	wg.Wait()
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 {
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(0.999), "p99.9-ms")
}
