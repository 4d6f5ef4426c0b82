package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/equity"
	"clientele/internal/store"
)

// A survey comes back as it was stored; storing it again under the same
// name replaces it.
func TestSurveyRoundTrip(t *testing.T) {
	ctx := t.Context()
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		s := &clientele.SwitchingSurvey{Name: "q3", Brands: []string{"B", "A"}, Drivers: []string{"value", "brand"}, IDs: []string{"r2", "r1"},
			Respondents: []equity.Respondent{
				{Ratings: [][]float64{{4.5, 3}, {2, 1.25}}, Last: 1, Frequency: 2.5, Chosen: 0},
				{Ratings: [][]float64{{1, 2}, {3, 4}}, Last: 0, Frequency: 1, Chosen: -1},
			},
			Market:     json.RawMessage(`{"market_size": 1000}`),
			ImportedAt: time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)}
		if err := db.SaveSwitchingSurvey(ctx, s); err != nil {
			t.Fatal(err)
		}
		got, err := db.SwitchingSurvey(ctx, "q3")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(s, got); diff != "" {
			t.Errorf("survey (-stored +read):\n%s", diff)
		}
		s.Respondents, s.IDs, s.Market = s.Respondents[:1], s.IDs[:1], nil
		if err := db.SaveSwitchingSurvey(ctx, s); err != nil {
			t.Fatal(err)
		}
		list, err := db.SwitchingSurveys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []clientele.SwitchingSurveyInfo{{Name: "q3", Brands: s.Brands, Drivers: s.Drivers, Respondents: 1, ImportedAt: s.ImportedAt}}
		if diff := cmp.Diff(want, list); diff != "" {
			t.Errorf("surveys (-want +got):\n%s", diff)
		}
		if err := db.DeleteSwitchingSurvey(ctx, "q3"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SwitchingSurvey(ctx, "q3"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("deleted survey: %v", err)
		}
		if err := db.DeleteSwitchingSurvey(ctx, "q3"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("delete twice: %v", err)
		}
		bad := &clientele.SwitchingSurvey{Name: "bad", Brands: []string{"A"}, Drivers: []string{"v"}, IDs: []string{"r1"},
			Respondents: []equity.Respondent{{Ratings: [][]float64{{1}, {2}}}}}
		if err := db.SaveSwitchingSurvey(ctx, bad); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("a respondent rating more brands than the survey has: %v", err)
		}
	})
}
