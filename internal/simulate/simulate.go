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
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
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
			"life_events": "life_events.csv", "customer_truth": "customer_truth.csv"},
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

type gen struct {
	cfg *Config
	rng *rand.Rand
	c   *chunk
	buf []byte
}

func (g *gen) customer(k int, household, last, city string) {
	cfg, rng := g.cfg, g.rng
	id := fmt.Sprintf("C%08d", k+1)
	first := firstNames[rng.IntN(len(firstNames))]
	acq := rng.Float64() * cfg.AcquisitionWeeks // weeks since Start
	acqTime := cfg.Start.Add(weeks(acq))
	ageAtStart := drawAge(rng)
	birth := cfg.Start.AddDate(-ageAtStart, 0, -rng.IntN(365))
	T := cfg.Weeks - acq

	var lat clv.Customer
	var times []float64
	if cfg.Model == "bgnbd" {
		lat, times = cfg.BGNBD.Simulate(rng, T)
	} else {
		lat, times = cfg.ParetoNBD.Simulate(rng, T)
	}
	nu := cfg.Spend.SimulateNu(rng)

	// Cards: 60 % hold the retailer's card; big spenders get higher tiers.
	meanSpend := cfg.Spend.P / nu
	tier := ""
	if rng.Float64() < 0.6 {
		switch {
		case meanSpend > 80 || rng.Float64() < 0.03:
			tier = "platinum"
		case meanSpend > 45 || rng.Float64() < 0.15:
			tier = "gold"
		default:
			tier = "classic"
		}
	}
	cardNo := fmt.Sprintf("4929%012d", k+1)

	// Life events, in weeks since Start.
	var events []lifeEvent
	age := func(w float64) float64 { return float64(ageAtStart) + w/52.18 }
	window := func() float64 { return acq + rng.Float64()*T }
	if a := age(acq); a >= 21 && a < 25 && rng.Float64() < 0.3 {
		events = append(events, lifeEvent{"graduation", window()})
	}
	if a := age(acq); a >= 24 && a < 40 && rng.Float64() < 0.05 {
		events = append(events, lifeEvent{"marriage", window()})
	}
	if a := age(acq); a >= 25 && a < 42 && rng.Float64() < 0.08 {
		events = append(events, lifeEvent{"new_baby", window()})
	}
	if rng.Float64() < 0.06 {
		events = append(events, lifeEvent{"moving_home", window()})
	}
	if tier == "gold" && rng.Float64() < 0.25 {
		events = append(events, lifeEvent{"business_class", window()})
	}
	// Retirement at 65, when it falls in the observation window.
	if w := (65 - float64(ageAtStart)) * 52.18; w > acq && w < cfg.Weeks {
		events = append(events, lifeEvent{"retirement", w})
	}
	newCity := city
	for _, e := range events {
		if e.kind == "moving_home" {
			for newCity == city {
				newCity = stores[rng.IntN(len(stores))].city
			}
		}
	}

	g.writeCustomer(id, first+" "+last, first, last, k, birth, newCity, household, acqTime, ageAtStart)
	if tier != "" {
		g.writeAccounts(id, cardNo, tier, last, acqTime)
	}

	// Baskets: the first purchase at acquisition, then the repeat purchases.
	all := append([]float64{0}, times...)
	homeStore := storeIn(city, rng)
	pending := map[string][]string{} // life event → products still to buy
	fired := map[string]bool{}
	for j, t := range all {
		w := acq + t
		for _, e := range events {
			if !fired[e.kind] && e.at <= w {
				fired[e.kind] = true
				pending[e.kind] = lifeProducts(e.kind, rng)
				if e.kind == "moving_home" {
					homeStore = storeIn(newCity, rng)
				}
			}
		}
		g.transaction(id, j, cfg.Start.Add(weeks(w)), homeStore, tier, cardNo, nu, pending)
	}
	for _, e := range events {
		g.c.lifeEvents[e.kind]++
		g.writeLifeEvent(id, e, city, newCity)
	}
	g.writeEngagement(id, acq, T, lat)
	g.buf = g.buf[:0]
	g.buf = append(g.buf, id...)
	g.buf = append(g.buf, ',')
	g.buf = acqTime.AppendFormat(g.buf, time.RFC3339)
	g.buf = fmt.Appendf(g.buf, ",%.6g,%.6g,%.6g,", lat.Lambda, lat.P, lat.Mu)
	if math.IsInf(lat.Lifetime, 1) {
		g.buf = append(g.buf, "inf"...)
	} else {
		g.buf = strconv.AppendFloat(g.buf, lat.Lifetime, 'g', 6, 64)
	}
	g.buf = fmt.Appendf(g.buf, ",%.6g,%.4f,%d\n", nu, meanSpend, len(times))
	g.c.truthCSV = append(g.c.truthCSV, g.buf...)
}

