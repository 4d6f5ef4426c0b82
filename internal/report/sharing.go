package report

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"clientele/internal/store"
)

// The information-sharing report measures what Rust, Moorman & Bhalla
// (2010) ask a customer-centric firm to measure of its departments: how
// often each stores and retrieves customer information, whose information
// each reads, and how valuable colleagues find it.

// SharingReport is the information-sharing report over [From, To).
type SharingReport struct {
	From        string              `json:"from"`
	To          string              `json:"to"`
	Weeks       []string            `json:"weeks"` // the Mondays of the weeks covered
	Stored      int                 `json:"stored"`
	Retrieved   int                 `json:"retrieved"`
	Departments []SharingGroup      `json:"departments"`
	Managers    []SharingGroup      `json:"people"`
	Flow        SharingFlow         `json:"flow"`
	Items       []SharingItem       `json:"items"` // the most reused first, at most 20
	Authors     []SharingAuthorship `json:"authors"`
}

// SharingGroup is a department's, or a person's, activity: items stored
// and retrieved in all and per week (in the order of the report's Weeks).
type SharingGroup struct {
	Name             string  `json:"name"`
	Department       string  `json:"department,omitempty"` // a person's
	Stored           int     `json:"stored"`
	Retrieved        int     `json:"retrieved"`
	StoredPerWeek    []int   `json:"stored_per_week"`
	RetrievedPerWeek []int   `json:"retrieved_per_week"`
	MeanRating       float64 `json:"mean_rating"` // of the items it stored; 0 if none rated
}

// SharingFlow counts retrievals by the reader's department (rows) and the
// author's (columns): who reads whose information.
type SharingFlow struct {
	Departments []string `json:"departments"`
	Counts      [][]int  `json:"counts"`
}

// SharingItem is one item's reuse and rating.
type SharingItem struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"`
	About      string  `json:"about"` // "segment NAME", or "a customer" (no id: an aggregate report)
	Author     string  `json:"author"`
	Department string  `json:"department"`
	Reads      int     `json:"reads"`   // retrievals by colleagues
	Readers    int     `json:"readers"` // distinct colleagues who retrieved it
	Ratings    int     `json:"ratings"`
	MeanRating float64 `json:"mean_rating"`
}

// SharingAuthorship is an author's items, their reuse and rating.
type SharingAuthorship struct {
	Author     string  `json:"author"`
	Department string  `json:"department"`
	Items      int     `json:"items"`
	Reads      int     `json:"reads"`
	Ratings    int     `json:"ratings"`
	MeanRating float64 `json:"mean_rating"`
}

// Sharing reports the information sharing of [from, to); a zero to is
// the end of today, a zero from twelve weeks before to.
func Sharing(ctx context.Context, db *store.DB, from, to time.Time) (*SharingReport, error) {
	if to.IsZero() {
		to = time.Now().UTC().Truncate(24 * time.Hour).Add(24 * time.Hour)
	}
	if from.IsZero() {
		from = to.AddDate(0, 0, -84)
	}
	act, err := db.Sharing(ctx, from, to)
	if err != nil {
		return nil, err
	}
	return BuildSharing(act, from, to), nil
}

// monday is the start of t's week (ISO: weeks begin on Monday), in UTC.
func monday(t time.Time) time.Time {
	t = t.UTC().Truncate(24 * time.Hour)
	return t.AddDate(0, 0, -((int(t.Weekday()) + 6) % 7))
}

