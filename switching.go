package clientele

import (
	"encoding/json"
	"time"

	"clientele/equity"
)

// SwitchingSurvey is a brand-switching survey (Rust, Lemon & Zeithaml
// 2004): each respondent's ratings of every brand on every driver, the
// brand bought last and, where asked, the brand chosen next. It feeds the
// switching model of the equity package.
type SwitchingSurvey struct {
	Name        string
	Brands      []string // in order of first appearance
	Drivers     []string // in column order
	IDs         []string // respondent ids, parallel to Respondents
	Respondents []equity.Respondent
	Market      json.RawMessage // the market description, nil when not given
	ImportedAt  time.Time
}

// SwitchingSurveyInfo describes a stored switching survey without its
// answers.
type SwitchingSurveyInfo struct {
	Name        string
	Brands      []string
	Drivers     []string
	Respondents int
	HasMarket   bool
	ImportedAt  time.Time
}

// Validate reports whether s has a name and one set of ratings per brand
// for each respondent.
func (s *SwitchingSurvey) Validate() error {
	if s.Name == "" {
		return Errorf(EINVALID, "a switching survey needs a name")
	}
	if len(s.IDs) != len(s.Respondents) {
		return Errorf(EINVALID, "switching survey %s: %d ids for %d respondents", s.Name, len(s.IDs), len(s.Respondents))
	}
	for i, r := range s.Respondents {
		if len(r.Ratings) != len(s.Brands) {
			return Errorf(EINVALID, "switching survey %s: respondent %s rates %d brands, not %d", s.Name, s.IDs[i], len(r.Ratings), len(s.Brands))
		}
	}
	return nil
}