func drawAge(rng *rand.Rand) int {
	u := rng.Float64()
	switch {
	case u < 0.15:
		return 18 + rng.IntN(7)
	case u < 0.50:
		return 25 + rng.IntN(16)
	case u < 0.85:
		return 41 + rng.IntN(24)
	default:
		return 65 + rng.IntN(26)
	}
}

func storeIn(city string, rng *rand.Rand) string {
	var in []string
	for _, s := range stores {
		if s.city == city {
			in = append(in, s.name)
		}
	}
	return in[rng.IntN(len(in))]
}

// lifeProducts lists what a life event makes a customer buy over the next
// baskets, in order.
func lifeProducts(kind string, rng *rand.Rand) []string {
	switch kind {
	case "new_baby":
		p := []string{"BABY-DIAPER", "BABY-WIPES", "TOY-RATTLE", "BABY-DIAPER", "BABY-FORMULA", "TOY-BEAR", "BABY-DIAPER", "BABY-WIPES"}
		return p
	case "moving_home":
		furniture := []string{"FUR-SOFA", "FUR-TABLE", "FUR-BED"}
		return []string{"MOV-BOXES", "MOV-TAPE", furniture[rng.IntN(3)]}
	case "marriage":
		return []string{"WED-INVITE", "WED-REGISTRY"}
	case "graduation":
		return []string{"GRD-BACKPACK"}
	case "business_class":
		return []string{"TRV-BUSINESS"}
	case "retirement":
		return []string{"RET-GARDEN", "TRV-ECON"}
	}
	return nil
}

var channels = []string{"store", "store", "store", "store", "store", "store", "online", "online", "online", "mobile"}

// transaction writes one basket: up to four regular products whose
// quantities and prices are set so that the amount is the Gamma-Gamma draw,
// plus the next product of any life event under way (at list price).
func (g *gen) transaction(id string, j int, at time.Time, homeStore, tier, cardNo string, nu float64, pending map[string][]string) {
	rng := g.rng
	at = at.Truncate(time.Minute)
	channel := channels[rng.IntN(len(channels))]
	storeName := homeStore
	if channel != "store" {
		storeName = "web"
	}
	pay := []string{"debit", "cash", "mobile_pay", "credit"}[rng.IntN(4)]
	if tier != "" && rng.Float64() < 0.7 {
		pay = "clientele_card_" + tier
	}
	target := int64(math.Round(g.cfg.Spend.SimulateSpend(rng, nu) * 100))
	target = max(target, 50)

	type line struct {
		p     *product
		qty   int64
		price int64
	}
	var lines []line
	for _, kind := range []string{"new_baby", "moving_home", "marriage", "graduation", "business_class", "retirement"} {
		if ps := pending[kind]; len(ps) > 0 {
			p := &catalogue[skuIndex[ps[0]]]
			lines = append(lines, line{p, 1, p.price})
			pending[kind] = ps[1:]
			if kind == "business_class" {
				channel, storeName = "online", "web"
				if tier != "" {
					pay = "clientele_card_" + tier
				}
			}
		}
	}
	n := 1 + min(rng.IntN(3), rng.IntN(4))
	var list int64
	regularStart := len(lines)
	share := float64(target) / float64(n)
	for range n {
		// A product that 1 to 12 units of reach the line's share of the
		// target (else the closest tried), so that prices stay near list.
		var p *product
		best := math.Inf(1)
		for range 16 {
			c := &catalogue[regular[rng.IntN(len(regular))]]
			price := float64(c.price)
			if price <= 1.3*share && 12*price >= share {
				p = c
				break
			}
			if d := math.Abs(math.Log(price / share)); d < best {
				p, best = c, d
			}
		}
		lines = append(lines, line{p, 1, p.price})
		list += p.price
	}
	// Quantities bring the list total near the target; a price factor
	// within ±30 % (promotions, premium variants) closes the gap, so that
	// the regular part of the basket is the Gamma-Gamma draw but for the
	// rare basket the factor cannot close.
	list = 0
	for i := regularStart; i < len(lines); i++ {
		q := int64(math.Round(share / float64(lines[i].p.price)))
		lines[i].qty = min(max(q, 1), 12)
		list += lines[i].qty * lines[i].p.price
	}
	f := math.Min(math.Max(float64(target)/float64(list), 0.7), 1.3)
	var amount, margin, regularSum int64
	for i := range lines {
		// Loss leaders keep their (promotional) list price.
		if l := &lines[i]; i >= regularStart && l.p.price >= l.p.cost {
			l.price = max(int64(math.Round(float64(l.p.price)*f)), 1)
		}
	}
	// Rounding to cents leaves a few cents over or under: the last line's
	// price takes them when it can.
	for i := regularStart; i < len(lines); i++ {
		regularSum += lines[i].qty * lines[i].price
	}
	if last := &lines[len(lines)-1]; last.qty == 1 && last.p.price >= last.p.cost && math.Abs(float64(target-regularSum)) < 0.3*float64(last.price) {
		last.price += target - regularSum
	}
	for i := range lines {
		l := &lines[i]
		amount += l.qty * l.price
		margin += l.qty * (l.price - l.p.cost)
	}
	tid := fmt.Sprintf("T%s-%04d", id[1:], j+1)
	for _, l := range lines {
		b := g.c.txs
		b = append(b, tid...)
		b = append(b, ',')
		b = append(b, id...)
		b = append(b, ',')
		b = at.AppendFormat(b, time.RFC3339)
		b = append(b, ',')
		b = append(b, storeName...)
		b = append(b, ',')
		b = append(b, channel...)
		b = append(b, ',')
		b = append(b, pay...)
		b = append(b, ',')
		b = clientele.AppendAmount(b, amount, 2)
		b = append(b, ',')
		b = clientele.AppendAmount(b, margin, 2)
		b = append(b, ",USD,"...)
		b = append(b, l.p.sku...)
		b = append(b, ',')
		b = strconv.AppendInt(b, l.qty, 10)
		b = append(b, ',')
		b = clientele.AppendAmount(b, l.price, 2)
		b = append(b, '\n')
		g.c.txs = b
		g.c.lines++
	}
	g.c.transactions++
}

