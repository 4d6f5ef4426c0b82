package valuation

import (
	"context"
	"encoding/json"
	"fmt"
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

// aliveFactored is a model whose lifetime DERT is P(alive) times a factor
// of (x, T) alone, computed once per (x, T) rather than per history.
type aliveFactored interface {
	AliveDERT(x, T, delta float64) float64
}

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
	Horizon      float64 // in the run's time unit
	DiscountRate float64 // per year, e.g. 0.15
	// Margin, when positive, is the margin as a share of spend (1: a
	// revenue-based CLV); otherwise each customer's own margin share from
	// the data (the cohort's when not all of the customer's margins are
	// known). A scoring with no margin known anywhere is refused: every CLV
	// would be 0.
	Margin float64
	// Each, when set, is called with every customer's scoring and the
	// history it came from, in customer id order, as the scores are
	// written; an error stops the scoring and nothing is stored.
	Each func(ScoreRow) error
}

// ScoreRow is one customer's scoring with the history it came from, as
// lifetimes and CLVTools name them: frequency, recency and T in the run's
// time unit, monetary_value the mean value of the repeat purchase days in
// major units; with a holdout period, the purchase days in it and the
// model's expectation of them.
type ScoreRow struct {
	clientele.Score
	Frequency, Recency, T, MonetaryValue float64
	FrequencyHoldout, PredictedHoldout   float64
}

// ScoreSummary reports a scoring.
type ScoreSummary struct {
	RunID            int64
	Customers        int
	CustomerEquity   clientele.Money // Σ CLV over the horizon
	Lifetime         clientele.Money // Σ CLV over the lifetime, where finite
	LifetimeUnknown  int             // customers whose lifetime CLV is not finite
	MeanCLV          float64         // major units
	MeanProbAlive    float64
	ExpectedPurchase float64 // Σ over customers, over the horizon
	MarginShare      float64 // the population's margin share of spend
	Scoring          clientele.Scoring
	AsOf             string   // the calibration end: the scores are as of it
	Unit             string   // the run's time unit, of the horizon
	Warnings         []string // what the user should know about the figures
	Seconds          float64
}

// ScoreSummaryJSON is the JSON form of a ScoreSummary.
type ScoreSummaryJSON struct {
	RunID             int64       `json:"run_id"`
	AsOf              string      `json:"as_of"`
	Customers         int         `json:"customers"`
	CustomerEquity    json.Number `json:"customer_equity"`
	LifetimeEquity    json.Number `json:"customer_equity_lifetime"`
	LifetimeUnknown   int         `json:"customers_lifetime_not_finite"`
	Currency          string      `json:"currency"`
	MeanCLV           float64     `json:"mean_clv"`
	MeanProbAlive     float64     `json:"mean_p_alive"`
	ExpectedPurchases float64     `json:"expected_purchases"`
	MarginShare       float64     `json:"margin_share"`
	Horizon           float64     `json:"horizon"`
	Unit              string      `json:"unit"`
	DiscountRate      float64     `json:"discount_rate"`
	Basis             string      `json:"basis"`
	BasisText         string      `json:"basis_text"`
	MarginCoverage    float64     `json:"margin_coverage"`
	Warnings          []string    `json:"warnings"`
	Seconds           float64     `json:"seconds"`
}

// JSON returns the JSON form of s.
func (s *ScoreSummary) JSON() ScoreSummaryJSON {
	cur := s.CustomerEquity.Currency
	w := s.Warnings
	if w == nil {
		w = []string{}
	}
	return ScoreSummaryJSON{RunID: s.RunID, AsOf: s.AsOf, Customers: s.Customers,
		CustomerEquity: clientele.AmountJSON(s.CustomerEquity.Minor, cur), LifetimeEquity: clientele.AmountJSON(s.Lifetime.Minor, cur),
		LifetimeUnknown: s.LifetimeUnknown, Currency: string(cur),
		MeanCLV: s.MeanCLV, MeanProbAlive: s.MeanProbAlive, ExpectedPurchases: s.ExpectedPurchase, MarginShare: s.MarginShare,
		Horizon: s.Scoring.Horizon, Unit: s.Unit, DiscountRate: s.Scoring.DiscountRate, Basis: s.Scoring.Basis, BasisText: s.Scoring.BasisText(),
		MarginCoverage: s.Scoring.MarginCoverage, Warnings: w, Seconds: s.Seconds}
}

