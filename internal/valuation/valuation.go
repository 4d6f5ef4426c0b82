// Package valuation fits the clv models to the customer database (or to a
// summary file), stores each fit as a model run, and scores every customer:
// P(alive), expected purchases, expected spend and customer lifetime value.
package valuation

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"clientele"
	"clientele/clv"
	"clientele/internal/store"
)

// UnitDays gives the length in days of each time unit.
var UnitDays = map[string]float64{"day": 1, "week": 7, "month": 365.25 / 12, "year": 365.25}

// Models lists the purchase models Fit accepts.
var Models = []string{"bgnbd", "mbgnbd", "paretonbd", "bgbb", "sbg"}

// FitOptions describe a fit.
type FitOptions struct {
	Model          string // bgnbd, mbgnbd, paretonbd, bgbb
	Spend          string // "" or gammagamma
	Unit           string // day, week, month, year
	CalibrationEnd time.Time
	HoldoutEnd     time.Time // zero: no holdout
	Location       *time.Location
	Currency       clientele.Currency
	// Score, when set, scores every customer of the cohort after the fit
	// from the same pass over the database (RunID is ignored): on millions
	// of customers the summaries are most of the work.
	Score *ScoreOptions
}

// Result is a fit and the run that stores it.
type Result struct {
	Run      clientele.Run
	Fit      *clv.Fit
	SpendFit *clv.Fit
	Scored   *ScoreSummary // with FitOptions.Score
}

func checkOptions(model, spend, unit string) error {
	if !slices.Contains(Models, model) {
		return clientele.Errorf(clientele.EINVALID, "model %q: want one of %s", model, strings.Join(Models, ", "))
	}
	if spend != "" && spend != "gammagamma" {
		return clientele.Errorf(clientele.EINVALID, "spend model %q: want gammagamma", spend)
	}
	if _, ok := UnitDays[unit]; !ok {
		return clientele.Errorf(clientele.EINVALID, "unit %q: want day, week, month or year", unit)
	}
	return nil
}

// customers reads the summaries of the calibration cohort.
func customers(ctx context.Context, db *store.DB, calEnd, holdoutEnd time.Time, loc *time.Location, cur clientele.Currency) ([]store.CustomerSummary, error) {
	var out []store.CustomerSummary
	err := db.Summaries(ctx, store.SummaryOptions{CalibrationEnd: calEnd, HoldoutEnd: holdoutEnd, Location: loc, Currency: cur},
		func(s store.CustomerSummary) error { out = append(out, s); return nil })
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "no customer made a first purchase on or before %s", calEnd.Format(time.DateOnly))
	}
	return out, nil
}

// spendOf is a repeat buyer's mean spend per repeat purchase day, in major
// units.
func spendOf(repeat, repeatSpend int64, scale int) clv.Spend {
	return clv.Spend{X: float64(repeat), M: float64(repeatSpend) / float64(repeat) / math.Pow10(scale)}
}

// rfm converts a summary to the models' statistics in the given unit.
func rfm(s store.CustomerSummary, unit float64) clv.RFM {
	return clv.RFM{X: float64(s.Repeat), TX: float64(s.Recency) / unit, T: float64(s.Age) / unit}
}

