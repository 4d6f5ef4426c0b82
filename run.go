package clientele

import "time"

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
}

// Score is one customer's value under a model run.
type Score struct {
	CustomerID        string
	ProbAlive         float64
	ExpectedPurchases float64 // over the scoring horizon
	ExpectedSpend     int64   // per transaction, minor units
	DERT              float64
	CLV               int64 // minor units
}
