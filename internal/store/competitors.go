package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"unicode"
	"unicode/utf8"

	"clientele"
)

// The competitors' customer equity, as the firm estimates it (from panels
// and surveys: the article's market level), kept in settings: the
// dashboard's share of customer equity is the firm's CE over the market's.

const competitorsKey = "competitors"

// MaxCompetitors is how many competitors may be entered.
const MaxCompetitors = 50

// Competitors returns each competitor's customer equity, in major units of
// the firm's currency; empty when none were entered.
func (db *DB) Competitors(ctx context.Context) (map[string]float64, error) {
	var v string
	err := db.r.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = $1`, competitorsKey).Scan(&v)
	out := map[string]float64{}
	if errors.Is(err, sql.ErrNoRows) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("competitors: %w", err)
	}
	if err := json.Unmarshal([]byte(v), &out); err != nil {
		return nil, fmt.Errorf("competitors: %w", err)
	}
	return out, nil
}

// SetCompetitors replaces the competitors' customer equity. Each name is
// 1 to 100 characters of text and each value finite and ≥ 0; anything else
// is refused whole.
func (db *DB) SetCompetitors(ctx context.Context, c map[string]float64) error {
	if len(c) > MaxCompetitors {
		return clientele.Errorf(clientele.EINVALID, "%d competitors: at most %d", len(c), MaxCompetitors)
	}
	var bad []clientele.FieldError
	for name, v := range c {
		if name == "" || len(name) > 100 || !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0 {
			bad = append(bad, clientele.FieldError{Field: "competitor " + clientele.Excerpt(name), Reason: "the name must be 1 to 100 bytes of UTF-8 text without control characters"})
		}
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			bad = append(bad, clientele.FieldError{Field: "competitor " + clientele.Excerpt(name), Reason: "customer equity must be a finite number ≥ 0"})
		}
	}
	if len(bad) > 0 {
		return &clientele.Error{Code: clientele.EINVALID, Message: "invalid competitors", Details: bad}
	}
	b, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := db.w.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, competitorsKey, string(b)); err != nil {
		return busyError(fmt.Errorf("competitors: %w", err))
	}
	return nil
}
