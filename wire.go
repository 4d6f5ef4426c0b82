package clientele

import (
	"encoding/json"
	"math"
	"time"
)

// More JSON forms of the domain types, beside those in json.go: what the
// HTTP API and the CLI's --format json write about accounts, scores,
// segments, model runs and switching surveys. Each has one definition,
// here; the API and the CLI both use it.

// TimeJSON is t in loc as RFC 3339, or nil (JSON null) for the zero time.
func TimeJSON(t time.Time, loc *time.Location) any {
	if t.IsZero() {
		return nil
	}
	return t.In(loc).Format(time.RFC3339)
}

// AmountJSON is an amount in minor units of cur as an exact decimal number
// in major units.
func AmountJSON(minor int64, cur Currency) json.Number {
	scale, _ := cur.Scale()
	return json.Number(FormatAmount(minor, scale))
}

// UserJSON is the JSON form of a User.
type UserJSON struct {
	ID          int64    `json:"id"`
	Name        string   `json:"name"`
	DisplayName string   `json:"display_name"`
	Department  string   `json:"department"`
	Role        string   `json:"role"`
	Scopes      []string `json:"scopes"`
	Disabled    bool     `json:"disabled"`
	HasPassword bool     `json:"has_password"`
	CreatedAt   any      `json:"created_at"`
}

// JSON returns the JSON form of u, its times in loc.
func (u *User) JSON(loc *time.Location) UserJSON {
	scopes := u.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return UserJSON{ID: u.ID, Name: u.Name, DisplayName: u.DisplayName, Department: u.Department, Role: u.Role, Scopes: scopes,
		Disabled: u.Disabled, HasPassword: u.HasPassword, CreatedAt: TimeJSON(u.CreatedAt, loc)}
}

// IdentityJSON is the JSON form of an Identity, without its customer.
type IdentityJSON struct {
	Kind  string `json:"kind"`
	Value string `json:"value" personal:"data"`
}

// AccountJSON is the JSON form of an Account, without its customer.
type AccountJSON struct {
	ID            string      `json:"id" personal:"data"`
	Kind          string      `json:"kind"`
	Product       string      `json:"product,omitempty"`
	Tier          string      `json:"tier,omitempty"`
	Holder        string      `json:"holder,omitempty" personal:"data"`
	OpenedOn      string      `json:"opened_on"`
	ClosedOn      string      `json:"closed_on,omitempty"`
	ParentID      string      `json:"parent_id,omitempty" personal:"data"`
	SpendingLimit json.Number `json:"spending_limit,omitempty"`
	Currency      string      `json:"currency"`
}

// JSON returns the JSON form of a.
func (a *Account) JSON() AccountJSON {
	j := AccountJSON{ID: a.ID, Kind: a.Kind, Product: a.Product, Tier: a.Tier, Holder: a.Holder, OpenedOn: a.OpenedOn,
		ClosedOn: a.ClosedOn, ParentID: a.ParentID, Currency: string(a.Currency)}
	if a.SpendingLimit != nil {
		j.SpendingLimit = AmountJSON(*a.SpendingLimit, a.Currency)
	}
	return j
}

// ScoreJSON is the JSON form of a customer's Score under a model run.
type ScoreJSON struct {
	RunID             int64       `json:"run_id"`
	ProbAlive         float64     `json:"p_alive"`
	ExpectedPurchases float64     `json:"expected_purchases"`
	ExpectedSpend     json.Number `json:"expected_spend"`
	CLV               json.Number `json:"clv"`
	Currency          string      `json:"currency"`
	// PAliveNote explains a P(alive) that would puzzle whoever reads it.
	PAliveNote string `json:"p_alive_note,omitempty"`
}

// BGNBDAliveNote explains why BG/NBD gives P(alive) = 1 to a customer who
// never bought again, however long ago the one purchase was.
const BGNBDAliveNote = "BG/NBD lets a customer drop out only just after a repeat purchase, so one who never bought again has P(alive) = 1 however long ago they bought; " +
	"a run of mbgnbd or paretonbd gives such customers a P(alive) that falls with time"

// JSON returns the JSON form of s, a score of run runID in cur.
func (s *Score) JSON(runID int64, cur Currency) ScoreJSON {
	return ScoreJSON{RunID: runID, ProbAlive: s.ProbAlive, ExpectedPurchases: s.ExpectedPurchases,
		ExpectedSpend: AmountJSON(s.ExpectedSpend, cur), CLV: AmountJSON(s.CLV, cur), Currency: string(cur)}
}

// RunScoreJSON is one customer's score in a page of a run's scores: the
// quantities over the run's scoring horizon and over the lifetime (null
// where not finite).
type RunScoreJSON struct {
	CustomerID        string      `json:"customer_id" personal:"id"`
	ProbAlive         float64     `json:"p_alive"`
	ExpectedPurchases float64     `json:"expected_purchases"`
	ExpectedSpend     json.Number `json:"expected_spend"`
	DERT              float64     `json:"dert"`
	DERTLifetime      *float64    `json:"dert_lifetime"`
	CLV               json.Number `json:"clv"`
	CLVLifetime       any         `json:"clv_lifetime"`
	Currency          string      `json:"currency"`
}