func (g *gen) writeCustomer(id, name, first, last string, k int, birth time.Time, city, household string, created time.Time, age int) {
	b := g.c.customers
	b = append(b, id...)
	b = append(b, ',')
	b = append(b, name...)
	b = fmt.Appendf(b, ",%s.%s.%d@example.com,+1555%07d,", lower(first), lower(last), k+1, k+1)
	b = birth.AppendFormat(b, time.DateOnly)
	b = append(b, ',')
	b = append(b, city...)
	b = append(b, ',')
	b = append(b, household...)
	b = append(b, ',')
	b = created.AppendFormat(b, time.RFC3339)
	student := age <= 24 && g.rng.Float64() < 0.6
	b = fmt.Appendf(b, ",%t\n", student)
	g.c.customers = b
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func (g *gen) writeAccounts(id, cardNo, tier, last string, opened time.Time) {
	b := g.c.accounts
	b = fmt.Appendf(b, "%s,%s,card,rewards card,%s,,%s,,,,USD\n", cardNo, id, tier, opened.Format(time.DateOnly))
	// Supplementary cards for family members and contractors, with limits.
	if g.rng.Float64() < 0.15 {
		for s := range 1 + g.rng.IntN(2) {
			holder := firstNames[g.rng.IntN(len(firstNames))] + " " + last
			if g.rng.Float64() < 0.3 {
				holder = lastNames[g.rng.IntN(len(lastNames))] + " Contracting"
			}
			limit := []int{500, 1000, 2000}[g.rng.IntN(3)]
			b = fmt.Appendf(b, "%s-S%d,%s,card,rewards card,%s,%s,%s,,%s,%d.00,USD\n",
				cardNo, s+1, id, tier, holder, opened.AddDate(0, 1+g.rng.IntN(6), 0).Format(time.DateOnly), cardNo, limit)
		}
	}
	g.c.accounts = b
}

func (g *gen) event(id, kind string, at time.Time, props map[string]any) {
	g.c.events++
	e := clientele.EventJSON{ID: fmt.Sprintf("E%s-%d", id[1:], g.c.events), CustomerID: id, Type: kind, Time: at.Truncate(time.Second).Format(time.RFC3339)}
	if props != nil {
		e.Properties, _ = json.Marshal(props)
	}
	b, _ := json.Marshal(e)
	g.c.events_ = append(append(g.c.events_, b...), '\n')
}

// writeLifeEvent records the truth, and writes the events a firm would see:
// an address change, a marriage, a graduation and a retirement are told to
// the firm; a new baby and a business-class ticket show only in purchases.
func (g *gen) writeLifeEvent(id string, e lifeEvent, oldCity, newCity string) {
	at := g.cfg.Start.Add(weeks(e.at))
	g.c.lifeEvents_ = fmt.Appendf(g.c.lifeEvents_, "%s,%s,%s\n", id, e.kind, at.Truncate(time.Second).Format(time.RFC3339))
	switch e.kind {
	case "moving_home":
		g.event(id, "address_changed", at, map[string]any{"old_city": oldCity, "new_city": newCity})
	case "marriage":
		g.event(id, "marital_status_changed", at, map[string]any{"status": "married"})
	case "graduation":
		g.event(id, "graduated", at, map[string]any{"degree": "bachelor"})
	case "retirement":
		g.event(id, "retired", at, nil)
	}
}

// writeEngagement writes web visits and service calls while the customer is
// active.
func (g *gen) writeEngagement(id string, acq, T float64, lat clv.Customer) {
	end := acq + math.Min(T, lat.Lifetime)
	n := g.rng.IntN(4)
	for range n {
		w := acq + g.rng.Float64()*(end-acq)
		at := g.cfg.Start.Add(weeks(w))
		if g.rng.Float64() < 0.8 {
			g.event(id, "web_visit", at, map[string]any{"page": []string{"home", "offers", "baby", "furniture", "travel"}[g.rng.IntN(5)]})
		} else {
			g.event(id, "service_call", at, map[string]any{"reason": []string{"billing", "delivery", "card", "returns"}[g.rng.IntN(4)]})
		}
	}
}

// outputs are the files of a simulated directory.
type outputs struct {
	dir   string
	files map[string]*os.File
	w     map[string]*bufio.Writer
}

var headers = map[string]string{
	"customers.csv":      "id,name,email,phone,birth_date,city,household_id,created_at,student\n",
	"accounts.csv":       "id,customer_id,kind,product,tier,holder,opened_on,closed_on,parent_id,spending_limit,currency\n",
	"transactions.csv":   "id,customer_id,time,store,channel,payment_method,amount,margin,currency,sku,quantity,unit_price\n",
	"events.ndjson":      "",
	"life_events.csv":    "customer_id,type,time\n",
	"customer_truth.csv": "customer_id,first_purchase,lambda,p,mu,lifetime_weeks,nu,mean_spend,repeat_purchases\n",
}

func newOutputs(dir string) (*outputs, error) {
	o := &outputs{dir: dir, files: map[string]*os.File{}, w: map[string]*bufio.Writer{}}
	for name, h := range headers {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			o.close()
			return nil, fmt.Errorf("simulate: %w", err)
		}
		o.files[name] = f
		o.w[name] = bufio.NewWriterSize(f, 1<<20)
		o.w[name].WriteString(h)
	}
	return o, nil
}

