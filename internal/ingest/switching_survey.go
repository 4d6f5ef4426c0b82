package ingest

import (
	"encoding/csv"
	"encoding/json"

	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"clientele"
	"clientele/equity"
)

// ReadSwitchingSurvey reads a brand-switching survey CSV (one row per
// respondent × brand) with the columns
// respondent_id, brand, one column per driver, last, frequency and optionally
// chosen: last = 1 on the brand the respondent bought last, frequency the
// respondent's category purchases a year, chosen = 1 on the brand chosen
// next (needed for estimation only). Every respondent must rate every brand,
// name exactly one last brand and at most one chosen brand. Errors name the
// line and column.
func ReadSwitchingSurvey(r io.Reader) (*clientele.SwitchingSurvey, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "survey: line 1: no header")
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))] = i
	}
	for _, need := range []string{"respondent_id", "brand", "last", "frequency"} {
		if _, ok := col[need]; !ok {
			return nil, clientele.Errorf(clientele.EINVALID, "survey: line 1: no %s column (columns: respondent_id, brand, <drivers…>, last, frequency[, chosen])", need)
		}
	}
	known := map[string]bool{"respondent_id": true, "brand": true, "last": true, "frequency": true, "chosen": true}
	s := &clientele.SwitchingSurvey{}
	var driverCols []int
	for i, h := range head {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if !known[name] {
			s.Drivers = append(s.Drivers, strings.TrimSpace(h))
			driverCols = append(driverCols, i)
		}
	}
	if len(s.Drivers) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "survey: line 1: no driver columns (ratings of each brand, e.g. value, brand, relationship)")
	}
	_, hasChosen := col["chosen"]
	type row struct {
		line    int
		brand   string
		ratings []float64
		last    bool
		chosen  bool
		freq    float64
	}
	byResp := map[string][]row{}
	var order []string
	num := func(line int, name, v string) (float64, error) {
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, clientele.Errorf(clientele.EINVALID, "survey: line %d: %s: %q is not a number", line, name, v)
		}
		return f, nil
	}
	flag := func(line int, name, v string) (bool, error) {
		switch strings.TrimSpace(v) {
		case "1", "true":
			return true, nil
		case "0", "false", "":
			return false, nil
		}
		return false, clientele.Errorf(clientele.EINVALID, "survey: line %d: %s: %q is not 0 or 1", line, name, v)
	}
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: %w", line, err)
		}
		if len(rec) != len(head) {
			return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: %d fields, the header has %d", line, len(rec), len(head))
		}
		id, brand := strings.TrimSpace(rec[col["respondent_id"]]), strings.TrimSpace(rec[col["brand"]])
		if id == "" || brand == "" {
			return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: respondent_id and brand must not be empty", line)
		}
		rw := row{line: line, brand: brand}
		for k, c := range driverCols {
			v, err := num(line, s.Drivers[k], rec[c])
			if err != nil {
				return nil, err
			}
			rw.ratings = append(rw.ratings, v)
		}
		if rw.last, err = flag(line, "last", rec[col["last"]]); err != nil {
			return nil, err
		}
		if hasChosen {
			if rw.chosen, err = flag(line, "chosen", rec[col["chosen"]]); err != nil {
				return nil, err
			}
		}
		if rw.freq, err = num(line, "frequency", rec[col["frequency"]]); err != nil {
			return nil, err
		}
		if !(rw.freq > 0) {
			return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: frequency must be positive", line)
		}
		if !slices.Contains(s.Brands, brand) {
			s.Brands = append(s.Brands, brand)
		}
		if _, ok := byResp[id]; !ok {
			order = append(order, id)
		}
		byResp[id] = append(byResp[id], rw)
	}
	if len(order) == 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "survey: no respondents")
	}
	if len(s.Brands) < 2 {
		return nil, clientele.Errorf(clientele.EINVALID, "survey: need at least two brands")
	}
	for _, id := range order {
		rows := byResp[id]
		resp := equity.Respondent{Ratings: make([][]float64, len(s.Brands)), Last: -1, Chosen: -1, Frequency: rows[0].freq}
		for _, rw := range rows {
			j := slices.Index(s.Brands, rw.brand)
			if resp.Ratings[j] != nil {
				return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: respondent %s rates brand %s twice", rw.line, id, rw.brand)
			}
			resp.Ratings[j] = rw.ratings
			if rw.freq != resp.Frequency {
				return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: respondent %s has two purchase frequencies", rw.line, id)
			}
			if rw.last {
				if resp.Last >= 0 {
					return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: respondent %s names two last brands", rw.line, id)
				}
				resp.Last = j
			}
			if rw.chosen {
				if resp.Chosen >= 0 {
					return nil, clientele.Errorf(clientele.EINVALID, "survey: line %d: respondent %s names two chosen brands", rw.line, id)
				}
				resp.Chosen = j
			}
		}
		for j, x := range resp.Ratings {
			if x == nil {
				return nil, clientele.Errorf(clientele.EINVALID, "survey: respondent %s (line %d) does not rate brand %s", id, rows[0].line, s.Brands[j])
			}
		}
		if resp.Last < 0 {
			return nil, clientele.Errorf(clientele.EINVALID, "survey: respondent %s (line %d) names no last brand", id, rows[0].line)
		}
		s.Respondents = append(s.Respondents, resp)
		s.IDs = append(s.IDs, id)
	}
	return s, nil
}

