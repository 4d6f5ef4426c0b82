package web_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"clientele"
	"clientele/internal/delivery"
	"clientele/internal/ingest"
	"clientele/internal/rules"
	"clientele/internal/simulate"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
	"clientele/internal/web"
)

// The real-time engine's benchmarks (docs/benchmarks.md): events posted
// over HTTP with the counters, the playbook's triggers and the outbox in
// their transaction; the next best action of one customer; from a stored
// purchase to its webhook delivered. On a simulated retailer of
// CLIENTELE_BENCH_CUSTOMERS customers (default 20,000), on SQLite and, with
// CLIENTELE_TEST_POSTGRES, PostgreSQL; or, for the backend of its kind, on
// the imported simulation CLIENTELE_BENCH_DB names (a copy: the
// benchmarks write).

type engineBench struct {
	db        *store.DB
	engine    *rules.Engine
	customers int
	token     string
	srv       *web.Server
}

func benchCustomers() int {
	n := 20000
	if v := os.Getenv("CLIENTELE_BENCH_CUSTOMERS"); v != "" {
		fmt.Sscan(v, &n)
	}
	return n
}

var simOnce sync.Map // customers → directory of a simulation

func newEngineBench(b *testing.B, dsn string) *engineBench {
	b.Helper()
	ctx := context.Background()
	if path := os.Getenv("CLIENTELE_BENCH_DB"); path != "" && strings.HasPrefix(path, "postgres") == strings.HasPrefix(dsn, "postgres") {
		return engineBenchOn(b, path)
	}
	n := benchCustomers()
	dir, ok := simOnce.Load(n)
	if !ok {
		d, err := os.MkdirTemp("", "clientele-bench-")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := simulate.Run(ctx, simulate.Config{Customers: n, Seed: 1}, d, nil); err != nil {
			b.Fatal(err)
		}
		simOnce.Store(n, d)
		dir = d
	}
	db, err := store.Open(ctx, dsn, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := ingest.Dir(ctx, db, dir.(string), ingest.Options{}); err != nil {
		b.Fatal(err)
	}
	return withPlaybook(b, db, n)
}

// engineBenchOn runs the benchmark on the database at path (an SQLite file
// or a postgres:// URL, for the backend of its kind), a simulation's
// import (clientele simulate, then import; give a copy: the benchmark
// writes into it), instead of importing a simulation of
// CLIENTELE_BENCH_CUSTOMERS: for a million customers.
func engineBenchOn(b *testing.B, path string) *engineBench {
	ctx := context.Background()
	db, err := store.Open(ctx, path, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	st, err := db.Stats(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return withPlaybook(b, db, int(st.Customers))
}

// withPlaybook loads the article's playbook into db and serves it.
func withPlaybook(b *testing.B, db *store.DB, n int) *engineBench {
	ctx := context.Background()
	e, err := rules.New(ctx, db, "USD")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.LoadPlaybook(ctx, rules.ArticlePlaybook, "bench"); err != nil {
		b.Fatal(err)
	}
	db.SetEngine(e)
	tok, err := db.CreateServiceToken(ctx, "bench", "admin")
	if err != nil {
		b.Fatal(err)
	}
	srv := web.New(db, web.Config{Engine: e}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return &engineBench{db: db, engine: e, customers: n, token: tok, srv: srv}
}

func benchBackends(b *testing.B) map[string]func(testing.TB) string {
	out := map[string]func(testing.TB) string{"sqlite": storetest.SQLiteDSN}
	if os.Getenv(storetest.EnvPostgres) != "" {
		out["postgres"] = storetest.PostgresDSN
	}
	return out
}

// benchRun makes the ids of this run's facts new on a database an earlier
// run wrote into (CLIENTELE_BENCH_DB).
var benchRun = time.Now().UnixNano()

// eventBatch is 1,000 events of random customers, stored now: web visits
// with their page, and the life events the playbook listens to.
func eventBatch(rng *rand.Rand, customers int, seq *int) string {
	var sb strings.Builder
	sb.WriteByte('[')
	now := time.Now().UTC().Format(time.RFC3339)
	for i := range 1000 {
		if i > 0 {
			sb.WriteByte(',')
		}
		*seq++
		c := fmt.Sprintf("C%08d", 1+rng.IntN(customers))
		typ, props := "web_visit", fmt.Sprintf(`{"page":%q}`, []string{"home", "offers", "baby", "furniture", "travel"}[rng.IntN(5)])
		switch u := rng.Float64(); {
		case u < 0.02:
			typ, props = "address_changed", `{"new_city":"Busan"}`
		case u < 0.03:
			typ, props = "marital_status_changed", `{"status":"married"}`
		case u < 0.035:
			typ, props = "spouse_died", `{}`
		case u < 0.04:
			typ, props = "graduated", `{"degree":"bachelor"}`
		}
		fmt.Fprintf(&sb, `{"id":"bench-%d-%d","customer_id":%q,"type":%q,"time":%q,"properties":%s}`, benchRun, *seq, c, typ, now, props)
	}
	sb.WriteByte(']')
	return sb.String()
}

// BenchmarkIngestEvents posts batches of 1,000 events over HTTP, with
// (engine) and without (bare) the playbook's triggers; the counters are
// kept either way.
func BenchmarkIngestEvents(b *testing.B) {
	seq := 0
	for name, dsn := range benchBackends(b) {
		for _, mode := range []string{"engine", "bare"} {
			b.Run(name+"/"+mode, func(b *testing.B) {
				eb := newEngineBench(b, dsn(b))
				if mode == "bare" {
					eb.db.SetEngine(nil)
				}
				ts := httptest.NewServer(eb.srv)
				defer ts.Close()
				rng := rand.New(rand.NewPCG(1, 2))
				n := 0
				for b.Loop() {
					// Fresh ids each time (duplicates would cost nothing),
					// seq going on across the modes: one database may serve
					// both.
					b.StopTimer()
					body := eventBatch(rng, eb.customers, &seq)
					b.StartTimer()
					postEvents(b, ts.URL, eb.token, body)
					n++
				}
				b.ReportMetric(float64(1000*n)/b.Elapsed().Seconds(), "events/s")
			})
		}
	}
}

func postEvents(b *testing.B, base, token, body string) {
	req, _ := http.NewRequest("POST", base+"/api/v1/events", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("post events: %d", resp.StatusCode)
	}
}

// BenchmarkNextBestActions asks the next best action of random customers
// through the whole handler stack, on all cores, and reports the p50 and
// p99 latency.
func BenchmarkNextBestActions(b *testing.B) {
	for name, dsn := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			eb := newEngineBench(b, dsn(b))
			var mu sync.Mutex
			var lat []time.Duration
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				rng := rand.New(rand.NewPCG(rand.Uint64(), 1))
				var mine []time.Duration
				for pb.Next() {
					req := httptest.NewRequest("GET", fmt.Sprintf("/api/v1/customers/C%08d/next-best-actions", 1+rng.IntN(eb.customers)), nil)
					req.Header.Set("Authorization", "Bearer "+eb.token)
					w := httptest.NewRecorder()
					t0 := time.Now()
					eb.srv.ServeHTTP(w, req)
					mine = append(mine, time.Since(t0))
					if w.Code != http.StatusOK {
						b.Fatal(w.Code, w.Body.String())
					}
				}
				mu.Lock()
				lat = append(lat, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkStoredToDelivered posts a customer's first diaper purchase and
// waits for the webhook of its decision to arrive at a receiver: the
// latency from the request to the delivery, p50 and p99.
func BenchmarkStoredToDelivered(b *testing.B) {
	for name, dsn := range benchBackends(b) {
		b.Run(name, func(b *testing.B) {
			eb := newEngineBench(b, dsn(b))
			ctx, cancel := context.WithCancel(context.Background())
			// The bodies received: on a database an earlier run wrote into,
			// messages it left pending arrive too, and are passed by.
			got := make(chan string, 16)
			secret := delivery.NewSecret()
			recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if _, err := delivery.Verify(secret, r.Header, body, time.Now()); err != nil {
					http.Error(w, err.Error(), 401)
					return
				}
				select {
				case got <- string(body):
				case <-ctx.Done():
				}
			}))
			defer recv.Close()
			defer cancel() // before the receiver closes: its handlers stop waiting
			if err := eb.db.PutWebhook(ctx, store.Webhook{Channel: "email", URL: recv.URL, Secret: secret}); err != nil {
				b.Fatal(err)
			}
			worker := &delivery.Worker{DB: eb.db, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
			eb.engine.Notify = worker.Wake
			go worker.Run(ctx)
			ts := httptest.NewServer(eb.srv)
			defer ts.Close()
			trig, err := eb.db.Trigger(ctx, "first-diapers")
			if err != nil {
				b.Fatal(err)
			}
			var lat []time.Duration
			k := 0
			b.ResetTimer()
			for b.Loop() {
				b.StopTimer()
				var id string
				for {
					k++
					id = fmt.Sprintf("new-parent-%d-%d", benchRun, k)
					if !rules.HeldOut(id, trig.ID, trig.Holdout) {
						break
					}
				}
				err := eb.db.Write(ctx, func(w *store.Writer) error {
					if _, err := w.Customers(ctx, []clientele.Customer{{ID: id}}); err != nil {
						return err
					}
					return w.SetConsent(ctx, clientele.Consent{CustomerID: id, Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, Source: "bench", At: time.Now()})
				})
				if err != nil {
					b.Fatal(err)
				}
				body := fmt.Sprintf(`[{"id":"t-%s","customer_id":%q,"time":%q,"amount":24.99,"lines":[{"sku":"BABY-DIAPER","quantity":1,"unit_price":24.99}]}]`,
					id, id, time.Now().UTC().Format(time.RFC3339))
				b.StartTimer()
				t0 := time.Now()
				req, _ := http.NewRequest("POST", ts.URL+"/api/v1/transactions", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+eb.token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				for deadline := time.After(10 * time.Second); ; {
					select {
					case body := <-got:
						if !strings.Contains(body, strconv.Quote(id)) {
							continue // an earlier run's
						}
					case <-deadline:
						b.Fatal("no webhook within 10 s")
					}
					break
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
}
