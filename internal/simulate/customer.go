package simulate

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"clientele"
	"clientele/clv"
)

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
	// The events that need no purchase to show, drawn from a stream of
	// their own (so that the customers drawn before them stay the same):
	// a spouse's death, the last child leaving home.
	life := rand.New(rand.NewPCG(cfg.Seed^lifeStream, uint64(k)))
	if a := age(acq); a >= 55 && life.Float64() < 0.04 {
		events = append(events, lifeEvent{"spouse_death", acq + life.Float64()*T})
	}
	if a := age(acq); a >= 45 && a < 62 && life.Float64() < 0.08 {
		events = append(events, lifeEvent{"empty_nest", acq + life.Float64()*T})
	}
	g.writeConsents(id, acqTime, life)
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
// an address change, a marriage, a graduation, a retirement, a spouse's
// death and an empty nest are told to the firm; a new baby and a
// business-class ticket show only in purchases.
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
	case "spouse_death":
		g.event(id, "spouse_died", at, nil)
	case "empty_nest":
		g.event(id, "empty_nest", at, map[string]any{"children_at_home": 0})
	}
}

// lifeStream seeds the stream of the events and consents drawn apart.
const lifeStream = 0x9e3779b97f4a7c15

// writeConsents writes what the customer agreed to at sign-up: e-mail
// offers (70 %), text messages (35 %); the rest said no to e-mail.
func (g *gen) writeConsents(id string, at time.Time, rng *rand.Rand) {
	ts := at.Truncate(time.Second).Format(time.RFC3339)
	email := "denied"
	if rng.Float64() < 0.7 {
		email = "granted"
	}
	g.c.consents = fmt.Appendf(g.c.consents, "%s,email_marketing,%s,sign-up form,%s\n", id, email, ts)
	if rng.Float64() < 0.35 {
		g.c.consents = fmt.Appendf(g.c.consents, "%s,sms_marketing,granted,sign-up form,%s\n", id, ts)
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