// MarketFile is the JSON description of a market for the switching model.
type MarketFile struct {
	Brands []struct {
		Name         string  `json:"name"`
		Contribution float64 `json:"contribution"`
		Owner        string  `json:"owner"`
	} `json:"brands"`
	DiscountRate float64 `json:"discount_rate"`
	HorizonYears float64 `json:"horizon_years"`
	MarketSize   float64 `json:"market_size"`
	Volume       float64 `json:"volume"`
	Coefficients *struct {
		Inertia float64            `json:"inertia"`
		Drivers map[string]float64 `json:"drivers"`
	} `json:"coefficients"`
}

// ReadMarket reads a market JSON file and orders its brands as the survey
// does; it returns the coefficients when the file gives them.
func ReadMarket(r io.Reader, s *clientele.SwitchingSurvey) (equity.Market, *equity.Coefficients, error) {
	var mf MarketFile
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&mf); err != nil {
		return equity.Market{}, nil, clientele.Errorf(clientele.EINVALID, "market: %w", err)
	}
	m := equity.Market{DiscountRate: mf.DiscountRate, HorizonYears: mf.HorizonYears, Size: mf.MarketSize, Volume: mf.Volume}
	switch {
	case mf.DiscountRate < 0 || mf.DiscountRate > 1:
		return m, nil, clientele.Errorf(clientele.EINVALID, "market: discount_rate %v: want a yearly rate such as 0.1", mf.DiscountRate)
	case !(mf.HorizonYears > 0):
		return m, nil, clientele.Errorf(clientele.EINVALID, "market: horizon_years must be positive")
	case !(mf.MarketSize > 0):
		return m, nil, clientele.Errorf(clientele.EINVALID, "market: market_size must be positive")
	case mf.Volume < 0:
		return m, nil, clientele.Errorf(clientele.EINVALID, "market: volume must not be negative")
	}
	for _, name := range s.Brands {
		found := false
		for _, b := range mf.Brands {
			if b.Name == name {
				m.Brands = append(m.Brands, equity.Brand{Name: b.Name, Contribution: b.Contribution, Owner: b.Owner})
				found = true
			}
		}
		if !found {
			return m, nil, clientele.Errorf(clientele.EINVALID, "market: brand %q of the survey is not in the market file", name)
		}
	}
	if len(mf.Brands) != len(s.Brands) {
		return m, nil, clientele.Errorf(clientele.EINVALID, "market: %d brands, the survey has %d", len(mf.Brands), len(s.Brands))
	}
	if mf.Coefficients == nil {
		return m, nil, nil
	}
	c := &equity.Coefficients{Inertia: mf.Coefficients.Inertia}
	for _, d := range s.Drivers {
		v, ok := mf.Coefficients.Drivers[d]
		if !ok {
			return m, nil, clientele.Errorf(clientele.EINVALID, "market: coefficients: no value for driver %q", d)
		}
		c.Drivers = append(c.Drivers, v)
	}
	if len(mf.Coefficients.Drivers) != len(s.Drivers) {
		return m, nil, clientele.Errorf(clientele.EINVALID, "market: coefficients name drivers the survey does not have (survey drivers: %s)", strings.Join(s.Drivers, ", "))
	}
	return m, c, nil
}

// ParseWhatIf reads a what-if specification such as
// "brand=A,driver=value,delta=0.2,spend=5000000@0;5000000@1".
func ParseWhatIf(spec string, s *clientele.SwitchingSurvey) (equity.WhatIf, error) {
	w := equity.WhatIf{Brand: -1, Driver: -1}
	seen := map[string]bool{}
	for _, part := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return w, clientele.Errorf(clientele.EINVALID, "--what-if %q: want key=value pairs: brand, driver, delta, spend", spec)
		}
		seen[k] = true
		switch k {
		case "brand":
			w.Brand = slices.Index(s.Brands, v)
			if w.Brand < 0 {
				return w, clientele.Errorf(clientele.EINVALID, "--what-if: brand %q is not in the survey (%s)", v, strings.Join(s.Brands, ", "))
			}
		case "driver":
			w.Driver = slices.Index(s.Drivers, v)
			if w.Driver < 0 {
				return w, clientele.Errorf(clientele.EINVALID, "--what-if: driver %q is not in the survey (%s)", v, strings.Join(s.Drivers, ", "))
			}
		case "delta":
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				return w, clientele.Errorf(clientele.EINVALID, "--what-if: delta %q is not a number", v)
			}
			w.Delta = f
		case "spend":
			for _, item := range strings.Split(v, ";") {
				a, y, ok := strings.Cut(item, "@")
				amt, err1 := strconv.ParseFloat(a, 64)
				yr, err2 := strconv.ParseFloat(y, 64)
				if !ok || err1 != nil || err2 != nil || amt < 0 || yr < 0 || math.IsInf(amt, 0) || math.IsInf(yr, 0) {
					return w, clientele.Errorf(clientele.EINVALID, "--what-if: spend %q: want amount@year;amount@year", item)
				}
				w.Spend = append(w.Spend, equity.Spend{Amount: amt, Year: yr})
			}
		default:
			return w, clientele.Errorf(clientele.EINVALID, "--what-if: unknown key %q (brand, driver, delta, spend)", k)
		}
	}
	for _, k := range []string{"brand", "driver", "delta", "spend"} {
		if !seen[k] {
			return w, clientele.Errorf(clientele.EINVALID, "--what-if %q: no %s", spec, k)
		}
	}
	return w, nil
}
