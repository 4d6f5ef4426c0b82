package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"clientele"
	"clientele/equity"
)

// Survey is a stored brand-switching survey.
type Survey struct {
	Name        string
	Brands      []string // in order of first appearance
	Drivers     []string // in column order
	IDs         []string // respondent ids, parallel to Respondents
	Respondents []equity.Respondent
	Market      json.RawMessage // the market description, nil when not given
	ImportedAt  time.Time
}

// SurveyInfo describes a stored survey without its answers.
type SurveyInfo struct {
	Name        string
	Brands      []string
	Drivers     []string
	Respondents int
	HasMarket   bool
	ImportedAt  time.Time
}

// SaveSurvey stores s, replacing a survey of the same name, in one
// transaction.
func (db *DB) SaveSurvey(ctx context.Context, s *Survey) error {
	if s.Name == "" {
		return clientele.Errorf(clientele.EINVALID, "a survey needs a name")
	}
	if len(s.IDs) != len(s.Respondents) {
		return clientele.Errorf(clientele.EINVALID, "survey %s: %d ids for %d respondents", s.Name, len(s.IDs), len(s.Respondents))
	}
	brands, _ := json.Marshal(s.Brands)
	drivers, _ := json.Marshal(s.Drivers)
	var market any
	if len(s.Market) > 0 {
		market = string(s.Market)
	}
	if s.ImportedAt.IsZero() {
		s.ImportedAt = time.Now().UTC()
	}
	var rows [][]any
	for i, r := range s.Respondents {
		if len(r.Ratings) != len(s.Brands) {
			return clientele.Errorf(clientele.EINVALID, "survey %s: respondent %s rates %d brands, not %d", s.Name, s.IDs[i], len(r.Ratings), len(s.Brands))
		}
		for j, brand := range s.Brands {
			ratings, err := json.Marshal(r.Ratings[j])
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "survey %s: respondent %s, brand %s: %w", s.Name, s.IDs[i], brand, err)
			}
			var chosen any
			if r.Chosen >= 0 {
				chosen = boolInt(r.Chosen == j)
			}
			rows = append(rows, []any{s.Name, s.IDs[i], brand, i, string(ratings), boolInt(r.Last == j), r.Frequency, chosen})
		}
	}
	return db.Write(ctx, func(w *Writer) error {
		if _, err := w.q.exec(ctx, `DELETE FROM survey_answers WHERE survey = $1`, s.Name); err != nil {
			return fmt.Errorf("survey %s: %w", s.Name, err)
		}
		if _, err := w.q.exec(ctx, `DELETE FROM surveys WHERE name = $1`, s.Name); err != nil {
			return fmt.Errorf("survey %s: %w", s.Name, err)
		}
		if _, err := w.q.exec(ctx, `INSERT INTO surveys (name, drivers, brands, market, respondents, imported_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.Name, string(drivers), string(brands), market, len(s.Respondents), db.ts(s.ImportedAt)); err != nil {
			return fmt.Errorf("survey %s: %w", s.Name, err)
		}
		const batch = 1000
		for lo := 0; lo < len(rows); lo += batch {
			if _, _, err := w.q.insert(ctx, "survey_answers", []string{"survey", "respondent_id", "brand", "position", "ratings", "last", "frequency", "chosen"},
				rows[lo:min(lo+batch, len(rows))], "", ""); err != nil {
				return fmt.Errorf("survey %s: answers: %w", s.Name, err)
			}
		}
		return nil
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Survey returns the stored survey name with its answers.
func (db *DB) Survey(ctx context.Context, name string) (*Survey, error) {
	s := &Survey{Name: name}
	var brands, drivers string
	var market sql.NullString
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT brands, drivers, market, respondents, imported_at FROM surveys WHERE name = $1`, name).
		Scan(&brands, &drivers, &market, &n, timeCol{&s.ImportedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no survey %q (import one with `clientele import survey`)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("survey %s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(brands), &s.Brands); err != nil {
		return nil, fmt.Errorf("survey %s: brands: %w", name, err)
	}
	if err := json.Unmarshal([]byte(drivers), &s.Drivers); err != nil {
		return nil, fmt.Errorf("survey %s: drivers: %w", name, err)
	}
	if market.Valid {
		s.Market = json.RawMessage(market.String)
	}
	brandIdx := map[string]int{}
	for j, b := range s.Brands {
		brandIdx[b] = j
	}
	rows, err := db.r.QueryContext(ctx, `SELECT respondent_id, brand, ratings, last, frequency, chosen FROM survey_answers
		WHERE survey = $1 ORDER BY position, brand`, name)
	if err != nil {
		return nil, fmt.Errorf("survey %s: answers: %w", name, err)
	}
	defer rows.Close()
	s.IDs = make([]string, 0, n)
	s.Respondents = make([]equity.Respondent, 0, n)
	for rows.Next() {
		var id, brand, ratings string
		var last int
		var freq float64
		var chosen sql.NullInt64
		if err := rows.Scan(&id, &brand, &ratings, &last, &freq, &chosen); err != nil {
			return nil, fmt.Errorf("survey %s: answers: %w", name, err)
		}
		j, ok := brandIdx[brand]
		if !ok {
			return nil, fmt.Errorf("survey %s: respondent %s: brand %q is not among the survey's brands", name, id, brand)
		}
		if len(s.IDs) == 0 || s.IDs[len(s.IDs)-1] != id {
			s.IDs = append(s.IDs, id)
			s.Respondents = append(s.Respondents, equity.Respondent{Ratings: make([][]float64, len(s.Brands)), Last: -1, Chosen: -1, Frequency: freq})
		}
		r := &s.Respondents[len(s.Respondents)-1]
		if err := json.Unmarshal([]byte(ratings), &r.Ratings[j]); err != nil {
			return nil, fmt.Errorf("survey %s: respondent %s, brand %s: ratings: %w", name, id, brand, err)
		}
		if last == 1 {
			r.Last = j
		}
		if chosen.Valid && chosen.Int64 == 1 {
			r.Chosen = j
		}
	}
	return s, rows.Err()
}

// Surveys lists the stored surveys by name.
func (db *DB) Surveys(ctx context.Context) ([]SurveyInfo, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, brands, drivers, market IS NOT NULL, respondents, imported_at FROM surveys ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("surveys: %w", err)
	}
	defer rows.Close()
	out := []SurveyInfo{}
	for rows.Next() {
		var s SurveyInfo
		var brands, drivers string
		if err := rows.Scan(&s.Name, &brands, &drivers, &s.HasMarket, &s.Respondents, timeCol{&s.ImportedAt}); err != nil {
			return nil, fmt.Errorf("surveys: %w", err)
		}
		if err := errors.Join(json.Unmarshal([]byte(brands), &s.Brands), json.Unmarshal([]byte(drivers), &s.Drivers)); err != nil {
			return nil, fmt.Errorf("survey %s: %w", s.Name, err)
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// DeleteSurvey removes a stored survey and its answers.
func (db *DB) DeleteSurvey(ctx context.Context, name string) error {
	return db.Write(ctx, func(w *Writer) error {
		if _, err := w.q.exec(ctx, `DELETE FROM survey_answers WHERE survey = $1`, name); err != nil {
			return fmt.Errorf("survey %s: %w", name, err)
		}
		n, err := w.q.exec(ctx, `DELETE FROM surveys WHERE name = $1`, name)
		if err != nil {
			return fmt.Errorf("survey %s: %w", name, err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no survey %q", name)
		}
		return nil
	})
}