// scoreRow is what scoring needs of a customer's summary, small enough to
// keep for ten million customers between the summary pass and the writes.
type scoreRow struct {
	id                               string
	x, tx, T                         int32 // days
	holdout                          int32 // purchase days in the holdout period
	repeatSpend, allSpend, allMargin int64 // minor units
	txns, withMargin                 int32 // transactions, and those with a margin
}

func toScoreRow(s store.CustomerSummary) scoreRow {
	return scoreRow{id: s.CustomerID, x: int32(s.Repeat), tx: int32(s.Recency), T: int32(s.Age), holdout: int32(s.Holdout),
		repeatSpend: s.RepeatSpend, allSpend: s.AllSpend, allMargin: s.AllMargin, txns: int32(s.Transactions), withMargin: int32(s.MarginKnown)}
}

func (r *scoreRow) marginAll() bool { return r.withMargin == r.txns }

func (o ScoreOptions) check() error {
	if !(o.Horizon > 0) {
		return clientele.Errorf(clientele.EINVALID, "horizon must be positive")
	}
	if math.IsInf(o.Horizon, 0) {
		// Expected purchases over an unbounded horizon diverge for some
		// models (Pareto/NBD with s < 1, BG/NBD with a ≤ 1) and were
		// stored as finite numbers, or broke the JSON output.
		return clientele.Errorf(clientele.EINVALID, "horizon must be finite (expected purchases over an unbounded horizon diverge for some models): every score carries a lifetime DERT and CLV beside the horizon's")
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
	holdEnd, _ := time.Parse(time.DateOnly, run.HoldoutEnd)
	var rows []scoreRow
	err = db.Summaries(ctx, store.SummaryOptions{CalibrationEnd: calEnd, HoldoutEnd: holdEnd, Location: loc, Currency: run.Currency},
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
	if err := db.Analyzed(ctx, int64(sum.Customers), "scores"); err != nil {
		return nil, err
	}
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// margins decides what the CLVs of rows value: the data's margins, an
// assumed share, or revenue. It refuses a scoring where no margin is known
// and none is given, which made every CLV 0 without a word.
func margins(rows []scoreRow, opt ScoreOptions) (clientele.Scoring, []string, error) {
	var txns, known int64
	var totalSpend, totalMargin float64
	for i := range rows {
		r := &rows[i]
		txns += int64(r.txns)
		known += int64(r.withMargin)
		totalSpend += float64(r.allSpend)
		if r.marginAll() {
			totalMargin += float64(r.allMargin)
		}
	}
	s := clientele.Scoring{Horizon: opt.Horizon, DiscountRate: opt.DiscountRate, Margin: opt.Margin}
	if txns > 0 {
		s.MarginCoverage = float64(known) / float64(txns)
	}
	var warn []string
	switch {
	case opt.Margin == 1:
		s.Basis, s.PopulationMargin = clientele.BasisRevenue, 1
		warn = append(warn, "the CLVs are revenue-based (--margin 1): they value spend, not profit")
	case opt.Margin > 0:
		s.Basis, s.PopulationMargin = clientele.BasisAssumed, opt.Margin
	case known == 0:
		return s, nil, clientele.Errorf(clientele.EINVALID, "none of the %d transactions of the %d customers has a margin, and no product with a unit cost gives one: "+
			"every CLV would be 0. Give the margin as a share of spend (--margin 0.3), or --margin 1 for a revenue-based CLV; "+
			"or import transactions with a margin, or lines whose products have a unit_cost", txns, len(rows))
	default:
		s.Basis = clientele.BasisMargin
		if totalSpend > 0 {
			s.PopulationMargin = totalMargin / totalSpend
		}
		if s.MarginCoverage < 0.5 {
			warn = append(warn, fmt.Sprintf("only %.3g %% of the transactions have a margin: the customers with any transaction without one are valued at the cohort's %.3g %% of spend; give --margin to assume a share instead",
				s.MarginCoverage*100, s.PopulationMargin*100))
		}
	}
	return s, warn, nil
}

// scoreRows values the customers of rows with the run's models and writes
// their scores, a batch at a time, in one transaction; a run not stored
// yet (ID 0) is stored in that transaction first.
func scoreRows(ctx context.Context, db *store.DB, run *clientele.Run, rows []scoreRow, opt ScoreOptions) (*ScoreSummary, error) {
	model, err := modelOf(run)
	if err != nil {
		return nil, err
	}
	scoring, warnings, err := margins(rows, opt)
	if err != nil {
		return nil, err
	}
	scale, _ := run.Currency.Scale()
	minor := math.Pow10(scale)
	unit := UnitDays[run.Unit]
	delta := math.Log1p(opt.DiscountRate) * unit / 365.25 // continuous, per unit of time
	holdout := HoldoutLength(run)

	var totalSpend, days float64
	for i := range rows {
		totalSpend += float64(rows[i].allSpend)
		days += float64(rows[i].x + 1)
	}
	popShare := scoring.PopulationMargin
	popSpend := totalSpend / days / minor
	var gg *clv.GammaGamma
	if run.SpendModel == "gammagamma" {
		gg = &clv.GammaGamma{P: run.SpendParams["p"], Q: run.SpendParams["q"], Gamma: run.SpendParams["gamma"]}
	}
	values, which := predict(model, rows, unit, predictOptions{horizon: opt.Horizon, delta: delta, holdout: holdout})
	score := func(i int) ScoreRow {
		r := &rows[i]
		pr := values[which[i]]
		sc := ScoreRow{Score: clientele.Score{CustomerID: r.id, ProbAlive: pr.alive, ExpectedPurchases: pr.expected, DERT: pr.dert, DERTLifetime: pr.lifetime},
			Frequency: float64(r.x), Recency: float64(r.tx) / unit, T: float64(r.T) / unit,
			FrequencyHoldout: float64(r.holdout), PredictedHoldout: pr.holdout}
		if r.x > 0 {
			sc.MonetaryValue = float64(r.repeatSpend) / float64(r.x) / minor
		}
		// Expected spend per transaction: the Gamma-Gamma posterior mean, or
		// the customer's own mean.
		spend := float64(r.allSpend) / float64(r.x+1) / minor
		if gg != nil {
			spend = gg.ExpectedSpend(float64(r.x), sc.MonetaryValue)
		}
		if !(spend >= 0) || math.IsInf(spend, 0) {
			spend = popSpend
		}
		share := popShare
		if opt.Margin == 0 && r.marginAll() && r.allSpend > 0 {
			share = float64(r.allMargin) / float64(r.allSpend)
		}
		sc.ExpectedSpend = int64(math.Round(spend * minor))
		sc.CLV = int64(math.Round(sc.DERT * spend * share * minor))
		if finite(sc.DERTLifetime) {
			v := sc.DERTLifetime * spend * share * minor
			if math.Abs(v) < math.MaxInt64/2 {
				sc.CLVLifetime = int64(math.Round(v))
			} else {
				sc.DERTLifetime = math.NaN()
			}
		} else {
			sc.DERTLifetime = math.NaN()
		}
		return sc
	}
	sum := &ScoreSummary{Customers: len(rows), MarginShare: popShare, AsOf: run.CalibrationEnd, Unit: run.Unit}
	var ce, life int64
	var eachErr error
	scores := func(yield func(clientele.Score) bool) {
		for i := range rows {
			sc := score(i)
			ce = clientele.SatAdd(ce, sc.CLV)
			if math.IsNaN(sc.DERTLifetime) {
				sum.LifetimeUnknown++
			} else {
				life = clientele.SatAdd(life, sc.CLVLifetime)
			}
			sum.MeanProbAlive += sc.ProbAlive
			sum.ExpectedPurchase += sc.ExpectedPurchases
			if opt.Each != nil {
				if eachErr = opt.Each(sc); eachErr != nil {
					return
				}
			}
			if !yield(sc.Score) {
				return
			}
		}
	}
	id := run.ID
	scoring.At = time.Now()
	err = db.Write(ctx, func(w *store.Writer) error {
		if id == 0 {
			var err error
			if id, err = w.CreateRun(ctx, *run); err != nil {
				return err
			}
		}
		if err := w.ScoreSeq(ctx, id, scores); err != nil {
			return err
		}
		if eachErr != nil {
			return eachErr
		}
		return w.SetScoring(ctx, id, scoring)
	})
	if err != nil {
		return nil, err
	}
	run.ID, sum.RunID = id, id
	run.Scoring = &scoring
	sum.Scoring, sum.Warnings = scoring, warnings
	if run.Model == "bgnbd" {
		once := 0
		for i := range rows {
			if rows[i].x == 0 {
				once++
			}
		}
		if once > 0 {
			sum.Warnings = append(sum.Warnings, fmt.Sprintf("%d customers never bought again: under BG/NBD their P(alive) is 1 however long ago they bought (it lets a customer drop out only after a repeat purchase); fit --model mbgnbd or paretonbd where that matters", once))
		}
	}
	if sum.LifetimeUnknown > 0 {
		why := "they diverge"
		if delta == 0 {
			why = "without discounting (--discount-rate 0) they may diverge"
		}
		sum.Warnings = append(sum.Warnings, fmt.Sprintf("the lifetime DERT and CLV of %d customers are not finite (%s) and are stored as unknown", sum.LifetimeUnknown, why))
	}
	sum.CustomerEquity = clientele.Money{Minor: ce, Currency: run.Currency}
	sum.Lifetime = clientele.Money{Minor: life, Currency: run.Currency}
	sum.MeanCLV = float64(ce) / minor / float64(len(rows))
	sum.MeanProbAlive /= float64(len(rows))
	return sum, nil
}

// HoldoutLength returns the length of run's holdout period in its time
// unit, 0 when it has none.
func HoldoutLength(run *clientele.Run) float64 {
	if run.HoldoutEnd == "" {
		return 0
	}
	ce, _ := time.Parse(time.DateOnly, run.CalibrationEnd)
	he, _ := time.Parse(time.DateOnly, run.HoldoutEnd)
	return float64(store.DayNumber(he)-store.DayNumber(ce)) / UnitDays[run.Unit]
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

type prediction struct{ alive, expected, dert, lifetime, holdout float64 }

type history struct{ x, tx, T int32 }

// dedupe returns the distinct keys of n items, in the order first met, and
// for each item the index of its key among them.
func dedupe[K comparable](n int, key func(i int) K) (distinct []K, which []int32) {
	index := make(map[K]int32, n/4)
	which = make([]int32, n)
	for i := range n {
		k := key(i)
		j, ok := index[k]
		if !ok {
			j = int32(len(distinct))
			index[k] = j
			distinct = append(distinct, k)
		}
		which[i] = j
	}
	return distinct, which
}

type predictOptions struct {
	horizon float64 // in the unit
	delta   float64 // continuous discount rate per unit
	holdout float64 // the holdout period's length in the unit; 0: none
}

// predict computes P(alive), expected purchases over the horizon, DERT over
// the horizon and over a lifetime (only with discounting: without, it may
// diverge, and is NaN) and the expected purchases in the holdout period for
// every distinct history in days, on all cores: values holds them and
// which[i] is the history of rows[i].
func predict(model purchaseModel, rows []scoreRow, unit float64, o predictOptions) ([]prediction, []int32) {
	distinct, which := dedupe(len(rows), func(i int) history { r := &rows[i]; return history{r.x, r.tx, r.T} })
	// The lifetime factor of an alive customer, per distinct (x, T).
	type age struct{ x, T int32 }
	fm, factored := model.(aliveFactored)
	factored = factored && o.delta > 0
	var factor []float64
	var ageOf []int32
	if factored {
		var list []age
		list, ageOf = dedupe(len(distinct), func(j int) age { return age{distinct[j].x, distinct[j].T} })
		factor = make([]float64, len(list))
		parallel.Chunks(len(list), 0, 0, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				factor[i] = fm.AliveDERT(float64(list[i].x), float64(list[i].T)/unit, o.delta)
			}
		})
	}
	values := make([]prediction, len(distinct))
	parallel.Chunks(len(distinct), 0, 0, func(_, lo, hi int) {
		for j := lo; j < hi; j++ {
			h := distinct[j]
			x, tx, T := float64(h.x), float64(h.tx)/unit, float64(h.T)/unit
			p := prediction{
				alive:    model.ProbAlive(x, tx, T),
				expected: model.ConditionalExpectedPurchases(o.horizon, x, tx, T),
				dert:     model.dert(x, tx, T, o.delta, o.horizon),
				lifetime: math.NaN(),
			}
			switch {
			case factored:
				p.lifetime = p.alive * factor[ageOf[j]]
			case o.delta > 0:
				p.lifetime = model.dert(x, tx, T, o.delta, math.Inf(1))
			}
			if o.holdout > 0 {
				p.holdout = model.ConditionalExpectedPurchases(o.holdout, x, tx, T)
			}
			values[j] = p
		}
	})
	return values, which
}