// Fit fits opt.Model (and the spend model) on the database's transactions
// and stores the run.
func Fit(ctx context.Context, db *store.DB, opt FitOptions) (*Result, error) {
	if err := checkOptions(opt.Model, opt.Spend, opt.Unit); err != nil {
		return nil, err
	}
	if opt.Model == "bgbb" || opt.Model == "sbg" {
		return nil, clientele.Errorf(clientele.EINVALID, "%s fits on a file here: give --summary (bgbb) or --survival (sbg)", opt.Model)
	}
	if opt.CalibrationEnd.IsZero() {
		return nil, clientele.Errorf(clientele.EINVALID, "give the calibration end date (--calibration-end)")
	}
	if opt.Score != nil {
		if err := opt.Score.check(); err != nil {
			return nil, err
		}
	}
	if err := checkPeriods(ctx, db, opt); err != nil {
		return nil, err
	}
	scale, err := opt.Currency.Scale()
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	start := time.Now()
	// Stream the summaries into the models' rows: a fit never holds more
	// than one small row per customer.
	unit := UnitDays[opt.Unit]
	var data []clv.RFM
	var spend []clv.Spend
	var rows []scoreRow
	err = db.Summaries(ctx, store.SummaryOptions{CalibrationEnd: opt.CalibrationEnd, HoldoutEnd: opt.HoldoutEnd, Location: opt.Location, Currency: opt.Currency},
		func(s store.CustomerSummary) error {
			if opt.Score != nil {
				// The scoring rows hold all the fit needs: the fit's rows are
				// made from them after the pass, at their final size.
				rows = append(rows, toScoreRow(s))
				return nil
			}
			data = append(data, rfm(s, unit))
			if s.Repeat > 0 && s.RepeatSpend > 0 {
				spend = append(spend, spendOf(s.Repeat, s.RepeatSpend, scale))
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	if opt.Score != nil {
		// A scoring that cannot value anyone is refused before the fit.
		if _, _, err := margins(rows, *opt.Score); err != nil {
			return nil, err
		}
		data = make([]clv.RFM, len(rows))
		repeaters := 0
		for i, r := range rows {
			data[i] = clv.RFM{X: float64(r.x), TX: float64(r.tx) / unit, T: float64(r.T) / unit}
			if r.x > 0 && r.repeatSpend > 0 {
				repeaters++
			}
		}
		spend = make([]clv.Spend, 0, repeaters)
		for _, r := range rows {
			if r.x > 0 && r.repeatSpend > 0 {
				spend = append(spend, spendOf(int64(r.x), r.repeatSpend, scale))
			}
		}
	}
	if len(data) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "no customer made a first purchase on or before %s", opt.CalibrationEnd.Format(time.DateOnly))
	}
	res, err := fitData(opt.Model, opt.Spend, data, nil, spend)
	if err != nil {
		return nil, err
	}
	res.Run.Source = "database"
	res.Run.Unit = opt.Unit
	res.Run.CalibrationEnd = opt.CalibrationEnd.Format(time.DateOnly)
	if !opt.HoldoutEnd.IsZero() {
		res.Run.HoldoutEnd = opt.HoldoutEnd.Format(time.DateOnly)
	}
	res.Run.TimeZone = opt.Location.String()
	res.Run.Currency = opt.Currency
	res.Run.Seconds = time.Since(start).Seconds()
	if opt.Score == nil {
		if res.Run.ID, err = db.CreateRun(ctx, res.Run); err != nil {
			return nil, err
		}
		return res, nil
	}
	// Scored as it is fitted: the run is stored in the transaction of its
	// scores, so that a run never appears without them (a kill -9 while
	// scoring left one behind that reports then took for the latest).
	data, spend = nil, nil // for the collector: the scoring needs rows only
	scoreStart := time.Now()
	if res.Scored, err = scoreRows(ctx, db, &res.Run, rows, *opt.Score); err != nil {
		return nil, fmt.Errorf("score the fitted model (nothing was stored): %w", err)
	}
	res.Scored.Seconds = time.Since(scoreStart).Seconds()
	return res, nil
}

// endSlack is how far past the data's last transaction a calibration or
// holdout period may end: a month's end chosen for a period whose data
// stop a few days before it is fine; a date years ahead is a mistake.
const endSlack = 31 * 24 * time.Hour

// checkPeriods refuses a calibration or holdout end far past the data's
// last transaction: every customer's age T would run into days nobody
// could have bought on, and the fit would take them all for lost.
func checkPeriods(ctx context.Context, db *store.DB, opt FitOptions) error {
	last, err := db.LastTransaction(ctx)
	if err != nil || last.IsZero() {
		return err
	}
	lastDay := last.In(opt.Location).Format(time.DateOnly)
	for _, p := range []struct {
		flag string
		end  time.Time
	}{{"calibration-end", opt.CalibrationEnd}, {"holdout-end", opt.HoldoutEnd}} {
		if !p.end.IsZero() && p.end.Sub(last) > endSlack {
			return clientele.Errorf(clientele.EINVALID, "--%s %s is after the data: the last transaction is of %s; end the period on or before it",
				p.flag, p.end.Format(time.DateOnly), lastDay)
		}
	}
	return nil
}

func paramMap(f *clv.Fit, v []float64) map[string]float64 {
	m := map[string]float64{}
	for i, n := range f.Names {
		m[n] = v[i]
	}
	return m
}

// fitData fits the purchase model to data (collapsed already, as s says)
// and, when asked, the spend model to spend.
func fitData(model, spendModel string, data []clv.RFM, s *clv.Settings, spend []clv.Spend) (*Result, error) {
	var fit *clv.Fit
	var err error
	switch model {
	case "bgnbd":
		_, fit, err = clv.FitBGNBD(data, s)
	case "mbgnbd":
		_, fit, err = clv.FitMBGNBD(data, s)
	case "paretonbd":
		_, fit, err = clv.FitParetoNBD(data, s)
	default:
		return nil, clientele.Errorf(clientele.EINVALID, "model %q cannot be fitted to frequency/recency/T data", model)
	}
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "fit %s: %w", model, err)
	}
	res := &Result{Fit: fit, Run: clientele.Run{Model: model, Params: paramMap(fit, fit.Params), StdErrors: paramMap(fit, fit.StdErrors),
		LogLikelihood: fit.LogLikelihood, Customers: fit.Customers, Converged: fit.Converged}}
	if spendModel == "gammagamma" {
		if err := res.fitSpend(spend); err != nil {
			return nil, err
		}
	}
	return res, nil
}

