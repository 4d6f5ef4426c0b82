package main_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele/internal/store/storetest"
)

// The CLV commands on the imported CDNOW sample: the paper's BG/NBD
// parameters to three decimals (Fader, Hardie & Lee 2005), the Gamma-Gamma
// parameters of Fader & Hardie's note 025 (p = 6.25, q = 3.74, γ = 15.44),
// scores, and the validation report with its plots.
func TestFitScoreReport(t *testing.T) {
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			if _, errOut, err := run(t, db, "import", "transactions", "../../internal/valuation/testdata/CDNOW_sample.txt"); err != nil {
				t.Fatalf("import: %v\n%s", err, errOut)
			}
			out, errOut, err := run(t, db, "fit", "--model", "bgnbd", "--spend", "gammagamma", "--unit", "week",
				"--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30", "--format", "json")
			if err != nil {
				t.Fatalf("fit: %v\n%s", err, errOut)
			}
			var fit struct {
				RunID     int64              `json:"run_id"`
				Model     string             `json:"model"`
				Params    map[string]float64 `json:"params"`
				StdErrors map[string]float64 `json:"std_errors"`
				Customers float64            `json:"customers"`
				Converged bool               `json:"converged"`
				Spend     struct {
					Model  string             `json:"model"`
					Params map[string]float64 `json:"params"`
				} `json:"spend"`
			}
			if err := json.Unmarshal([]byte(out), &fit); err != nil {
				t.Fatalf("fit output %s: %v", out, err)
			}
			p, sp := fit.Params, fit.Spend.Params
			if got := fmt.Sprintf("%.3f %.3f %.3f %.3f", p["r"], p["alpha"], p["a"], p["b"]); got != "0.243 4.414 0.793 2.426" {
				t.Errorf("BG/NBD %s, want 0.243 4.414 0.793 2.426", got)
			}
			if got := fmt.Sprintf("%.2f %.2f %.2f", sp["p"], sp["q"], sp["gamma"]); got != "6.25 3.74 15.44" {
				t.Errorf("Gamma-Gamma %s, want 6.25 3.74 15.44", got)
			}
			if fit.Customers != 2357 || !fit.Converged || fit.StdErrors["r"] <= 0 {
				t.Errorf("fit: %+v", fit)
			}
			out, errOut, err = run(t, db, "score", "--horizon", "52", "--discount-rate", "0.15", "--margin", "0.3", "--format", "json")
			if err != nil || !strings.Contains(out, `"customers": 2357`) {
				t.Fatalf("score: %v %s\n%s", err, out, errOut)
			}
			dir := t.TempDir()
			out, errOut, err = run(t, db, "report", "validation", "--out", dir, "--plot-format", "svg")
			if err != nil {
				t.Fatalf("report: %v\n%s", err, errOut)
			}
			if texts := checkCharts(t, dir, "run1-palive"); !strings.Contains(strings.Join(texts["run1-palive"], "|"), "P(alive)") {
				t.Errorf("P(alive) chart without its colour bar's title: %q", texts["run1-palive"])
			}
			if !strings.Contains(out, "FREQUENCY") || !strings.Contains(out, "7+") {
				t.Errorf("report:\n%s", out)
			}
			// As CSV and JSON, with snake_case names (JSON said OrMore).
			out, errOut, err = run(t, db, "report", "validation", "--format", "csv")
			if err != nil || !strings.HasPrefix(out, "frequency,or_more,customers,actual,predicted\n0,false,") || !strings.Contains(out, "\n7,true,") {
				t.Errorf("validation as CSV: %v %s\n%s", err, errOut, out)
			}
			out, _, err = run(t, db, "report", "validation", "--format", "json")
			if err != nil || !strings.Contains(out, `"or_more": true`) || strings.Contains(out, "OrMore") || !strings.Contains(out, `"predicted":`) {
				t.Errorf("validation as JSON: %v\n%s", err, out)
			}
			for _, plot := range []string{"tracking", "holdout", "palive"} {
				b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("run%d-%s.svg", fit.RunID, plot)))
				if err != nil || !bytes.Contains(b, []byte("<svg")) {
					t.Errorf("%s plot: %v", plot, err)
				}
			}
			// A summary file fits the same model.
			out, _, err = run(t, db, "fit", "--model", "bgnbd", "--summary", "../../internal/valuation/testdata/cdnow_customers_summary.csv")
			if err != nil || !strings.Contains(out, "0.2425") {
				t.Errorf("fit --summary: %v\n%s", err, out)
			}
			if _, errOut, err := run(t, db, "fit", "--model", "bgnbd"); err == nil || !strings.Contains(errOut, "calibration end") {
				t.Errorf("fit without a calibration end: %v %s", err, errOut)
			}
			// Fit and score in one pass.
			out, errOut, err = run(t, db, "fit", "--model", "bgnbd", "--unit", "week", "--calibration-end", "1997-09-30", "--score", "--margin", "0.3")
			if err != nil || !regexp.MustCompile(`customers scored +2357`).MatchString(out) || !strings.Contains(out, "0.24259") {
				t.Errorf("fit --score: %v\n%s%s", err, out, errOut)
			}
			if _, errOut, err := run(t, db, "fit", "--model", "bgnbd", "--summary", "../../internal/valuation/testdata/cdnow_customers_summary.csv", "--score"); err == nil ||
				!strings.Contains(errOut, "--score") {
				t.Errorf("fit --summary --score: %v %s", err, errOut)
			}
		})
	}
}

