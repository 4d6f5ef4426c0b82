// Package simulate writes a synthetic multi-brand retailer and card issuer:
// customers, households, cards with gold and platinum tiers and
// supplementary cards, a catalogue with loss leaders, transactions with
// lines, events, and life events that show in the data (a new baby, moving
// home, marriage, graduation, business-class tickets, retirement). Purchases
// follow a BG/NBD or Pareto/NBD process and spend the Gamma-Gamma model with
// known parameters, written to truth.json beside the data, so that every
// model and trigger can be checked against the truth.
//
// Output is a function of the configuration and the seed only: customers are
// generated in fixed chunks, each with its own random stream, on all cores.
package simulate

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"clientele"
	"clientele/clv"
)

// Config describes a simulated customer base. Zero fields take defaults.
type Config struct {
	Customers int    // default 10,000
	Seed      uint64 // default 1
	// Start is when the first customer is acquired (default 2023-01-01 UTC);
	// customers are acquired uniformly over AcquisitionWeeks (default 52) and
	// observed until Start + Weeks (default 104).
	Start            time.Time
	Weeks            float64
	AcquisitionWeeks float64
	// Model is "bgnbd" (default) or "paretonbd"; the parameters are per week.
	Model     string
	BGNBD     clv.BGNBD
	ParetoNBD clv.ParetoNBD
	Spend     clv.GammaGamma // per transaction, in dollars
}

// Default parameters: a grocery-and-more retailer whose customers buy about
// every two to three weeks and spend about $45 a visit.
var (
	DefaultBGNBD     = clv.BGNBD{R: 0.9, Alpha: 2.2, A: 0.8, B: 6.0}
	DefaultParetoNBD = clv.ParetoNBD{R: 0.9, Alpha: 2.2, S: 0.6, Beta: 40}
	DefaultSpend     = clv.GammaGamma{P: 6.0, Q: 4.0, Gamma: 22.0}
)

