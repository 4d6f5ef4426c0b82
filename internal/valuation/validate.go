package valuation

import (
	"context"
	"math"
	"slices"
	"time"

	"clientele"
	"clientele/clv"
	"clientele/internal/store"
)

// Validation compares a model run's predictions for the holdout period with
// what the customers did.
type Validation struct {
	Run              *clientele.Run
	HoldoutLength    float64 // in the run's unit
	Customers        int
	ActualTotal      float64
	PredictedTotal   float64
	MAE, RMSE, Corr  float64 // per customer
	ByFrequency      []FrequencyRow
	Tracking         []TrackingPoint
	AliveGrid        AliveGrid
	CalibrationUnits float64 // length of the calibration period in units, from the first purchase
}

// FrequencyRow is one line of the holdout table: customers with x repeat
// purchases in the calibration period (the last row: x and more).
type FrequencyRow struct {
	X         int     `json:"frequency"`
	OrMore    bool    `json:"or_more"` // the row counts customers with X or more
	Customers int     `json:"customers"`
	Actual    float64 `json:"actual"`    // mean holdout purchases
	Predicted float64 `json:"predicted"` // mean E[Y(holdout) | x, t_x, T]
}

// TrackingPoint is the cumulative number of repeat purchases of the cohort
// at the end of a unit of time, as it happened and as the model expects
// (the BG/NBD paper's Figure 1).
type TrackingPoint struct {
	Unit      int       `json:"unit"`
	Date      time.Time `json:"date"`
	Actual    float64   `json:"actual"`
	Predicted float64   `json:"predicted"`
}

// AliveGrid holds P(alive) over frequency × recency for a customer observed
// for T units.
type AliveGrid struct {
	T         float64
	Frequency []float64
	Recency   []float64
	P         [][]float64 // [frequency][recency]
}

type unconditional interface {
	ExpectedPurchases(t float64) float64
}

// Validate compares run runID (0: the latest) with the holdout period.
func Validate(ctx context.Context, db *store.DB, runID int64) (*Validation, error) {
	run, err := db.Run(ctx, runID)
	if err != nil {
		return nil, err
	}
	if run.Source != "database" || run.HoldoutEnd == "" {
		return nil, clientele.Errorf(clientele.EINVALID, "model run %d has no holdout period: fit on the database with --holdout-end", run.ID)
	}
	model, err := modelOf(run)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(run.TimeZone)
	if err != nil {
		return nil, err
	}
	calEnd, _ := time.Parse(time.DateOnly, run.CalibrationEnd)
	holdEnd, _ := time.Parse(time.DateOnly, run.HoldoutEnd)
	sums, err := customers(ctx, db, calEnd, holdEnd, loc, run.Currency)
	if err != nil {
		return nil, err
	}
	unit := UnitDays[run.Unit]
	v := &Validation{Run: run, Customers: len(sums)}
	v.HoldoutLength = float64(store.DayNumber(holdEnd)-store.DayNumber(calEnd)) / unit

	const buckets = 8
	rows := make([]FrequencyRow, buckets)
	var sa, sp, saa, spp, sap, se, sse float64
	maxAge := 0.0
	for _, s := range sums {
		d := rfm(s, unit)
		pred := model.ConditionalExpectedPurchases(v.HoldoutLength, d.X, d.TX, d.T)
		act := float64(s.Holdout)
		b := min(int(s.Repeat), buckets-1)
		rows[b].Customers++
		rows[b].Actual += act
		rows[b].Predicted += pred
		sa, sp = sa+act, sp+pred
		saa, spp, sap = saa+act*act, spp+pred*pred, sap+act*pred
		se += math.Abs(pred - act)
		sse += (pred - act) * (pred - act)
		maxAge = math.Max(maxAge, d.T)
	}
	n := float64(len(sums))
	for i := range rows {
		rows[i].X = i
		rows[i].OrMore = i == buckets-1
		if rows[i].Customers > 0 {
			rows[i].Actual /= float64(rows[i].Customers)
			rows[i].Predicted /= float64(rows[i].Customers)
		}
	}
	v.ByFrequency = rows
	v.ActualTotal, v.PredictedTotal = sa, sp
	v.MAE, v.RMSE = se/n, math.Sqrt(sse/n)
	v.Corr = (n*sap - sa*sp) / math.Sqrt((n*saa-sa*sa)*(n*spp-sp*sp))
	v.CalibrationUnits = maxAge

	// Tracking: actual repeat purchases per day, accumulated by unit; the
	// model's expectation sums E[X(t)] over the cohort by acquisition day.
	byDay, err := db.RepeatPurchasesByDay(ctx, store.SummaryOptions{CalibrationEnd: calEnd, HoldoutEnd: holdEnd, Location: loc})
	if err != nil {
		return nil, err
	}
	firsts := map[int64]float64{}
	start := int64(math.MaxInt64)
	for _, s := range sums {
		firsts[s.First]++
		start = min(start, s.First)
	}
	days := make([]int64, 0, len(firsts))
	for d := range firsts {
		days = append(days, d)
	}
	slices.Sort(days)
	um, ok := model.(unconditional)
	last := store.DayNumber(holdEnd)
	cum := 0.0
	next := start
	for k := 1; ; k++ {
		end := start + int64(math.Round(float64(k)*unit)) // exclusive
		if end > last+1 {
			break
		}
		for ; next < end; next++ {
			cum += float64(byDay[next])
		}
		p := TrackingPoint{Unit: k, Date: time.Unix(end*86400, 0).UTC(), Actual: cum}
		if ok {
			for _, f := range days {
				if t := float64(end-f) / unit; t > 0 {
					p.Predicted += firsts[f] * um.ExpectedPurchases(t)
				}
			}
		}
		v.Tracking = append(v.Tracking, p)
	}

	// P(alive) over frequency × recency for the longest-observed customer.
	g := AliveGrid{T: maxAge}
	maxX := 0.0
	for _, s := range sums {
		maxX = math.Max(maxX, float64(s.Repeat))
	}
	maxX = math.Min(maxX, 30)
	for x := 0.0; x <= maxX; x++ {
		g.Frequency = append(g.Frequency, x)
	}
	const cols = 40
	for j := range cols + 1 {
		g.Recency = append(g.Recency, maxAge*float64(j)/cols)
	}
	for _, x := range g.Frequency {
		row := make([]float64, len(g.Recency))
		for j, tx := range g.Recency {
			if x == 0 {
				tx = 0
			}
			row[j] = model.ProbAlive(x, tx, maxAge)
		}
		g.P = append(g.P, row)
	}
	v.AliveGrid = g
	return v, nil
}

var _ unconditional = clv.BGNBD{}
