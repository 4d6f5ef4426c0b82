package clientele

import (
	"fmt"
	"time"
)

// Run is a stored model fit: its settings and results.
type Run struct {
	ID                 int64
	CreatedAt          time.Time
	Source             string // "database" or the summary file fitted
	Model              string // bgnbd, mbgnbd, paretonbd, bgbb, sbg
	SpendModel         string // gammagamma or ""
	Unit               string // day, week, month, year
	CalibrationEnd     string // YYYY-MM-DD, or "" for a file
	HoldoutEnd         string
	TimeZone           string
	Currency           Currency
	Params             map[string]float64
	StdErrors          map[string]float64 // NaN where the Hessian is singular
	SpendParams        map[string]float64
	LogLikelihood      float64
	SpendLogLikelihood *float64
	Customers          float64
	Converged          bool
	Seconds            float64
	Scoring            *Scoring // how the run's customers were last scored; nil if never
}

// Margin bases: what a CLV is a value of.
const (
	BasisMargin  = "margin"  // the margins of the data (or of the lines' product costs)
	BasisAssumed = "assumed" // a margin share of spend given by the user
	BasisRevenue = "revenue" // spend itself (a margin share of 1): revenue-based, not a profit
)

// Scoring is how a run's customers were scored: every CLV of the run is
// the value of DERT over Horizon (and over a lifetime) at DiscountRate a
// year, times the expected margin per purchase.
type Scoring struct {
	At           time.Time // when the scores were written
	Horizon      float64   // in the run's time unit
	DiscountRate float64   // per year
	// Basis says what the CLV values: BasisMargin, BasisAssumed (Margin is
	// the share given) or BasisRevenue.
	Basis  string
	Margin float64 // the margin share of spend given; 0 with BasisMargin
	// MarginCoverage is the share of the cohort's transactions whose margin
	// was known, from the data or from the products' unit costs.
	MarginCoverage float64
	// PopulationMargin is the margin share of spend of the whole cohort,
	// used for the customers whose own margins are not all known.
	PopulationMargin float64
}

// BasisText describes the basis of a scoring in words, for report headers:
// "margin-based (from the data, 100 % of transactions)".
func (s *Scoring) BasisText() string {
	switch s.Basis {
	case BasisRevenue:
		return "revenue-based (--margin 1: spend, not profit)"
	case BasisAssumed:
		return fmt.Sprintf("margin-based (an assumed margin of %.4g %% of spend)", s.Margin*100)
	}
	if s.MarginCoverage >= 1 {
		return "margin-based (the margins of the data)"
	}
	return fmt.Sprintf("margin-based (from the data: %.4g %% of transactions carry a margin; customers without take the cohort's %.4g %%)",
		s.MarginCoverage*100, s.PopulationMargin*100)
}

// Score is one customer's value under a model run.
type Score struct {
	CustomerID        string
	ProbAlive         float64
	ExpectedPurchases float64 // over the scoring horizon
	ExpectedSpend     int64   // per transaction, minor units
	DERT              float64 // over the scoring horizon
	CLV               int64   // over the scoring horizon, minor units
	// DERTLifetime and CLVLifetime are the same over an unbounded horizon
	// (CLVTools' DERT); DERTLifetime is NaN where they are not finite or
	// not computed (without discounting they may diverge).
	DERTLifetime float64
	CLVLifetime  int64
}
