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

// SaveSwitchingSurvey stores s, replacing a switching survey of the same
// name, in one transaction.
func (db *DB) SaveSwitchingSurvey(ctx context.Context, s *clientele.SwitchingSurvey) error {
	if err := s.Validate(); err != nil {
		return err
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
		for j, brand := range s.Brands {
			ratings, err := json.Marshal(r.Ratings[j])
			if err != nil {
				return clientele.Errorf(clientele.EINVALID, "switching survey %s: respondent %s, brand %s: %w", s.Name, s.IDs[i], brand, err)
			}
			var chosen any
			if r.Chosen >= 0 {
				chosen = boolInt(r.Chosen == j)
			}
			rows = append(rows, []any{s.Name, s.IDs[i], brand, i, string(ratings), boolInt(r.Last == j), r.Frequency, chosen})
		}
	}
	return db.Write(ctx, func(w *Writer) error {
		if _, err := w.q.exec(ctx, `DELETE FROM switching_survey_answers WHERE survey = $1`, s.Name); err != nil {
			return fmt.Errorf("switching survey %s: %w", s.Name, err)
		}
		if _, err := w.q.exec(ctx, `DELETE FROM switching_surveys WHERE name = $1`, s.Name); err != nil {
			return fmt.Errorf("switching survey %s: %w", s.Name, err)
		}
		if _, err := w.q.exec(ctx, `INSERT INTO switching_surveys (name, drivers, brands, market, respondents, imported_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			s.Name, string(drivers), string(brands), market, len(s.Respondents), db.ts(s.ImportedAt)); err != nil {
			return fmt.Errorf("switching survey %s: %w", s.Name, err)
		}
		const batch = 1000
		for lo := 0; lo < len(rows); lo += batch {
			if _, _, err := w.q.insert(ctx, "switching_survey_answers", []string{"survey", "respondent_id", "brand", "position", "ratings", "last", "frequency", "chosen"},
				rows[lo:min(lo+batch, len(rows))], "", ""); err != nil {
				return fmt.Errorf("switching survey %s: answers: %w", s.Name, err)
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

// SwitchingSurvey returns the stored switching survey name with its
// answers.
func (db *DB) SwitchingSurvey(ctx context.Context, name string) (*clientele.SwitchingSurvey, error) {
	s := &clientele.SwitchingSurvey{Name: name}
	var brands, drivers string
	var market sql.NullString
	var n int
	err := db.r.QueryRowContext(ctx, `SELECT brands, drivers, market, respondents, imported_at FROM switching_surveys WHERE name = $1`, name).
		Scan(&brands, &drivers, &market, &n, timeCol{&s.ImportedAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, clientele.Errorf(clientele.ENOTFOUND, "no switching survey %q (import one with `clientele import switching-survey`)", name)
	}
	if err != nil {
		return nil, fmt.Errorf("switching survey %s: %w", name, err)
	}
	if err := json.Unmarshal([]byte(brands), &s.Brands); err != nil {
		return nil, fmt.Errorf("switching survey %s: brands: %w", name, err)
	}
	if err := json.Unmarshal([]byte(drivers), &s.Drivers); err != nil {
		return nil, fmt.Errorf("switching survey %s: drivers: %w", name, err)
	}
	if market.Valid {
		s.Market = json.RawMessage(market.String)
	}
	brandIdx := map[string]int{}
	for j, b := range s.Brands {
		brandIdx[b] = j
	}
	rows, err := db.r.QueryContext(ctx, `SELECT respondent_id, brand, ratings, last, frequency, chosen FROM switching_survey_answers
		WHERE survey = $1 ORDER BY position, brand`, name)
	s.IDs = make([]string, 0, n)
	s.Respondents = make([]equity.Respondent, 0, n)
	err = each(rows, err, func(sc *sql.Rows) error {
		var id, brand, ratings string
		var last int
		var freq float64
		var chosen sql.NullInt64
		if err := sc.Scan(&id, &brand, &ratings, &last, &freq, &chosen); err != nil {
			return err
		}
		j, ok := brandIdx[brand]
		if !ok {
			return fmt.Errorf("respondent %s: brand %q is not among the survey's brands", id, brand)
		}
		if len(s.IDs) == 0 || s.IDs[len(s.IDs)-1] != id {
			s.IDs = append(s.IDs, id)
			s.Respondents = append(s.Respondents, equity.Respondent{Ratings: make([][]float64, len(s.Brands)), Last: -1, Chosen: -1, Frequency: freq})
		}
		r := &s.Respondents[len(s.Respondents)-1]
		if err := json.Unmarshal([]byte(ratings), &r.Ratings[j]); err != nil {
			return fmt.Errorf("respondent %s, brand %s: ratings: %w", id, brand, err)
		}
		if last == 1 {
			r.Last = j
		}
		if chosen.Valid && chosen.Int64 == 1 {
			r.Chosen = j
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("switching survey %s: answers: %w", name, err)
	}
	return s, nil
}

// SwitchingSurveys lists the stored switching surveys by name.
func (db *DB) SwitchingSurveys(ctx context.Context) ([]clientele.SwitchingSurveyInfo, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, brands, drivers, market IS NOT NULL, respondents, imported_at FROM switching_surveys ORDER BY name`)
	out, err := collect(rows, err, func(sc *sql.Rows) (clientele.SwitchingSurveyInfo, error) {
		var s clientele.SwitchingSurveyInfo
		var brands, drivers string
		if err := sc.Scan(&s.Name, &brands, &drivers, &s.HasMarket, &s.Respondents, timeCol{&s.ImportedAt}); err != nil {
			return s, err
		}
		if err := errors.Join(json.Unmarshal([]byte(brands), &s.Brands), json.Unmarshal([]byte(drivers), &s.Drivers)); err != nil {
			return s, fmt.Errorf("%s: %w", s.Name, err)
		}
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("switching surveys: %w", err)
	}
	if out == nil {
		out = []clientele.SwitchingSurveyInfo{}
	}
	return out, nil
}

// DeleteSwitchingSurvey removes a stored switching survey and its answers.
func (db *DB) DeleteSwitchingSurvey(ctx context.Context, name string) error {
	return db.Write(ctx, func(w *Writer) error {
		if _, err := w.q.exec(ctx, `DELETE FROM switching_survey_answers WHERE survey = $1`, name); err != nil {
			return fmt.Errorf("switching survey %s: %w", name, err)
		}
		n, err := w.q.exec(ctx, `DELETE FROM switching_surveys WHERE name = $1`, name)
		if err != nil {
			return fmt.Errorf("switching survey %s: %w", name, err)
		}
		if n == 0 {
			return clientele.Errorf(clientele.ENOTFOUND, "no switching survey %q", name)
		}
		return nil
	})
}
