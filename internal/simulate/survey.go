package simulate

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// The brand-switching survey of the simulated grocery market, for the
// switching report (Rust, Lemon & Zeithaml 2004, "Return on Marketing",
// Journal of Marketing 68(1)): respondents rate the firm's three grocery
// brands and two rivals' on value, brand image and relationship, name the brand
// they bought last and the one they chose next, the choice drawn from the
// paper's logit, U_ij = β0·LAST_ij + X_ij·β, with the coefficients of
// SurveyTruth. The report estimates them back from the answers.

// surveyStream keeps the survey's random numbers apart from the
// customers', so that adding it changed none of the other files.
const surveyStream = 0x5375727665790001

// surveyBrand is a brand of the simulated market: its mean ratings on the
// drivers, its contribution per purchase (major units) and its owner.
type surveyBrand struct {
	name         string
	ratings      [3]float64
	contribution float64
	owner        string
}

var surveyDrivers = [3]string{"value", "brand_image", "relationship"}

var surveyBrands = []surveyBrand{
	{"Basics", [3]float64{4.2, 2.8, 3.4}, 2.10, "Clientele Retail"},
	{"Harbor", [3]float64{3.4, 4.1, 3.8}, 4.40, "Clientele Retail"},
	{"FreshFarm", [3]float64{3.6, 3.5, 3.2}, 3.00, "Clientele Retail"},
	{"Rival Mart", [3]float64{3.9, 3.3, 2.9}, 2.80, "Rival Mart"},
	{"Corner Grocer", [3]float64{3.0, 2.9, 4.0}, 3.20, "Corner Grocer"},
}

// SurveyTruth is what the survey was drawn with (truth.json's "survey").
type SurveyTruth struct {
	Respondents int                `json:"respondents"`
	Inertia     float64            `json:"inertia"`
	Drivers     map[string]float64 `json:"drivers"`
	Files       map[string]string  `json:"files"`
}

// surveyCoefficients are the true inertia and driver coefficients.
var surveyCoefficients = struct {
	inertia float64
	drivers [3]float64
}{0.9, [3]float64{0.6, 0.35, 0.45}}

// surveyRespondents is the survey's size for a simulation of n customers:
// a tenth of them, from 200 to 1,000.
func surveyRespondents(n int) int { return min(max(n/10, 200), 1000) }

// writeSurvey writes switching_survey.csv and switching_market.json into
// dir and returns the truth.
func writeSurvey(dir string, seed uint64, customers int) (*SurveyTruth, error) {
	n := surveyRespondents(customers)
	rng := rand.New(rand.NewPCG(seed^surveyStream, 1))
	var b strings.Builder
	b.WriteString("respondent_id,brand," + strings.Join(surveyDrivers[:], ",") + ",last,frequency,chosen\n")
	J := len(surveyBrands)
	ratings := make([][3]int, J)
	u := make([]float64, J)
	for i := range n {
		for j, br := range surveyBrands {
			for d := range surveyDrivers {
				ratings[j][d] = int(math.Round(min(max(br.ratings[d]+0.8*rng.NormFloat64(), 1), 5)))
			}
		}
		// The brand bought last: the logit without inertia; the next: with it.
		utility := func(last int) []float64 {
			for j := range surveyBrands {
				u[j] = 0
				for d := range surveyDrivers {
					u[j] += surveyCoefficients.drivers[d] * float64(ratings[j][d])
				}
				if j == last {
					u[j] += surveyCoefficients.inertia
				}
			}
			return u
		}
		last := draw(rng, utility(-1))
		chosen := draw(rng, utility(last))
		frequency := 4 + int(rng.ExpFloat64()*20) // category purchases a year
		for j, br := range surveyBrands {
			fmt.Fprintf(&b, "R%04d,%s,%d,%d,%d,%d,%d,%d\n", i+1, br.name, ratings[j][0], ratings[j][1], ratings[j][2],
				b2i(j == last), frequency, b2i(j == chosen))
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "switching_survey.csv"), []byte(b.String()), 0o644); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	type brand struct {
		Name         string  `json:"name"`
		Contribution float64 `json:"contribution"`
		Owner        string  `json:"owner"`
	}
	market := struct {
		Brands       []brand `json:"brands"`
		DiscountRate float64 `json:"discount_rate"`
		HorizonYears float64 `json:"horizon_years"`
		MarketSize   float64 `json:"market_size"`
	}{DiscountRate: 0.1, HorizonYears: 3, MarketSize: float64(20 * customers)}
	for _, br := range surveyBrands {
		market.Brands = append(market.Brands, brand{br.name, br.contribution, br.owner})
	}
	m, _ := json.MarshalIndent(market, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "switching_market.json"), append(m, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	t := &SurveyTruth{Respondents: n, Inertia: surveyCoefficients.inertia, Drivers: map[string]float64{},
		Files: map[string]string{"survey": "switching_survey.csv", "market": "switching_market.json"}}
	for d, name := range surveyDrivers {
		t.Drivers[name] = surveyCoefficients.drivers[d]
	}
	return t, nil
}

// draw picks an index with probability softmax(u).
func draw(rng *rand.Rand, u []float64) int {
	top := math.Inf(-1)
	for _, x := range u {
		top = max(top, x)
	}
	sum := 0.0
	for _, x := range u {
		sum += math.Exp(x - top)
	}
	r := rng.Float64() * sum
	for j, x := range u {
		r -= math.Exp(x - top)
		if r <= 0 {
			return j
		}
	}
	return len(u) - 1
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
