package simulate_test

import (
	"context"
	"testing"

	"clientele/internal/simulate"
)

// BenchmarkSimulate1M writes the data of 1,000,000 customers.
func BenchmarkSimulate1M(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := simulate.Run(context.Background(), simulate.Config{Customers: 1_000_000, Seed: 1}, b.TempDir(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
