package report

import (
	"bytes"
	"fmt"
	"slices"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"clientele"
	"clientele/equity"
	"clientele/internal/ingest"
)

// SwitchingBrand is one brand's value under the switching model.
type SwitchingBrand struct {
	Brand          string  `json:"brand"`
	Owner          string  `json:"owner"`
	MeanCLV        float64 `json:"mean_clv"`
	CustomerEquity float64 `json:"customer_equity"`
	Share          float64 `json:"share"` // of the market's customer equity
}

// SwitchingCoefficients are the logit's, estimated or given.
type SwitchingCoefficients struct {
	Inertia   float64            `json:"inertia"`
	Drivers   map[string]float64 `json:"drivers"`
	Estimated bool               `json:"estimated"`
	// With estimation only:
	StdErrors     *SwitchingStdErrors `json:"std_errors,omitempty"`
	LogLikelihood *float64            `json:"log_likelihood,omitempty"`
}

// SwitchingStdErrors are the standard errors of estimated coefficients.
type SwitchingStdErrors struct {
	Inertia float64            `json:"inertia"`
	Drivers map[string]float64 `json:"drivers"`
}

// SwitchingWhatIf is the effect of improving a driver of a brand.
type SwitchingWhatIf struct {
	Brand            string             `json:"brand"`
	Driver           string             `json:"driver"`
	Delta            float64            `json:"delta"`
	DeltaCE          float64            `json:"delta_ce"`
	DiscountedSpend  float64            `json:"discounted_spend"`
	ROI              float64            `json:"roi"`
	SharesAfter      map[string]float64 `json:"shares_after"`
	PortfolioOwner   string             `json:"portfolio_owner"`
	PortfolioDeltaCE float64            `json:"portfolio_delta_ce"`
	PortfolioROI     float64            `json:"portfolio_roi"`
}

// SwitchingReport is customer equity and share of customer equity per
// brand from a brand-switching survey (Rust, Lemon & Zeithaml 2004).
type SwitchingReport struct {
	Survey       string                `json:"survey,omitempty"` // name of a stored survey
	Respondents  int                   `json:"respondents"`
	Brands       []SwitchingBrand      `json:"brands"`
	Coefficients SwitchingCoefficients `json:"coefficients"`
	WhatIf       *SwitchingWhatIf      `json:"what_if,omitempty"`
}

// Switching values the brands of a survey in the market that marketJSON
// describes (see ingest.MarketFile): it estimates the switching logit from
// the survey's choices unless the market gives the coefficients, and, with
// a what-if specification (see ingest.ParseWhatIf), the effect of a driver
// improvement.
func Switching(s *clientele.SwitchingSurvey, marketJSON []byte, whatIf string) (*SwitchingReport, error) {
	market, coef, err := ingest.ReadMarket(bytes.NewReader(marketJSON), s)
	if err != nil {
		return nil, err
	}
	if err := equity.Validate(s.Respondents, market, len(s.Drivers)); err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "survey: %w", err)
	}
	r := &SwitchingReport{Respondents: len(s.Respondents)}
	r.Coefficients.Drivers = map[string]float64{}
	if coef == nil {
		est, se, ll, err := equity.Estimate(s.Respondents, len(s.Drivers))
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "estimate the switching model: %w (give coefficients in the market, or a chosen column in the survey)", err)
		}
		coef = &est
		r.Coefficients.Estimated = true
		r.Coefficients.StdErrors = &SwitchingStdErrors{Inertia: se.Inertia, Drivers: map[string]float64{}}
		r.Coefficients.LogLikelihood = &ll
		for i, d := range s.Drivers {
			r.Coefficients.StdErrors.Drivers[d] = se.Drivers[i]
		}
	}
	r.Coefficients.Inertia = coef.Inertia
	for i, d := range s.Drivers {
		r.Coefficients.Drivers[d] = coef.Drivers[i]
	}
	res := coef.Equity(s.Respondents, market)
	for j, b := range market.Brands {
		r.Brands = append(r.Brands, SwitchingBrand{Brand: b.Name, Owner: b.Owner, MeanCLV: res.MeanCLV[j], CustomerEquity: res.Equity[j], Share: res.Share[j]})
	}
	if whatIf == "" {
		return r, nil
	}
	w, err := ingest.ParseWhatIf(whatIf, s)
	if err != nil {
		return nil, err
	}
	after, err := coef.Apply(s.Respondents, market, w)
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "what-if: %w", err)
	}
	r.WhatIf = &SwitchingWhatIf{Brand: market.Brands[w.Brand].Name, Driver: s.Drivers[w.Driver], Delta: w.Delta, DeltaCE: after.DeltaCE,
		DiscountedSpend: after.DiscountedSpend, ROI: after.ROI, SharesAfter: map[string]float64{}, PortfolioOwner: after.OwnerOfPortfolio,
		PortfolioDeltaCE: after.PortfolioDeltaCE, PortfolioROI: after.PortfolioROI}
	for j, b := range market.Brands {
		r.WhatIf.SharesAfter[b.Name] = after.SharesAfter[j]
	}
	return r, nil
}

