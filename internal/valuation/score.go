package valuation

import (
	"context"
	"encoding/json"
	"math"
	"time"

	"clientele"
	"clientele/clv"
	"clientele/clv/parallel"
	"clientele/internal/store"
)

// purchaseModel is what scoring needs of a fitted purchase model.
type purchaseModel interface {
	ProbAlive(x, tx, T float64) float64
	ConditionalExpectedPurchases(t, x, tx, T float64) float64
	dert(x, tx, T, delta, horizon float64) float64
}

type bgnbd struct{ clv.BGNBD }

func (m bgnbd) dert(x, tx, T, d, h float64) float64 { return m.DERT(x, tx, T, d, h) }

type mbgnbd struct{ clv.MBGNBD }

func (m mbgnbd) dert(x, tx, T, d, h float64) float64 { return m.DERT(x, tx, T, d, h) }

type paretonbd struct{ clv.ParetoNBD }

func (m paretonbd) dert(x, tx, T, d, h float64) float64 { return m.DERTHorizon(x, tx, T, d, h) }

func modelOf(r *clientele.Run) (purchaseModel, error) {
	p := r.Params
	switch r.Model {
	case "bgnbd":
		return bgnbd{clv.BGNBD{R: p["r"], Alpha: p["alpha"], A: p["a"], B: p["b"]}}, nil
	case "mbgnbd":
		return mbgnbd{clv.MBGNBD{R: p["r"], Alpha: p["alpha"], A: p["a"], B: p["b"]}}, nil
	case "paretonbd":
		return paretonbd{clv.ParetoNBD{R: p["r"], Alpha: p["alpha"], S: p["s"], Beta: p["beta"]}}, nil
	}
	return nil, clientele.Errorf(clientele.EINVALID, "model run %d (%s) cannot score customers: fit bgnbd, mbgnbd or paretonbd on the database", r.ID, r.Model)
}

// ScoreOptions describe a scoring.
type ScoreOptions struct {
	RunID        int64   // 0: the latest run
	Horizon      float64 // in the run's time unit; +Inf for a lifetime
	DiscountRate float64 // per year, e.g. 0.15
	// Margin, when positive, is the margin as a share of spend; otherwise
	// each customer's own margin share from the data (the population's when
	// the customer's is unknown).
	Margin float64
}

// ScoreSummary reports a scoring.
type ScoreSummary struct {
	RunID            int64
	Customers        int
	CustomerEquity   clientele.Money // Σ CLV
	MeanCLV          float64         // major units
	MeanProbAlive    float64
	ExpectedPurchase float64 // Σ over customers, over the horizon
	MarginShare      float64 // the population's margin share of spend
	Seconds          float64
}

// ScoreSummaryJSON is the JSON form of a ScoreSummary.
type ScoreSummaryJSON struct {
	RunID             int64       `json:"run_id"`
	Customers         int         `json:"customers"`
	CustomerEquity    json.Number `json:"customer_equity"`
	Currency          string      `json:"currency"`
	MeanCLV           float64     `json:"mean_clv"`
	MeanProbAlive     float64     `json:"mean_p_alive"`
	ExpectedPurchases float64     `json:"expected_purchases"`
	MarginShare       float64     `json:"margin_share"`
	Seconds           float64     `json:"seconds"`
}

// JSON returns the JSON form of s.
func (s *ScoreSummary) JSON() ScoreSummaryJSON {
	return ScoreSummaryJSON{RunID: s.RunID, Customers: s.Customers,
		CustomerEquity: clientele.AmountJSON(s.CustomerEquity.Minor, s.CustomerEquity.Currency), Currency: string(s.CustomerEquity.Currency),
		MeanCLV: s.MeanCLV, MeanProbAlive: s.MeanProbAlive, ExpectedPurchases: s.ExpectedPurchase, MarginShare: s.MarginShare, Seconds: s.Seconds}
}

// scoreRow is what scoring needs of a customer's summary, small enough to
// keep for ten million customers between the summary pass and the writes.
type scoreRow struct {
	id                               string
	x, tx, T                         int32 // days
	repeatSpend, allSpend, allMargin int64 // minor units
	marginAll                        bool  // every transaction has a margin
}

func toScoreRow(s store.CustomerSummary) scoreRow {
	return scoreRow{id: s.CustomerID, x: int32(s.Repeat), tx: int32(s.Recency), T: int32(s.Age),
		repeatSpend: s.RepeatSpend, allSpend: s.AllSpend, allMargin: s.AllMargin, marginAll: s.MarginKnown == s.Transactions}
}

func (o ScoreOptions) check() error {
	if !(o.Horizon > 0) {
		return clientele.Errorf(clientele.EINVALID, "horizon must be positive")
	}
	if math.IsInf(o.Horizon, 0) {
		// Expected purchases over an unbounded horizon diverge for some
		// models (Pareto/NBD with s < 1, BG/NBD with a ≤ 1) and were
		// stored as finite numbers, or broke the JSON output.
		return clientele.Errorf(clientele.EINVALID, "horizon must be finite (expected purchases over an unbounded horizon diverge for some models): give a long one, e.g. 520 weeks")
	}
	if o.DiscountRate < 0 || o.Margin < 0 || o.Margin > 1 {
		return clientele.Errorf(clientele.EINVALID, "discount rate must be ≥ 0 and margin within [0, 1]")
	}
	if o.DiscountRate > 1 {
		return clientele.Errorf(clientele.EINVALID, "discount rate %g is a yearly rate of %g %%: give it as a fraction, e.g. %g", o.DiscountRate, o.DiscountRate*100, o.DiscountRate/100)
	}
	return nil
}