// The switching report on the worked example (Rust, Lemon & Zeithaml 2004):
// shares of customer equity and the what-if of brand A.
func TestReportSwitching(t *testing.T) {
	out, errOut, err := run(t, storetest.SQLiteDSN(t), "report", "switching", "--survey", "../../examples/switching/survey.csv",
		"--market", "../../examples/switching/market.json", "--what-if", "brand=A,driver=value,delta=0.2,spend=5000000@0;5000000@1", "--format", "json")
	if err != nil {
		t.Fatalf("report switching: %v\n%s", err, errOut)
	}
	var res struct {
		Brands []struct {
			Brand string  `json:"brand"`
			Share float64 `json:"share"`
			CE    float64 `json:"customer_equity"`
		} `json:"brands"`
		WhatIf struct {
			DeltaCE          float64            `json:"delta_ce"`
			ROI              float64            `json:"roi"`
			SharesAfter      map[string]float64 `json:"shares_after"`
			PortfolioDeltaCE float64            `json:"portfolio_delta_ce"`
		} `json:"what_if"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string]float64{"A": 0.349322, "B": 0.435057, "C": 0.215621}
	for _, b := range res.Brands {
		if d := b.Share - want[b.Brand]; d > 5e-7 || d < -5e-7 {
			t.Errorf("share of %s = %.6f, want %.6f", b.Brand, b.Share, want[b.Brand])
		}
	}
	if d := res.WhatIf.ROI - 0.763975; d > 5e-7 || d < -5e-7 {
		t.Errorf("ROI = %.6f, want 0.763975", res.WhatIf.ROI)
	}
	if d := res.WhatIf.PortfolioDeltaCE - 5360188; d > 1 || d < -1 {
		t.Errorf("portfolio ΔCE = %.0f, want 5,360,188", res.WhatIf.PortfolioDeltaCE)
	}
	// Without coefficients and without a chosen column, nothing to estimate from.
	bare := filepath.Join(t.TempDir(), "m.json")
	os.WriteFile(bare, []byte(`{"brands":[{"name":"A","contribution":100},{"name":"B","contribution":90},{"name":"C","contribution":80}],"discount_rate":0.1,"horizon_years":3,"market_size":1000}`), 0o644)
	if _, errOut, err := run(t, storetest.SQLiteDSN(t), "report", "switching", "--survey", "../../examples/switching/survey.csv", "--market", bare); err == nil || !strings.Contains(errOut, "chosen") {
		t.Errorf("no coefficients, no choices: %v %s", err, errOut)
	}

	// Stored in the database, the survey gives the same report.
	for name, db := range backends(t) {
		t.Run(name, func(t *testing.T) {
			// A broken survey is rejected whole, with the line that is wrong.
			broken := filepath.Join(t.TempDir(), "broken.csv")
			os.WriteFile(broken, []byte("respondent_id,brand,value,last,frequency\nr1,A,4,1,2\nr1,B,x,0,2\n"), 0o644)
			if _, errOut, err := run(t, db, "import", "switching-survey", broken); err == nil || !strings.Contains(errOut, "line 3") {
				t.Errorf("broken survey: %v\n%s", err, errOut)
			}
			if out, _, err := run(t, db, "import", "survey", "../../examples/switching/survey.csv", "--name", "rlz", "--market", "../../examples/switching/market.json"); err != nil ||
				!strings.Contains(out, "survey rlz:") {
				t.Fatalf("import survey: %v\n%s", err, out)
			}
			list, _, err := run(t, db, "switching-surveys", "list", "--format", "json")
			var surveys []struct {
				Name      string `json:"name"`
				HasMarket bool   `json:"has_market"`
			}
			if err != nil || json.Unmarshal([]byte(list), &surveys) != nil || len(surveys) != 1 || surveys[0].Name != "rlz" || !surveys[0].HasMarket {
				t.Fatalf("surveys list: %v\n%s", err, list)
			}
			stored, errOut, err := run(t, db, "report", "switching", "--survey-name", "rlz",
				"--what-if", "brand=A,driver=value,delta=0.2,spend=5000000@0;5000000@1", "--format", "json")
			if err != nil {
				t.Fatalf("report switching --survey-name: %v\n%s", err, errOut)
			}
			var fromFile, fromDB map[string]any
			json.Unmarshal([]byte(out), &fromFile)
			json.Unmarshal([]byte(stored), &fromDB)
			if fromDB["survey"] != "rlz" {
				t.Errorf("survey name: %v", fromDB["survey"])
			}
			delete(fromDB, "survey")
			if diff := cmp.Diff(fromFile, fromDB); diff != "" {
				t.Errorf("stored survey (-file +database):\n%s", diff)
			}
			if _, errOut, err := run(t, db, "report", "switching", "--survey-name", "nope"); err == nil || !strings.Contains(errOut, "no switching survey") {
				t.Errorf("unknown survey: %v %s", err, errOut)
			}
		})
	}
}

// The equity and segment reports agree with the scores they come from.
func TestEquityReports(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "eq.db")
	sim := filepath.Join(dir, "sim")
	for _, args := range [][]string{
		{"simulate", "--customers", "2000", "--out", sim, "--seed", "3"},
		{"import", sim},
		{"fit", "--model", "bgnbd", "--spend", "gammagamma", "--unit", "week", "--calibration-end", "2024-12-28"},
		{"score", "--horizon", "52"},
		{"segments", "create", "--name", "everyone", "--expr", "true"},
		{"segments", "create", "--name", "platinum", "--expr", `account.tier == "platinum"`},
	} {
		if _, errOut, err := run(t, db, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	out, errOut, err := run(t, db, "report", "equity", "--competitor", "rival=1000", "--format", "json")
	if err != nil {
		t.Fatalf("report equity: %v\n%s", err, errOut)
	}
	var eq struct {
		CE      float64 `json:"customer_equity"`
		Top1    float64 `json:"top_1pct_share"`
		Top20   float64 `json:"top_20pct_share"`
		Share   float64 `json:"share_of_customer_equity"`
		History []struct {
			Share float64 `json:"share_of_customer_equity"`
		} `json:"history"`
	}
	if err := json.Unmarshal([]byte(out), &eq); err != nil {
		t.Fatal(err)
	}
	// With loss-making customers (negative CLV) the top 20 % may hold more
	// than 100 % of customer equity; the order of the shares still holds.
	if !(eq.CE > 0 && eq.Top1 > 0 && eq.Top1 < eq.Top20) {
		t.Errorf("equity: %+v", eq)
	}
	if want := eq.CE / (eq.CE + 1000); math.Abs(eq.Share-want) > 1e-12 || len(eq.History) != 1 || eq.History[0].Share != eq.Share {
		t.Errorf("share %v, want %v; history %+v", eq.Share, want, eq.History)
	}
	out, _, err = run(t, db, "report", "segments", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var seg struct {
		Memberships int64 `json:"memberships"`
		Customers   int64 `json:"customers_in_segments"`
		Segments    []struct {
			Segment string  `json:"segment"`
			Members int64   `json:"members"`
			Value   float64 `json:"segment_lifetime_value"`
			MeanCLV float64 `json:"mean_clv"`
		} `json:"segments"`
	}
	if err := json.Unmarshal([]byte(out), &seg); err != nil {
		t.Fatal(err)
	}
	// "everyone" and "platinum" overlap: the report says so.
	if seg.Customers != 2000 || seg.Memberships <= seg.Customers {
		t.Errorf("coverage: %d memberships of %d customers, want more memberships than the 2000 customers", seg.Memberships, seg.Customers)
	}
	for _, s := range seg.Segments {
		// Segment lifetime value = mean CLV × customers in the segment.
		if math.Abs(s.Value-s.MeanCLV*float64(s.Members)) > 0.01*float64(s.Members) {
			t.Errorf("%s: value %.2f, mean %.2f × %d", s.Segment, s.Value, s.MeanCLV, s.Members)
		}
		if s.Segment == "everyone" && (s.Members != 2000 || math.Abs(s.Value-eq.CE) > 0.005) {
			t.Errorf("everyone: %+v, customer equity %.2f", s, eq.CE)
		}
	}
	// HTML with the charts inline, and the charts as files.
	charts := filepath.Join(dir, "charts")
	for _, c := range []struct {
		report string
		want   []string
	}{
		{"equity", []string{"<h1>Customer equity</h1>", "customer equity at every scoring run"}},
		{"segments", []string{"<td>platinum</td>", "<td>everyone</td>", "the segments overlap: 2000 customers hold"}},
	} {
		out, errOut, err := run(t, db, "report", c.report, "--format", "html", "--out", charts, "--plot-format", "svg")
		if err != nil {
			t.Fatalf("report %s: %v\n%s", c.report, err, errOut)
		}
		if n := strings.Count(out, "<svg"); n == 0 || !strings.HasPrefix(out, "<!DOCTYPE html>") {
			t.Errorf("report %s --format html: %d charts in\n%.300s", c.report, n, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("report %s --format html lacks %q", c.report, w)
			}
		}
	}
	for _, name := range []string{"equity", "concentration", "distribution", "segments"} {
		if st, err := os.Stat(filepath.Join(charts, name+".svg")); err != nil || st.Size() < 1000 {
			t.Errorf("chart %s: %v", name, err)
		}
	}
	texts := checkCharts(t, charts, "concentration")
	// The trend is over the scores' as-of date, a series per model.
	if s := strings.Join(texts["equity"], "|"); !strings.Contains(s, "scores as of") || !strings.Contains(s, "bgnbd") {
		t.Errorf("equity trend: %s", s)
	}
	out, _, err = run(t, db, "report", "segments", "--format", "csv")
	// Analysis-ready: snake_case names, plain numbers, currency apart.
	if err != nil || !strings.HasPrefix(out, "segment,owner,level,members,segment_lifetime_value,share_of_ce,mean_clv,mean_p_alive,currency\n") ||
		strings.Count(out, "\n") != 3 || strings.ContainsAny(out, "%-") || !strings.Contains(out, ",USD\n") {
		t.Errorf("segments as CSV: %v\n%s", err, out)
	}
}

// Profitability on the simulated retailer: the loss leaders (sold below
// cost) show with negative margins beside their buyers' positive CLV, and
// customer profit is margin minus the cost of calls.
func TestReportProfitability(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "p.db")
	sim := filepath.Join(dir, "sim")
	for _, args := range [][]string{
		{"simulate", "--customers", "2000", "--out", sim, "--seed", "5"},
		{"import", sim},
		{"fit", "--model", "bgnbd", "--unit", "week", "--calibration-end", "2024-12-28"},
		{"score", "--horizon", "52"},
	} {
		if _, errOut, err := run(t, db, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	out, errOut, err := run(t, db, "report", "profitability", "--call-cost", "4.50", "--format", "json")
	if err != nil {
		t.Fatalf("report profitability: %v\n%s", err, errOut)
	}
	var res struct {
		Products []struct {
			SKU           string  `json:"sku"`
			Margin        float64 `json:"margin"`
			BuyersMeanCLV float64 `json:"buyers_mean_clv"`
			LossLeader    bool    `json:"loss_leader"`
		} `json:"products"`
		Worst []struct {
			Margin      float64 `json:"margin"`
			CostToServe float64 `json:"cost_to_serve"`
			Profit      float64 `json:"profit"`
			Calls       int64   `json:"calls"`
		} `json:"least_profitable"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	leaders := map[string]bool{}
	for _, p := range res.Products {
		if p.LossLeader != (p.Margin < 0) {
			t.Errorf("%s: margin %v, loss leader %v", p.SKU, p.Margin, p.LossLeader)
		}
		if p.LossLeader {
			leaders[p.SKU] = true
			if p.BuyersMeanCLV <= 0 {
				t.Errorf("%s: buyers' mean CLV %v", p.SKU, p.BuyersMeanCLV)
			}
		}
	}
	if !leaders["GRO-MILK"] || !leaders["GRO-BREAD"] {
		t.Errorf("loss leaders found: %v, want GRO-MILK and GRO-BREAD among them", leaders)
	}
	for _, c := range res.Worst {
		if math.Abs(c.Profit-(c.Margin-c.CostToServe)) > 0.005 || math.Abs(c.CostToServe-4.5*float64(c.Calls)) > 0.005 {
			t.Errorf("customer profit %+v", c)
		}
	}
}

// Brand migration on the simulated retailer: the transition matrix is
// stochastic, the recommended moves go to the highest-margin brand, and the
// portfolio's ΔCE is the sum of the gains.
func TestReportMigration(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "m.db")
	sim := filepath.Join(dir, "sim")
	for _, args := range [][]string{
		{"simulate", "--customers", "3000", "--out", sim, "--seed", "8"},
		{"import", sim},
		{"fit", "--model", "bgnbd", "--spend", "gammagamma", "--unit", "week", "--calibration-end", "2024-12-28"},
		{"score", "--horizon", "52"},
	} {
		if _, errOut, err := run(t, db, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errOut)
		}
	}
	out, errOut, err := run(t, db, "report", "migration", "--category", "grocery", "--top", "1000000", "--format", "json")
	if err != nil {
		t.Fatalf("report migration: %v\n%s", err, errOut)
	}
	var m struct {
		Periods int
		Brands  []struct {
			Brand      string  `json:"brand"`
			MarginRate float64 `json:"margin_rate"`
			Customers  int     `json:"customers"`
		} `json:"brands"`
		Matrix [][]float64 `json:"transition_matrix"`
		Recs   []struct {
			To   string  `json:"to"`
			Gain float64 `json:"gain"`
		} `json:"recommendations"`
		Portfolio float64 `json:"portfolio_delta_ce"`
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatalf("%v\n%.500s", err, out)
	}
	if m.Periods != 4 || len(m.Brands) != 3 {
		t.Fatalf("periods %d, brands %+v", m.Periods, m.Brands)
	}
	best := m.Brands[0]
	for _, b := range m.Brands {
		if b.MarginRate > best.MarginRate {
			best = b
		}
	}
	for i, row := range m.Matrix {
		s := 0.0
		for _, p := range row {
			s += p
		}
		if math.Abs(s-1) > 1e-9 {
			t.Errorf("row %d sums to %v", i, s)
		}
	}
	sum := 0.0
	for i, r := range m.Recs {
		if r.To != best.Brand || r.Gain <= 0 || (i > 0 && r.Gain > m.Recs[i-1].Gain) {
			t.Fatalf("recommendation %d: %+v (best brand %s)", i, r, best.Brand)
		}
		sum += r.Gain
	}
	if len(m.Recs) == 0 || math.Abs(sum-m.Portfolio) > 1e-6*math.Max(1, m.Portfolio) {
		t.Errorf("%d recommendations summing to %v, portfolio ΔCE %v", len(m.Recs), sum, m.Portfolio)
	}
	// The heat map and the projection, as PNG files beside the table.
	charts := filepath.Join(dir, "charts")
	out, errOut, err = run(t, db, "report", "migration", "--category", "grocery", "--out", charts)
	if err != nil || !strings.Contains(out, "transition matrix") || !strings.Contains(out, "wrote "+filepath.Join(charts, "transitions.png")) {
		t.Errorf("report migration --out: %v\n%s%s", err, out, errOut)
	}
	for _, name := range []string{"transitions", "projection"} {
		if b, err := os.ReadFile(filepath.Join(charts, name+".png")); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Errorf("chart %s: %v", name, err)
		}
	}
	svg := filepath.Join(dir, "svg")
	if _, errOut, err := run(t, db, "report", "migration", "--category", "grocery", "--out", svg, "--plot-format", "svg"); err != nil {
		t.Fatalf("report migration --plot-format svg: %v\n%s", err, errOut)
	}
	checkCharts(t, svg, "transitions", "projection")
	if _, errOut, err := run(t, db, "report", "migration", "--category", "grocery", "--period", "8760h", "--from", "2024-01-01"); err == nil ||
		!strings.Contains(errOut, "whole periods") {
		t.Errorf("a window of one period: %v\n%s", err, errOut)
	}
}