// BuildSharing computes the report from the activity of [from, to).
func BuildSharing(act *store.SharingActivity, from, to time.Time) *SharingReport {
	r := &SharingReport{From: from.Format(time.DateOnly), To: to.AddDate(0, 0, -1).Format(time.DateOnly)}
	weekIndex := map[time.Time]int{}
	for w := monday(from); w.Before(to); w = w.AddDate(0, 0, 7) {
		weekIndex[w] = len(r.Weeks)
		r.Weeks = append(r.Weeks, w.Format(time.DateOnly))
	}
	type sums struct {
		g                 SharingGroup
		ratingSum, ratedN int
	}
	depts, people := map[string]*sums{}, map[string]*sums{}
	group := func(m map[string]*sums, name, dept string) *sums {
		s, ok := m[name]
		if !ok {
			s = &sums{g: SharingGroup{Name: name, Department: dept, StoredPerWeek: make([]int, len(r.Weeks)), RetrievedPerWeek: make([]int, len(r.Weeks))}}
			m[name] = s
		}
		return s
	}
	dept := func(d string) string { return or(d, "(no department)") }
	items := map[int64]*SharingItem{}
	readers := map[int64]map[int64]bool{}
	authors := map[string]*SharingAuthorship{}
	userDept := map[int64]string{}
	for _, it := range act.Items {
		wk := weekIndex[monday(it.CreatedAt)]
		for _, s := range []*sums{group(depts, dept(it.Department), ""), group(people, it.Author, dept(it.Department))} {
			s.g.Stored++
			s.g.StoredPerWeek[wk]++
		}
		about := "a customer"
		if it.Segment != "" {
			about = "segment " + it.Segment
		}
		items[it.ID] = &SharingItem{ID: it.ID, Kind: it.Kind, About: about, Author: it.Author, Department: dept(it.Department)}
		readers[it.ID] = map[int64]bool{}
		a, ok := authors[it.Author]
		if !ok {
			a = &SharingAuthorship{Author: it.Author, Department: dept(it.Department)}
			authors[it.Author] = a
		}
		a.Items++
		userDept[it.AuthorID] = it.Department
		r.Stored++
	}
	flow := map[[2]string]int{}
	for _, rd := range act.Reads {
		wk, ok := weekIndex[monday(rd.At)]
		if !ok {
			continue
		}
		name := or(act.Authors[rd.ReaderID], fmt.Sprintf("user %d", rd.ReaderID))
		for _, s := range []*sums{group(depts, dept(rd.Department), ""), group(people, name, dept(rd.Department))} {
			s.g.Retrieved++
			s.g.RetrievedPerWeek[wk]++
		}
		r.Retrieved++
		it, ok := items[rd.ItemID]
		if !ok || act.Authors[rd.ReaderID] == it.Author {
			continue // an item of before the period, or the author rereading
		}
		it.Reads++
		readers[rd.ItemID][rd.ReaderID] = true
		authors[it.Author].Reads++
		flow[[2]string{dept(rd.Department), it.Department}]++
	}
	for _, rt := range act.Ratings {
		it, ok := items[rt.ItemID]
		if !ok {
			continue
		}
		it.MeanRating = (it.MeanRating*float64(it.Ratings) + float64(rt.Rating)) / float64(it.Ratings+1)
		it.Ratings++
		a := authors[it.Author]
		a.MeanRating = (a.MeanRating*float64(a.Ratings) + float64(rt.Rating)) / float64(a.Ratings+1)
		a.Ratings++
		for _, s := range []*sums{depts[it.Department], people[it.Author]} {
			s.ratingSum += rt.Rating
			s.ratedN++
		}
	}
	collectGroups := func(m map[string]*sums) []SharingGroup {
		var out []SharingGroup
		for _, s := range m {
			if s.ratedN > 0 {
				s.g.MeanRating = float64(s.ratingSum) / float64(s.ratedN)
			}
			out = append(out, s.g)
		}
		slices.SortFunc(out, func(a, b SharingGroup) int {
			return cmp.Or(cmp.Compare(b.Stored+b.Retrieved, a.Stored+a.Retrieved), cmp.Compare(a.Name, b.Name))
		})
		return out
	}
	r.Departments, r.Managers = collectGroups(depts), collectGroups(people)
	for _, d := range r.Departments {
		r.Flow.Departments = append(r.Flow.Departments, d.Name)
	}
	for _, reader := range r.Flow.Departments {
		row := make([]int, len(r.Flow.Departments))
		for j, author := range r.Flow.Departments {
			row[j] = flow[[2]string{reader, author}]
		}
		r.Flow.Counts = append(r.Flow.Counts, row)
	}
	for id, it := range items {
		it.Readers = len(readers[id])
		r.Items = append(r.Items, *it)
	}
	slices.SortFunc(r.Items, func(a, b SharingItem) int {
		return cmp.Or(cmp.Compare(b.Reads, a.Reads), cmp.Compare(b.MeanRating, a.MeanRating), cmp.Compare(a.ID, b.ID))
	})
	r.Items = r.Items[:min(20, len(r.Items))]
	for _, a := range authors {
		r.Authors = append(r.Authors, *a)
	}
	slices.SortFunc(r.Authors, func(a, b SharingAuthorship) int {
		return cmp.Or(cmp.Compare(b.Reads, a.Reads), cmp.Compare(a.Author, b.Author))
	})
	if r.Departments == nil {
		r.Departments, r.Managers, r.Items, r.Authors = []SharingGroup{}, []SharingGroup{}, []SharingItem{}, []SharingAuthorship{}
		r.Flow = SharingFlow{Departments: []string{}, Counts: [][]int{}}
	}
	return r
}