// Score values every customer of the run's cohort and stores the scores.
func Score(ctx context.Context, db *store.DB, opt ScoreOptions) (*ScoreSummary, error) {
	run, err := db.Run(ctx, opt.RunID)
	if err != nil {
		return nil, err
	}
	if run.Source != "database" {
		return nil, clientele.Errorf(clientele.EINVALID, "model run %d was fitted on %s; score needs a run fitted on the database", run.ID, run.Source)
	}
	if err := opt.check(); err != nil {
		return nil, err
	}
	start := time.Now()
	loc, err := time.LoadLocation(run.TimeZone)
	if err != nil {
		return nil, err
	}
	calEnd, _ := time.Parse(time.DateOnly, run.CalibrationEnd)
	var rows []scoreRow
	err = db.Summaries(ctx, store.SummaryOptions{CalibrationEnd: calEnd, Location: loc, Currency: run.Currency},
		func(s store.CustomerSummary) error { rows = append(rows, toScoreRow(s)); return nil })
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "no customer made a first purchase on or before %s", run.CalibrationEnd)
	}
	sum, err := scoreRows(ctx, db, run, rows, opt)
	if err != nil {
		return nil, err
	}
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// scoreRows values the customers of rows with the run's models and writes
// their scores, a batch at a time, in one transaction; a run not stored
// yet (ID 0) is stored in that transaction first.
func scoreRows(ctx context.Context, db *store.DB, run *clientele.Run, rows []scoreRow, opt ScoreOptions) (*ScoreSummary, error) {
	model, err := modelOf(run)
	if err != nil {
		return nil, err
	}
	scale, _ := run.Currency.Scale()
	minor := math.Pow10(scale)
	unit := UnitDays[run.Unit]
	delta := math.Log1p(opt.DiscountRate) * unit / 365.25 // continuous, per unit of time

	var totalSpend, totalMargin, days float64
	for _, r := range rows {
		totalSpend += float64(r.allSpend)
		if r.marginAll {
			totalMargin += float64(r.allMargin)
		}
		days += float64(r.x + 1)
	}
	popShare := opt.Margin
	if popShare == 0 && totalSpend > 0 {
		popShare = totalMargin / totalSpend
	}
	popSpend := totalSpend / days / minor
	var gg *clv.GammaGamma
	if run.SpendModel == "gammagamma" {
		gg = &clv.GammaGamma{P: run.SpendParams["p"], Q: run.SpendParams["q"], Gamma: run.SpendParams["gamma"]}
	}
	values, which := predict(model, rows, unit, opt.Horizon, delta)
	score := func(i int) clientele.Score {
		r := &rows[i]
		pr := values[which[i]]
		sc := clientele.Score{CustomerID: r.id, ProbAlive: pr.alive, ExpectedPurchases: pr.expected, DERT: pr.dert}
		// Expected spend per transaction: the Gamma-Gamma posterior mean, or
		// the customer's own mean.
		spend := float64(r.allSpend) / float64(r.x+1) / minor
		if gg != nil {
			mean := 0.0
			if r.x > 0 {
				mean = float64(r.repeatSpend) / float64(r.x) / minor
			}
			spend = gg.ExpectedSpend(float64(r.x), mean)
		}
		if !(spend >= 0) || math.IsInf(spend, 0) {
			spend = popSpend
		}
		share := popShare
		if opt.Margin == 0 && r.marginAll && r.allSpend > 0 {
			share = float64(r.allMargin) / float64(r.allSpend)
		}
		sc.ExpectedSpend = int64(math.Round(spend * minor))
		sc.CLV = int64(math.Round(sc.DERT * spend * share * minor))
		return sc
	}
	sum := &ScoreSummary{Customers: len(rows), MarginShare: popShare}
	var ce int64
	scores := func(yield func(clientele.Score) bool) {
		for i := range rows {
			sc := score(i)
			ce = clientele.SatAdd(ce, sc.CLV)
			sum.MeanProbAlive += sc.ProbAlive
			sum.ExpectedPurchase += sc.ExpectedPurchases
			if !yield(sc) {
				return
			}
		}
	}
	id := run.ID
	err = db.Write(ctx, func(w *store.Writer) error {
		if id == 0 {
			var err error
			if id, err = w.CreateRun(ctx, *run); err != nil {
				return err
			}
		}
		return w.ScoreSeq(ctx, id, scores)
	})
	if err != nil {
		return nil, err
	}
	run.ID, sum.RunID = id, id
	sum.CustomerEquity = clientele.Money{Minor: ce, Currency: run.Currency}
	sum.MeanCLV = float64(ce) / minor / float64(len(rows))
	sum.MeanProbAlive /= float64(len(rows))
	return sum, nil
}

type prediction struct{ alive, expected, dert float64 }

type history struct{ x, tx, T int32 }

// predict computes P(alive), expected purchases over the horizon and DERT
// for every distinct history in days, on all cores: values holds them and
// which[i] is the history of rows[i].
func predict(model purchaseModel, rows []scoreRow, unit, horizon, delta float64) (values []prediction, which []int32) {
	index := make(map[history]int32, len(rows)/4)
	var distinct []history
	which = make([]int32, len(rows))
	for i, r := range rows {
		h := history{r.x, r.tx, r.T}
		j, ok := index[h]
		if !ok {
			j = int32(len(distinct))
			index[h] = j
			distinct = append(distinct, h)
		}
		which[i] = j
	}
	values = make([]prediction, len(distinct))
	parallel.Chunks(len(distinct), 0, 0, func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			h := distinct[j]
			x, tx, T := float64(h.x), float64(h.tx)/unit, float64(h.T)/unit
			values[j] = prediction{
				alive:    model.ProbAlive(x, tx, T),
				expected: model.ConditionalExpectedPurchases(horizon, x, tx, T),
				dert:     model.dert(x, tx, T, delta, horizon),
			}
		}
	})
	return values, which
}