// RunJSON returns s as an item of a page of scores in cur.
func (s *Score) RunJSON(cur Currency) RunScoreJSON {
	j := RunScoreJSON{CustomerID: s.CustomerID, ProbAlive: s.ProbAlive, ExpectedPurchases: s.ExpectedPurchases,
		ExpectedSpend: AmountJSON(s.ExpectedSpend, cur), DERT: s.DERT, CLV: AmountJSON(s.CLV, cur), Currency: string(cur)}
	if !math.IsNaN(s.DERTLifetime) && !math.IsInf(s.DERTLifetime, 0) {
		d := s.DERTLifetime
		j.DERTLifetime, j.CLVLifetime = &d, AmountJSON(s.CLVLifetime, cur)
	}
	return j
}

// SegmentJSON is the JSON form of a Segment.
type SegmentJSON struct {
	Name       string `json:"name"`
	Definition string `json:"definition"`
	Owner      string `json:"owner,omitempty"`
	Level      string `json:"level"`
	Members    int64  `json:"members"`
	ComputedAt any    `json:"computed_at"` // RFC 3339, or null if never computed
}

// JSON returns the JSON form of s, its times in loc.
func (s *Segment) JSON(loc *time.Location) SegmentJSON {
	return SegmentJSON{Name: s.Name, Definition: s.Definition, Owner: s.Owner, Level: s.Level, Members: s.Members, ComputedAt: TimeJSON(s.ComputedAt, loc)}
}

// RunJSON is the JSON form of a model Run: its settings and results.
type RunJSON struct {
	RunID          int64              `json:"run_id"`
	CreatedAt      any                `json:"created_at"`
	Source         string             `json:"source"`
	Unit           string             `json:"unit"`
	CalibrationEnd string             `json:"calibration_end,omitempty"`
	HoldoutEnd     string             `json:"holdout_end,omitempty"`
	TimeZone       string             `json:"time_zone,omitempty"`
	Currency       string             `json:"currency"`
	Model          string             `json:"model"`
	Params         map[string]float64 `json:"params"`
	StdErrors      map[string]any     `json:"std_errors"` // null where it could not be computed
	LogLikelihood  float64            `json:"log_likelihood"`
	Customers      float64            `json:"customers"`
	Converged      bool               `json:"converged"`
	Seconds        float64            `json:"seconds"`
	Spend          *RunSpendJSON      `json:"spend,omitempty"`
	Scoring        *ScoringJSON       `json:"scoring"` // null: never scored
}

// ScoringJSON is how a Run was scored.
type ScoringJSON struct {
	ScoredAt         any     `json:"scored_at"`
	AsOf             string  `json:"as_of"`
	Horizon          float64 `json:"horizon"`
	DiscountRate     float64 `json:"discount_rate"`
	Basis            string  `json:"basis"`
	BasisText        string  `json:"basis_text"`
	Margin           float64 `json:"margin"`
	MarginCoverage   float64 `json:"margin_coverage"`
	PopulationMargin float64 `json:"population_margin"`
}

// RunSpendJSON is the spend model of a Run.
type RunSpendJSON struct {
	Model         string             `json:"model"`
	Params        map[string]float64 `json:"params"`
	LogLikelihood *float64           `json:"log_likelihood"`
}

// JSON returns the JSON form of r, its times in loc.
func (r *Run) JSON(loc *time.Location) RunJSON {
	j := RunJSON{RunID: r.ID, CreatedAt: TimeJSON(r.CreatedAt, loc), Source: r.Source, Unit: r.Unit, CalibrationEnd: r.CalibrationEnd,
		HoldoutEnd: r.HoldoutEnd, TimeZone: r.TimeZone, Currency: string(r.Currency), Model: r.Model, Params: r.Params, StdErrors: NullNaN(r.StdErrors),
		LogLikelihood: r.LogLikelihood, Customers: r.Customers, Converged: r.Converged, Seconds: r.Seconds}
	if r.SpendModel != "" {
		j.Spend = &RunSpendJSON{Model: r.SpendModel, Params: r.SpendParams, LogLikelihood: r.SpendLogLikelihood}
	}
	if s := r.Scoring; s != nil {
		j.Scoring = &ScoringJSON{ScoredAt: TimeJSON(s.At, loc), AsOf: r.CalibrationEnd, Horizon: s.Horizon, DiscountRate: s.DiscountRate,
			Basis: s.Basis, BasisText: s.BasisText(), Margin: s.Margin, MarginCoverage: s.MarginCoverage, PopulationMargin: s.PopulationMargin}
	}
	return j
}

// NullNaN maps m's NaN values, which JSON cannot hold, to nil (null).
func NullNaN(m map[string]float64) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if math.IsNaN(v) {
			out[k] = nil
		} else {
			out[k] = v
		}
	}
	return out
}

// SwitchingSurveyJSON is the JSON form of a stored switching survey's
// description.
type SwitchingSurveyJSON struct {
	Name        string   `json:"name"`
	Brands      []string `json:"brands"`
	Drivers     []string `json:"drivers"`
	Respondents int      `json:"respondents"`
	HasMarket   bool     `json:"has_market"`
	ImportedAt  any      `json:"imported_at"`
}

// JSON returns the JSON form of s, its times in loc.
func (s *SwitchingSurveyInfo) JSON(loc *time.Location) SwitchingSurveyJSON {
	return SwitchingSurveyJSON{Name: s.Name, Brands: s.Brands, Drivers: s.Drivers, Respondents: s.Respondents, HasMarket: s.HasMarket, ImportedAt: TimeJSON(s.ImportedAt, loc)}
}