func (res *Result) fitSpend(spend []clv.Spend) error {
	_, sf, err := clv.FitGammaGamma(spend, nil)
	if err != nil {
		return clientele.Errorf(clientele.EINVALID, "fit gammagamma: %w", err)
	}
	res.SpendFit = sf
	res.Run.SpendModel = "gammagamma"
	res.Run.SpendParams = paramMap(sf, sf.Params)
	ll := sf.LogLikelihood
	res.Run.SpendLogLikelihood = &ll
	res.Run.Converged = res.Run.Converged && sf.Converged
	return nil
}

// FitFile fits a model to a summary file, as the libraries analysts know
// write them: columns frequency, recency, T and optionally monetary_value
// and weights (any other column, such as a customer id, is ignored); for
// bgbb frequency, recency, periods and weights. Times are in the file's own
// unit. The run is stored when db is not nil.
func FitFile(ctx context.Context, db *store.DB, path, model, spendModel string) (*Result, error) {
	if err := checkOptions(model, spendModel, "week"); err != nil {
		return nil, err
	}
	start := time.Now()
	f, err := openNumericCSV(path)
	if err != nil {
		return nil, err
	}
	cols := f.cols
	need := func(name string) (int, error) {
		i, ok := cols[name]
		if !ok {
			return 0, clientele.Errorf(clientele.EINVALID, "%s: no column %q (columns needed: frequency, recency, %s)", path, name, map[bool]string{true: "periods, weights", false: "T"}[model == "bgbb"])
		}
		return i, nil
	}
	fx, err := need("frequency")
	if err != nil {
		return nil, err
	}
	fr, err := need("recency")
	if err != nil {
		return nil, err
	}
	fw, hasW := cols["weights"]
	var res *Result
	if model == "bgbb" {
		fn, err := need("periods")
		if err != nil {
			return nil, err
		}
		vals, err := f.table()
		if err != nil {
			return nil, err
		}
		tab := &numTable{cols: cols, width: len(f.head), vals: vals}
		if tab.len() == 0 {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: no rows", path)
		}
		data := make([]clv.Discrete, tab.len())
		for i := range data {
			r := tab.row(i)
			data[i] = clv.Discrete{X: r[fx], TX: r[fr], N: r[fn]}
			if hasW {
				data[i].W = r[fw]
			}
		}
		_, fit, err := clv.FitBGBB(data, nil)
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: fit bgbb: %w", path, err)
		}
		res = &Result{Fit: fit, Run: clientele.Run{Model: model, Params: paramMap(fit, fit.Params), StdErrors: paramMap(fit, fit.StdErrors),
			LogLikelihood: fit.LogLikelihood, Customers: fit.Customers, Converged: fit.Converged}}
		if spendModel != "" {
			return nil, clientele.Errorf(clientele.EINVALID, "a spend model goes with frequency/recency/T data, not with bgbb")
		}
	} else {
		ft, err := need("T")
		if err != nil {
			return nil, err
		}
		fm, hasM := cols["monetary_value"]
		if spendModel != "" && !hasM {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: --spend needs a monetary_value column", path)
		}
		if !hasW {
			fw = -1
		}
		if spendModel == "" {
			fm = -1
		}
		data, spend, err := f.summary(fx, fr, ft, fw, fm)
		if err != nil {
			return nil, err
		}
		if res, err = fitData(model, spendModel, data, &clv.Settings{Collapsed: true}, spend); err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: %w", path, err)
		}
	}
	res.Run.Source = path
	res.Run.Unit = "file"
	res.Run.TimeZone = "UTC"
	res.Run.Currency = ""
	res.Run.Seconds = time.Since(start).Seconds()
	if db != nil {
		if res.Run.ID, err = db.CreateRun(ctx, res.Run); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// FitSurvivalFile fits the shifted-beta-geometric model to a file of
// period,active counts (period 0 the cohort's size).
func FitSurvivalFile(ctx context.Context, db *store.DB, path string) (*Result, error) {
	start := time.Now()
	tab, err := readNumericCSV(path)
	if err != nil {
		return nil, err
	}
	fp, ok1 := tab.cols["period"]
	fa, ok2 := tab.cols["active"]
	if !ok1 || !ok2 {
		return nil, clientele.Errorf(clientele.EINVALID, "%s: need columns period and active", path)
	}
	rows := make([][]float64, tab.len())
	for i := range rows {
		rows[i] = tab.row(i)
	}
	slices.SortFunc(rows, func(a, b []float64) int { return int(a[fp] - b[fp]) })
	active := make([]float64, len(rows))
	for i, r := range rows {
		if r[fp] != float64(i) {
			return nil, clientele.Errorf(clientele.EINVALID, "%s: periods must run 0, 1, 2, … without gaps (found %v where %d was due)", path, r[fp], i)
		}
		active[i] = r[fa]
	}
	_, fit, err := clv.FitSBG(active, nil)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%s: fit sbg: %w", path, err)
	}
	return storeSBG(ctx, db, fit, path, "file", start)
}

