package rules

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// BenchmarkEvaluate is rule evaluation in-process: facts of random
// customers, each applied to its customer's counters and looked at by
// every trigger of the article's playbook that listens to it (the
// conditions evaluated, the counters read), without the database.
func BenchmarkEvaluate(b *testing.B) {
	ctx := context.Background()
	db, err := store.Open(ctx, storetest.SQLiteDSN(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	e, err := New(ctx, db, "USD")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := e.LoadPlaybook(ctx, ArticlePlaybook, "bench"); err != nil {
		b.Fatal(err)
	}
	cfg, err := e.config(ctx)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	now := time.Now().UTC()
	const customers = 1000
	states := make([]*custState, customers)
	for i := range states {
		states[i] = newState(nil, &store.Standing{Triggers: map[int64]store.TriggerState{}, Consents: map[string]string{},
			Customer: clientele.Customer{ID: fmt.Sprintf("C%d", i), BirthDate: "1980-01-02"}, Tier: "gold"}, e.minor)
	}
	products := map[string]store.ProductKeys{"BABY-DIAPER": {Category: "baby", Brand: "Softy"}, "GRO-BEER": {Category: "grocery", Brand: "Basics"},
		"GRO-COFFEE": {Category: "grocery", Brand: "Harbor"}, "TRV-BUSINESS": {Category: "travel", Brand: "SkyWays"}}
	skus := []string{"BABY-DIAPER", "GRO-BEER", "GRO-COFFEE", "TRV-BUSINESS"}
	facts := make([]store.Fact, 4096)
	for i := range facts {
		c := fmt.Sprintf("C%d", rng.IntN(customers))
		if rng.IntN(2) == 0 {
			t := &clientele.Transaction{ID: fmt.Sprint(i), CustomerID: c, Time: now, Amount: 1000, Lines: []clientele.Line{{SKU: skus[rng.IntN(len(skus))], Quantity: 1, UnitPrice: 1000}}}
			facts[i] = store.Fact{Kind: "transaction", Transaction: t, Touches: store.TransactionTouches(t, products)}
		} else {
			typ := []string{"web_visit", "address_changed", "marital_status_changed", "graduated"}[rng.IntN(4)]
			ev := &clientele.Event{ID: fmt.Sprint(i), CustomerID: c, Type: typ, Time: now, Properties: json.RawMessage(`{"status":"married","page":"home"}`)}
			facts[i] = store.Fact{Kind: "event", Event: ev, Touches: store.EventTouches(ev)}
		}
	}
	ev := newEvaluation()
	fired := 0
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		f := &facts[n%len(facts)]
		n++
		var id int
		fmt.Sscan(f.CustomerID()[1:], &id)
		st := states[id]
		st.apply(f)
		ev.state, ev.fact, ev.at = st, f, f.Time()
		e.vars(ev, f, st.standing, f.Time())
		for _, t := range cfg.triggers {
			if !t.listens(f, now) {
				continue
			}
			if ok, err := t.prg.eval(ev); err == nil && ok {
				fired++
			}
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "facts/s")
}