func (o *outputs) write(c *chunk) error {
	for name, b := range map[string][]byte{"customers.csv": c.customers, "accounts.csv": c.accounts, "transactions.csv": c.txs,
		"events.ndjson": c.events_, "life_events.csv": c.lifeEvents_, "customer_truth.csv": c.truthCSV} {
		if _, err := o.w[name].Write(b); err != nil {
			return fmt.Errorf("simulate: %s: %w", name, err)
		}
	}
	return nil
}

func (o *outputs) writeCatalogue() error {
	var b []byte
	b = append(b, "sku,name,category,brand,price,unit_cost,currency\n"...)
	for _, p := range catalogue {
		b = fmt.Appendf(b, "%s,%s,%s,%s,%s,%s,USD\n", p.sku, csvQuote(p.name), p.category, p.brand,
			clientele.FormatAmount(p.price, 2), clientele.FormatAmount(p.cost, 2))
	}
	if err := os.WriteFile(filepath.Join(o.dir, "products.csv"), b, 0o644); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	b = append(b[:0], "name,owner\n"...)
	for _, brand := range sortedKeys(brandOwners) {
		b = fmt.Appendf(b, "%s,%s\n", brand, brandOwners[brand])
	}
	if err := os.WriteFile(filepath.Join(o.dir, "brands.csv"), b, 0o644); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	return nil
}

func (o *outputs) close() error {
	var first error
	for name, f := range o.files {
		if w := o.w[name]; w != nil {
			if err := w.Flush(); err != nil && first == nil {
				first = err
			}
		}
		if err := f.Close(); err != nil && first == nil {
			first = err
		}
		delete(o.files, name)
	}
	return first
}

func csvQuote(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '"' {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
	}
	return s
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