func (c *Config) defaults() error {
	if c.Customers == 0 {
		c.Customers = 10000
	}
	if c.Customers < 0 || c.Customers > 100_000_000 {
		return clientele.Errorf(clientele.EINVALID, "customers: %d is out of range (1 to 100,000,000)", c.Customers)
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	if c.Start.IsZero() {
		c.Start = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if c.Weeks == 0 {
		c.Weeks = 104
	}
	if c.AcquisitionWeeks == 0 {
		c.AcquisitionWeeks = 52
	}
	if c.AcquisitionWeeks > c.Weeks || c.Weeks <= 0 {
		return clientele.Errorf(clientele.EINVALID, "acquisition period (%g weeks) must lie within the observation period (%g weeks)", c.AcquisitionWeeks, c.Weeks)
	}
	switch c.Model {
	case "", "bgnbd":
		c.Model = "bgnbd"
		if c.BGNBD == (clv.BGNBD{}) {
			c.BGNBD = DefaultBGNBD
		}
	case "paretonbd":
		if c.ParetoNBD == (clv.ParetoNBD{}) {
			c.ParetoNBD = DefaultParetoNBD
		}
	default:
		return clientele.Errorf(clientele.EINVALID, "model %q: want bgnbd or paretonbd", c.Model)
	}
	if c.Spend == (clv.GammaGamma{}) {
		c.Spend = DefaultSpend
	}
	return nil
}

// Truth is what the simulation knows and a model must find; it is written
// to truth.json.
type Truth struct {
	Seed             uint64             `json:"seed"`
	Customers        int                `json:"customers"`
	Model            string             `json:"model"`
	Params           map[string]float64 `json:"params"`
	Spend            map[string]float64 `json:"spend"`
	TimeUnit         string             `json:"time_unit"`
	Start            time.Time          `json:"start"`
	AcquisitionEnd   time.Time          `json:"acquisition_end"`
	End              time.Time          `json:"end"`
	Transactions     int64              `json:"transactions"`
	Lines            int64              `json:"lines"`
	Events           int64              `json:"events"`
	LifeEvents       map[string]int64   `json:"life_events"`
	Files            map[string]string  `json:"files"`
	LossLeaders      []string           `json:"loss_leaders"`
	LifeEventNote    string             `json:"life_event_note"`
	CustomerTruthCSV string             `json:"customer_truth"`
	// Survey is the brand-switching survey of the grocery market.
	Survey *SurveyTruth `json:"survey"`
}

const chunkSize = 2000

// Run writes the simulated data into dir (created if needed) and returns the
// truth. progress, when set, is called with the number of customers written.
func Run(ctx context.Context, cfg Config, dir string, progress func(done int)) (*Truth, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	out, err := newOutputs(dir)
	if err != nil {
		return nil, err
	}
	defer out.close()
	if err := out.writeCatalogue(); err != nil {
		return nil, err
	}

	nChunks := (cfg.Customers + chunkSize - 1) / chunkSize
	results := make([]chan *chunk, nChunks)
	for i := range results {
		results[i] = make(chan *chunk, 1)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The producer stays at most `window` chunks ahead of the writer, which
	// bounds memory whatever the number of customers.
	window := make(chan struct{}, 2*runtime.GOMAXPROCS(0)+2)
	jobs := make(chan int)
	go func() {
		defer close(jobs)
		for i := range nChunks {
			select {
			case window <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				lo := i * chunkSize
				results[i] <- generate(&cfg, i, lo, min(lo+chunkSize, cfg.Customers))
			}
		}()
	}
	defer wg.Wait()

	truth := &Truth{
		Seed: cfg.Seed, Customers: cfg.Customers, Model: cfg.Model, TimeUnit: "week",
		Start: cfg.Start, AcquisitionEnd: cfg.Start.Add(weeks(cfg.AcquisitionWeeks)), End: cfg.Start.Add(weeks(cfg.Weeks)),
		Spend:      map[string]float64{"p": cfg.Spend.P, "q": cfg.Spend.Q, "gamma": cfg.Spend.Gamma},
		LifeEvents: map[string]int64{},
		Files: map[string]string{"customers": "customers.csv", "products": "products.csv", "brands": "brands.csv",
			"accounts": "accounts.csv", "transactions": "transactions.csv", "events": "events.ndjson",
			"life_events": "life_events.csv", "customer_truth": "customer_truth.csv", "consents": "consents.csv"},
		CustomerTruthCSV: "customer_truth.csv",
		LifeEventNote: "Purchases are timed by the purchase model; a life event changes what the next baskets hold " +
			"(diapers, furniture, a business-class ticket), priced at list price rather than drawn from the spend model.",
	}
	if cfg.Model == "bgnbd" {
		truth.Params = map[string]float64{"r": cfg.BGNBD.R, "alpha": cfg.BGNBD.Alpha, "a": cfg.BGNBD.A, "b": cfg.BGNBD.B}
	} else {
		truth.Params = map[string]float64{"r": cfg.ParetoNBD.R, "alpha": cfg.ParetoNBD.Alpha, "s": cfg.ParetoNBD.S, "beta": cfg.ParetoNBD.Beta}
	}
	for _, p := range catalogue {
		if p.price < p.cost {
			truth.LossLeaders = append(truth.LossLeaders, p.sku)
		}
	}
	done := 0
	for i := range nChunks {
		var c *chunk
		select {
		case c = <-results[i]:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if err := out.write(c); err != nil {
			cancel()
			return nil, err
		}
		truth.Transactions += c.transactions
		truth.Lines += c.lines
		truth.Events += c.events
		for k, v := range c.lifeEvents {
			truth.LifeEvents[k] += v
		}
		done += c.n
		<-window
		if progress != nil {
			progress(done)
		}
	}
	if err := out.close(); err != nil {
		return nil, err
	}
	if truth.Survey, err = writeSurvey(dir, cfg.Seed, cfg.Customers); err != nil {
		return nil, err
	}
	b, _ := json.MarshalIndent(truth, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "truth.json"), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return truth, nil
}

func weeks(w float64) time.Duration { return time.Duration(w * 7 * 24 * float64(time.Hour)) }

// chunk is the output of a run of customers, as CSV and NDJSON bytes.
type chunk struct {
	n                              int
	customers, accounts, txs       []byte
	events_, lifeEvents_, truthCSV []byte
	consents                       []byte
	transactions, lines, events    int64
	lifeEvents                     map[string]int64
}

type lifeEvent struct {
	kind string
	at   float64 // weeks since Start
}

// generate simulates customers lo…hi-1; chunk i has its own random stream.
func generate(cfg *Config, i, lo, hi int) *chunk {
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
	c := &chunk{n: hi - lo, lifeEvents: map[string]int64{}}
	g := gen{cfg: cfg, rng: rng, c: c}
	prevHousehold, prevLast, prevCity := "", "", ""
	for k := lo; k < hi; k++ {
		// A quarter of customers share a household with the one before.
		spouse := k > lo && rng.Float64() < 0.25
		h, last, city := prevHousehold, prevLast, prevCity
		if !spouse {
			h = fmt.Sprintf("H%08d", k+1)
			last = lastNames[rng.IntN(len(lastNames))]
			city = stores[rng.IntN(len(stores))].city
		}
		g.customer(k, h, last, city)
		prevHousehold, prevLast, prevCity = h, last, city
	}
	return c
}
