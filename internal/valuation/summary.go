package valuation

import (
	"context"
	"math"
	"time"

	"clientele"
	"clientele/internal/store"
)

// SummaryRow is one customer's purchase history as the CLV models read
// it, in the columns Python lifetimes and R CLVTools use: frequency (x,
// repeat purchase days), recency (t_x, from the first to the last purchase)
// and T (from the first purchase to the end of the calibration period),
// in a time unit; monetary_value is the mean value of the repeat purchase
// days (0 without any), in major units. With a holdout period,
// FrequencyHoldout counts the purchase days in it and DurationHoldout is
// its length.
type SummaryRow struct {
	CustomerID       string
	Frequency        float64
	Recency          float64
	T                float64
	MonetaryValue    float64
	FrequencyHoldout float64
	DurationHoldout  float64
}

// SummaryOptions say which summary to make.
type SummaryOptions struct {
	CalibrationEnd, HoldoutEnd time.Time // the holdout is optional
	Unit                       string    // day, week, month, year
	Location                   *time.Location
	Currency                   clientele.Currency
}

// Summarize calls fn with the summary of every customer whose first
// purchase falls in the calibration period, in customer id order, computed
// in the database (purchases on one local day merged into one, as the
// literature does); it holds no more than one row at a time.
func Summarize(ctx context.Context, db *store.DB, opt SummaryOptions, fn func(SummaryRow) error) error {
	unit, ok := UnitDays[opt.Unit]
	if !ok {
		return clientele.Errorf(clientele.EINVALID, "unit %q: want day, week, month or year", opt.Unit)
	}
	if opt.CalibrationEnd.IsZero() {
		return clientele.Errorf(clientele.EINVALID, "give the calibration end date (--calibration-end)")
	}
	scale, err := opt.Currency.Scale()
	if err != nil {
		return clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	minor := math.Pow10(scale)
	var duration float64
	if !opt.HoldoutEnd.IsZero() {
		duration = float64(store.DayNumber(opt.HoldoutEnd)-store.DayNumber(opt.CalibrationEnd)) / unit
	}
	return db.Summaries(ctx, store.SummaryOptions{CalibrationEnd: opt.CalibrationEnd, HoldoutEnd: opt.HoldoutEnd, Location: opt.Location, Currency: opt.Currency},
		func(s store.CustomerSummary) error {
			r := SummaryRow{CustomerID: s.CustomerID, Frequency: float64(s.Repeat), Recency: float64(s.Recency) / unit, T: float64(s.Age) / unit,
				FrequencyHoldout: float64(s.Holdout), DurationHoldout: duration}
			if s.Repeat > 0 {
				r.MonetaryValue = float64(s.RepeatSpend) / float64(s.Repeat) / minor
			}
			return fn(r)
		})
}
