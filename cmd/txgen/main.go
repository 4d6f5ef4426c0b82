// Command txgen writes a large transactions CSV (id,customer_id,time,amount)
// of BG/NBD customers, for the 10M-customer benchmark in docs/benchmarks.md:
//
//	go run ./cmd/txgen -customers 10000000 > tx10m.csv
//
// Customers are acquired uniformly over the first 12 weeks of 2023 and
// observed for 78 weeks from 2023-01-01; their purchases follow BG/NBD with
// the CDNOW parameters (r = 0.243, α = 4.414, a = 0.793, b = 2.426, weeks),
// and amounts are exponential around a customer-specific mean.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"clientele/clv"
)

func main() {
	customers := flag.Int("customers", 1_000_000, "number of customers")
	seed := flag.Uint64("seed", 7, "random seed")
	flag.Parse()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	m := clv.BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	rng := rand.New(rand.NewPCG(*seed, *seed))
	start := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 78*7)
	fmt.Fprintln(w, "id,customer_id,time,amount")
	id := 0
	for c := range *customers {
		first := start.Add(time.Duration(rng.IntN(12*7*24*3600)) * time.Second)
		_, times := m.Simulate(rng, end.Sub(first).Hours()/24/7)
		mean := 15.44 / (6.25 * 3.74) * (0.5 + rng.Float64()) * 20
		emit := func(at time.Time) {
			id++
			fmt.Fprintf(w, "t%d,C%08d,%s,%.2f\n", id, c, at.Format(time.RFC3339), 5+rng.ExpFloat64()*mean)
		}
		emit(first)
		for _, t := range times {
			emit(first.Add(time.Duration(t * 7 * 24 * float64(time.Hour))))
		}
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "txgen:", err)
		os.Exit(1)
	}
}
