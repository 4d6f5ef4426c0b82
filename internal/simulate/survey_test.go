package simulate

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"clientele/equity"
	"clientele/internal/ingest"
)

// The simulated switching survey reads as the switching report reads a
// survey, with its market, and the model's estimates (Rust, Lemon &
// Zeithaml 2004's logit, equity.Estimate) recover the coefficients it was
// drawn with, each within three standard errors.
func TestSurveyRecoversCoefficients(t *testing.T) {
	dir := t.TempDir()
	truth, err := writeSurvey(dir, 7, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if truth.Respondents != 1000 {
		t.Fatalf("respondents: %d", truth.Respondents)
	}
	f, err := os.Open(filepath.Join(dir, truth.Files["survey"]))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := ingest.ReadSwitchingSurvey(f)
	if err != nil {
		t.Fatal(err)
	}
	m, err := os.Open(filepath.Join(dir, truth.Files["market"]))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	market, _, err := ingest.ReadMarket(m, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := equity.Validate(s.Respondents, market, len(s.Drivers)); err != nil {
		t.Fatal(err)
	}
	est, se, _, err := equity.Estimate(s.Respondents, len(s.Drivers))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got, stdErr, want float64) {
		if !(stdErr > 0) || math.Abs(got-want) > 3*stdErr {
			t.Errorf("%s: estimated %.4f (standard error %.4f), drawn with %.4f", name, got, stdErr, want)
		}
	}
	check("inertia", est.Inertia, se.Inertia, truth.Inertia)
	for i, d := range s.Drivers {
		check(d, est.Drivers[i], se.Drivers[i], truth.Drivers[d])
	}
}