// Document is the brand table, the coefficients, and the chart "shares"
// (each brand's share of customer equity, before and after a what-if).
func (r *SwitchingReport) Document() (*Document, error) {
	d := &Document{Title: "Customer equity by brand (brand-switching model)"}
	src := ""
	if r.Survey != "" {
		src = " of survey " + r.Survey
	}
	how := "given"
	if r.Coefficients.Estimated {
		how = "estimated"
	}
	d.Notes = append(d.Notes, fmt.Sprintf("%d respondents%s; coefficients %s, inertia %.4f", r.Respondents, src, how, r.Coefficients.Inertia))
	if w := r.WhatIf; w != nil {
		d.Notes = append(d.Notes, fmt.Sprintf("what-if %s +%g on %s: ΔCE %.0f for spend %.0f (discounted): ROI %.4f; portfolio of %q: ΔCE %.0f, ROI %.4f",
			w.Driver, w.Delta, w.Brand, w.DeltaCE, w.DiscountedSpend, w.ROI, w.PortfolioOwner, w.PortfolioDeltaCE, w.PortfolioROI))
	}
	cols := []Column{Col("brand", "BRAND"), Col("owner", "OWNER"), Col("mean_clv", "MEAN CLV"), Col("customer_equity", "CUSTOMER EQUITY"), Col("share", "SHARE")}
	if r.WhatIf != nil {
		cols = append(cols, Col("share_after", "SHARE AFTER"))
	}
	bt := Table{Columns: cols}
	for _, b := range r.Brands {
		row := []Cell{Txt(b.Brand), Txt(b.Owner), Num(b.MeanCLV, 2), Num(b.CustomerEquity, 0), Pct(b.Share, 2)}
		if r.WhatIf != nil {
			row = append(row, Pct(r.WhatIf.SharesAfter[b.Brand], 2))
		}
		bt.Rows = append(bt.Rows, row)
	}
	ct := Table{Heading: "coefficients", Columns: []Column{Col("coefficient", "COEFFICIENT"), Col("value", "VALUE"), Col("std_error", "STD ERROR")}}
	se := func(v float64) Cell { return Num(v, 4) }
	inertiaSE := Txt("")
	if r.Coefficients.StdErrors != nil {
		inertiaSE = se(r.Coefficients.StdErrors.Inertia)
	}
	ct.Rows = append(ct.Rows, []Cell{Txt("inertia"), se(r.Coefficients.Inertia), inertiaSE})
	var drivers []string
	for name := range r.Coefficients.Drivers {
		drivers = append(drivers, name)
	}
	slices.Sort(drivers)
	for _, name := range drivers {
		e := Txt("")
		if r.Coefficients.StdErrors != nil {
			e = se(r.Coefficients.StdErrors.Drivers[name])
		}
		ct.Rows = append(ct.Rows, []Cell{Txt(name), se(r.Coefficients.Drivers[name]), e})
	}
	d.Tables = append(d.Tables, bt, ct)

	p := newPlot()
	p.Title.Text = "Share of customer equity by brand"
	p.Y.Label.Text = "share of the market's customer equity"
	p.Y.Tick.Marker = percentTicks{}
	var before, after plotter.Values
	var names []string
	for _, b := range r.Brands {
		names = append(names, b.Brand)
		before = append(before, b.Share)
		if r.WhatIf != nil {
			after = append(after, r.WhatIf.SharesAfter[b.Brand])
		}
	}
	w := vg.Points(18)
	bars, err := plotter.NewBarChart(before, w)
	if err != nil {
		return nil, err
	}
	bars.Color, bars.LineStyle.Width = actualColor, 0
	p.Add(plotter.NewGrid(), bars)
	if r.WhatIf != nil {
		bars.Offset = -w / 2
		ab, err := plotter.NewBarChart(after, w)
		if err != nil {
			return nil, err
		}
		ab.Color, ab.LineStyle.Width, ab.Offset = modelColor, 0, w/2
		p.Add(ab)
		p.Legend.Add("now", bars)
		p.Legend.Add("after the what-if", ab)
		p.Legend.Top = true
	}
	p.NominalX(names...)
	d.Charts = append(d.Charts, Chart{Name: "shares", Title: p.Title.Text, Width: vg.Length(len(names))*vg.Inch + 2*vg.Inch, Height: 4.5 * vg.Inch, Plot: p})
	return d, nil
}