// Document is the report's tables and its charts "departments" (items
// stored and retrieved by each department) and "flow" (who reads whose
// information).
func (r *SharingReport) Document() (*Document, error) {
	d := &Document{Title: "Information sharing"}
	d.Notes = append(d.Notes, fmt.Sprintf("%s to %s: %d items stored, %d retrievals", r.From, r.To, r.Stored, r.Retrieved))
	if r.Stored == 0 && r.Retrieved == 0 {
		d.Notes = append(d.Notes, "no information was stored or retrieved in the period: store call notes, insights and research findings with `clientele notes add` or POST /api/v1/customers/{id}/items")
	}
	dt := Table{Heading: "departments", Columns: []Column{Col("department", "DEPARTMENT"), Col("stored", "STORED"), Col("retrieved", "RETRIEVED"),
		Col("per_week_stored", "STORED / WEEK"), Col("per_week_retrieved", "RETRIEVED / WEEK"), Col("mean_rating", "MEAN RATING")}}
	weeks := float64(max(1, len(r.Weeks)))
	for _, g := range r.Departments {
		dt.Rows = append(dt.Rows, []Cell{Txt(g.Name), Int(int64(g.Stored)), Int(int64(g.Retrieved)), Num(float64(g.Stored)/weeks, 1),
			Num(float64(g.Retrieved)/weeks, 1), ratingCell(g.MeanRating)})
	}
	pt := Table{Heading: "people", Columns: []Column{Col("user", "USER"), Col("department", "DEPARTMENT"), Col("stored", "STORED"), Col("retrieved", "RETRIEVED"), Col("mean_rating", "MEAN RATING")}}
	for _, g := range r.Managers {
		pt.Rows = append(pt.Rows, []Cell{Txt(g.Name), Txt(g.Department), Int(int64(g.Stored)), Int(int64(g.Retrieved)), ratingCell(g.MeanRating)})
	}
	wt := Table{Heading: "per week", Columns: []Column{Col("week", "WEEK OF"), Col("department", "DEPARTMENT"), Col("stored", "STORED"), Col("retrieved", "RETRIEVED")}}
	for i, w := range r.Weeks {
		for _, g := range r.Departments {
			if g.StoredPerWeek[i]+g.RetrievedPerWeek[i] > 0 {
				wt.Rows = append(wt.Rows, []Cell{Txt(w), Txt(g.Name), Int(int64(g.StoredPerWeek[i])), Int(int64(g.RetrievedPerWeek[i]))})
			}
		}
	}
	ft := Table{Heading: "who reads whose information (rows: the reader's department; columns: the author's)", Columns: []Column{Col("reader", "READER \\ AUTHOR")}}
	for _, dep := range r.Flow.Departments {
		ft.Columns = append(ft.Columns, Col(dep, dep))
	}
	for i, row := range r.Flow.Counts {
		cells := []Cell{Txt(r.Flow.Departments[i])}
		for _, n := range row {
			cells = append(cells, Int(int64(n)))
		}
		ft.Rows = append(ft.Rows, cells)
	}
	at := Table{Heading: "authors", Columns: []Column{Col("author", "AUTHOR"), Col("department", "DEPARTMENT"), Col("items", "ITEMS"), Col("reads", "READ BY OTHERS"),
		Col("reuse", "READS / ITEM"), Col("ratings", "RATINGS"), Col("mean_rating", "MEAN RATING")}}
	for _, a := range r.Authors {
		at.Rows = append(at.Rows, []Cell{Txt(a.Author), Txt(a.Department), Int(int64(a.Items)), Int(int64(a.Reads)), Num(float64(a.Reads)/float64(max(1, a.Items)), 1),
			Int(int64(a.Ratings)), ratingCell(a.MeanRating)})
	}
	it := Table{Heading: "most reused items", Columns: []Column{Col("id", "ITEM"), Col("kind", "KIND"), Col("about", "ABOUT"), Col("author", "AUTHOR"),
		Col("reads", "READS"), Col("readers", "READERS"), Col("ratings", "RATINGS"), Col("mean_rating", "MEAN RATING")}}
	for _, x := range r.Items {
		it.Rows = append(it.Rows, []Cell{Int(x.ID), Txt(x.Kind), Txt(x.About), Txt(x.Author), Int(int64(x.Reads)), Int(int64(x.Readers)), Int(int64(x.Ratings)), ratingCell(x.MeanRating)})
	}
	d.Tables = append(d.Tables, dt, pt, wt, ft, at, it)
	if len(r.Departments) == 0 {
		return d, nil
	}

	// Stored and retrieved, side by side, per department; the busiest on
	// top.
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Information stored and retrieved by department, %s to %s", r.From, r.To)
	p.X.Label.Text = "items"
	p.X.Tick.Marker = groupedTicks{}
	rows := slices.Clone(r.Departments)
	slices.Reverse(rows)
	var stored, retrieved plotter.Values
	var names []string
	top := 0.0
	for _, g := range rows {
		stored = append(stored, float64(g.Stored))
		retrieved = append(retrieved, float64(g.Retrieved))
		names = append(names, g.Name)
		top = max(top, float64(g.Stored), float64(g.Retrieved))
	}
	w := vg.Points(9)
	for i, series := range []struct {
		name string
		vals plotter.Values
	}{{"stored", stored}, {"retrieved", retrieved}} {
		bars, err := plotter.NewBarChart(series.vals, w)
		if err != nil {
			return nil, err
		}
		bars.Horizontal = true
		bars.Color = seriesColor(i)
		bars.LineStyle.Width = 0
		bars.Offset = vg.Length(2*i-1) * w / 2
		p.Add(bars)
		p.Legend.Add(series.name, bars)
	}
	p.Legend.Top = false
	p.X.Min = 0
	if top > 0 {
		p.X.Max = top * 1.15
	}
	p.NominalY(names...)
	h := vg.Length(len(names))*vg.Points(26) + 1.75*vg.Inch
	d.Charts = append(d.Charts, Chart{Name: "departments", Title: p.Title.Text, Width: 8 * vg.Inch, Height: h, Plot: p})

	// The flow as a heat map, each row as shares of the reader's reads.
	heat := newPlot()
	heat.Title.Text = "Who reads whose information"
	heat.X.Label.Text = "author's department"
	heat.Y.Label.Text = "reader's department"
	n := len(r.Flow.Departments)
	shares := make([][]float64, n)
	for i, row := range r.Flow.Counts {
		total := 0
		for _, c := range row {
			total += c
		}
		shares[i] = make([]float64, n)
		for j, c := range row {
			if total > 0 {
				shares[i][j] = float64(c) / float64(total)
			}
		}
	}
	pal, err := addHeatMap(heat, shares, func(i, j int) string { return fmt.Sprint(r.Flow.Counts[i][j]) })
	if err != nil {
		return nil, err
	}
	heat.NominalX(r.Flow.Departments...)
	heat.NominalY(r.Flow.Departments...)
	// Department names are long: slanted, they do not run into each other.
	heat.X.Tick.Label.Rotation = math.Pi / 6
	heat.X.Tick.Label.XAlign, heat.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	side := vg.Length(n)*vg.Inch + 2*vg.Inch
	d.Charts = append(d.Charts, Chart{Name: "flow", Title: heat.Title.Text, Width: side + 2*vg.Inch, Height: side, Plot: heat,
		ColorBar: pal, ColorBarTitle: "share of the reader department's retrievals"})
	return d, nil
}

func ratingCell(v float64) Cell {
	if v == 0 {
		return Txt("-")
	}
	return Num(v, 2)
}
