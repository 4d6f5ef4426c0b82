// Command loadgen is a developer tool: an open-loop HTTP load generator that
// sends GET requests for random customers at a fixed rate and reports the
// latency distribution. It measures the API as a caller sees it, including
// queueing, which a closed-loop benchmark would hide.
//
//	loadgen -url http://127.0.0.1:8080 -token TOKEN -path '/api/v1/customers/C%08d/360' -ids 1000000 -rate 1000 -duration 30s
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080", "server base URL (loopback only)")
	token := flag.String("token", os.Getenv("CLIENTELE_TOKEN"), "API token (or CLIENTELE_TOKEN)")
	path := flag.String("path", "/api/v1/customers/C%08d/360", "request path; %d is replaced by a random id in [1, ids]")
	ids := flag.Int("ids", 1000000, "number of customer ids to draw from")
	rate := flag.Int("rate", 1000, "requests per second")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	warmup := flag.Duration("warmup", 5*time.Second, "requests in this first period are not counted")
	flag.Parse()
	if *rate <= 0 || *duration <= 0 || *duration > 10*time.Minute {
		fmt.Fprintln(os.Stderr, "loadgen: rate must be positive and duration within 10 minutes")
		os.Exit(2)
	}

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 512}, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(context.Background(), *warmup+*duration+15*time.Second)
	defer cancel()

	var mu sync.Mutex
	var lat []time.Duration
	var errs, non200 int
	var wg sync.WaitGroup
	start := time.Now()
	interval := time.Second / time.Duration(*rate)
	total := int((*warmup + *duration) / interval)
	rng := rand.New(rand.NewPCG(1, 1))
	for i := range total {
		// Open loop: each request is due at its own time, whether or not
		// earlier ones have answered.
		due := start.Add(time.Duration(i) * interval)
		time.Sleep(time.Until(due))
		req, _ := http.NewRequestWithContext(ctx, "GET", *url+fmt.Sprintf(*path, 1+rng.IntN(*ids)), nil)
		req.Header.Set("Authorization", "Bearer "+*token)
		counted := time.Duration(i)*interval >= *warmup
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := client.Do(req)
			d := time.Since(due) // from when it was due: includes any queueing
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs++
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				non200++
			}
			if counted {
				lat = append(lat, d)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	fmt.Printf("requests %d (counted %d) in %.1fs, achieved %.0f req/s, errors %d, non-200 %d\n",
		total, len(lat), elapsed.Seconds(), float64(total)/elapsed.Seconds(), errs, non200)
	fmt.Printf("latency p50 %v  p90 %v  p99 %v  p99.9 %v  max %v\n", q(0.50), q(0.90), q(0.99), q(0.999), q(1))
}