func storeSBG(ctx context.Context, db *store.DB, fit *clv.Fit, source, unit string, start time.Time) (*Result, error) {
	res := &Result{Fit: fit, Run: clientele.Run{Model: "sbg", Source: source, Unit: unit, TimeZone: "UTC", Params: paramMap(fit, fit.Params),
		StdErrors: paramMap(fit, fit.StdErrors), LogLikelihood: fit.LogLikelihood, Customers: fit.Customers, Converged: fit.Converged,
		Seconds: time.Since(start).Seconds()}}
	if db != nil {
		var err error
		if res.Run.ID, err = db.CreateRun(ctx, res.Run); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// FitAccounts fits the shifted-beta-geometric model to the accounts' open
// and close dates: an account closed after t whole units churned in its
// period t+1; an open one is censored after the units it has completed by
// asOf.
func FitAccounts(ctx context.Context, db *store.DB, unit string, asOf time.Time) (*Result, error) {
	days, ok := UnitDays[unit]
	if !ok {
		return nil, clientele.Errorf(clientele.EINVALID, "unit %q: want day, week, month or year", unit)
	}
	start := time.Now()
	var churned, censored []float64
	add := func(s *[]float64, t int) {
		for len(*s) <= t {
			*s = append(*s, 0)
		}
		(*s)[t]++
	}
	err := db.AccountLifetimes(ctx, func(opened, closed time.Time) error {
		if closed.IsZero() {
			if t := int(asOf.Sub(opened).Hours() / 24 / days); t >= 0 {
				add(&censored, t)
			}
			return nil
		}
		add(&churned, int(closed.Sub(opened).Hours()/24/days)+1)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(churned) == 0 && len(censored) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "no accounts to fit retention on")
	}
	_, fit, err := clv.FitSBGCounts(churned, censored, nil)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "fit sbg on accounts: %w", err)
	}
	return storeSBG(ctx, db, fit, "accounts", unit, start)
}
