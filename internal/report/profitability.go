package report

import (
	"cmp"
	"context"
	"fmt"
	"image/color"
	"math"
	"slices"
	"time"

	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"clientele"
	"clientele/internal/store"
)

// ProfitabilityOptions describe a profitability report.
type ProfitabilityOptions struct {
	// From and To bound the period: its first and last day (To inclusive).
	// A zero To is the day of the last transaction, a zero From a year
	// before To.
	From, To     time.Time
	Currency     clientele.Currency
	CallType     string         // event type of a call to the call centre
	ContactTypes []string       // event types of other contacts
	CallCost     int64          // minor units, per call
	ContactCost  int64          // minor units, per contact
	Top          int            // most and least profitable customers to list
	Location     *time.Location // where days begin and end; nil is UTC
}

// ProductProfit is one product's own margin beside the value of its buyers.
// Amounts are in major units.
type ProductProfit struct {
	SKU           string  `json:"sku"`
	Name          string  `json:"name"`
	Category      string  `json:"category"`
	Brand         string  `json:"brand"`
	Buyers        int64   `json:"buyers"`
	Units         int64   `json:"units"`
	Revenue       float64 `json:"revenue"`
	Margin        float64 `json:"margin"`
	BuyersScored  int64   `json:"buyers_scored"`
	BuyersMeanCLV float64 `json:"buyers_mean_clv"`
	// LossLeader marks a product sold below cost.
	LossLeader bool `json:"loss_leader"`
}

// CustomerProfit is one customer's margin minus cost to serve, in major
// units.
type CustomerProfit struct {
	CustomerID  string  `json:"customer_id" personal:"id"`
	Margin      float64 `json:"margin"`
	CostToServe float64 `json:"cost_to_serve"`
	Profit      float64 `json:"profit"`
	Returns     int64   `json:"returns"`
	Calls       int64   `json:"calls"`
	Contacts    int64   `json:"contacts"`
	CLV         float64 `json:"clv"`
	Scored      bool    `json:"scored"`
}

// ProfitabilityReport sets customer profitability beside product
// profitability, so that products that lose money but bring valuable
// customers show.
type ProfitabilityReport struct {
	From                  string           `json:"from"`
	To                    string           `json:"to"`
	AsOf                  string           `json:"as_of"` // why To: given, or the day of the last transaction
	Currency              string           `json:"currency"`
	RunID                 int64            `json:"run_id"` // scores for CLV; 0 when none
	Customers             int              `json:"customers"`
	Margin                float64          `json:"margin"`
	CostToServe           float64          `json:"cost_to_serve"`
	Profit                float64          `json:"profit"`
	UnprofitableCustomers int              `json:"unprofitable_customers"`
	Products              []ProductProfit  `json:"products"` // by buyers' mean CLV, highest first
	MostProfitable        []CustomerProfit `json:"most_profitable"`
	LeastProfitable       []CustomerProfit `json:"least_profitable"`
}

// Profitability builds the profitability report.
func Profitability(ctx context.Context, db *store.DB, opt ProfitabilityOptions) (*ProfitabilityReport, error) {
	scale, err := opt.Currency.Scale()
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	if opt.CallCost < 0 || opt.ContactCost < 0 {
		return nil, clientele.Errorf(clientele.EINVALID, "costs to serve must not be negative")
	}
	if opt.Top <= 0 {
		opt.Top = 10
	}
	end, err := dayAfter(ctx, db, opt.To, opt.Location) // To is inclusive
	if err != nil {
		return nil, err
	}
	if opt.From.IsZero() {
		opt.From = end.AddDate(-1, 0, 0)
	}
	if !opt.From.Before(end) {
		return nil, clientele.Errorf(clientele.EINVALID, "the period from %s to %s is empty", opt.From.Format(time.DateOnly), opt.To.Format(time.DateOnly))
	}
	var runID int64
	if run, err := db.Run(ctx, 0); err == nil {
		runID = run.ID
	} else if clientele.ErrorCode(err) != clientele.ENOTFOUND {
		return nil, err
	}
	products, err := db.ProductProfits(ctx, opt.From, end, opt.Currency, runID)
	if err != nil {
		return nil, err
	}
	customers, err := db.CustomerProfits(ctx, opt.From, end, opt.Currency, runID, opt.CallType, opt.ContactTypes, opt.CallCost, opt.ContactCost)
	if err != nil {
		return nil, err
	}
	div := math.Pow10(scale)
	r := &ProfitabilityReport{From: opt.From.Format(time.DateOnly), To: end.AddDate(0, 0, -1).Format(time.DateOnly), AsOf: asOfSource(opt.To), Currency: string(opt.Currency),
		RunID: runID, Customers: len(customers), Products: []ProductProfit{}}
	for _, p := range products {
		r.Products = append(r.Products, ProductProfit{SKU: p.SKU, Name: p.Name, Category: p.Category, Brand: p.Brand, Buyers: p.Buyers, Units: p.Units,
			Revenue: float64(p.Revenue) / div, Margin: float64(p.Margin) / div, BuyersScored: p.BuyersScored, BuyersMeanCLV: p.BuyersMeanCLV / div,
			LossLeader: p.Margin < 0})
	}
	slices.SortStableFunc(r.Products, func(x, y ProductProfit) int {
		return cmp.Or(cmp.Compare(y.BuyersMeanCLV, x.BuyersMeanCLV), cmp.Compare(x.SKU, y.SKU))
	})
	slices.SortFunc(customers, func(x, y store.CustomerProfit) int {
		return cmp.Or(cmp.Compare(y.Profit, x.Profit), cmp.Compare(x.CustomerID, y.CustomerID))
	})
	var margin, cost, profit int64
	for _, c := range customers {
		margin += c.Margin
		cost += c.CostToServe
		profit += c.Profit
		if c.Profit < 0 {
			r.UnprofitableCustomers++
		}
	}
	r.Margin, r.CostToServe, r.Profit = float64(margin)/div, float64(cost)/div, float64(profit)/div
	conv := func(cs []store.CustomerProfit) []CustomerProfit {
		out := []CustomerProfit{}
		for _, c := range cs {
			out = append(out, CustomerProfit{CustomerID: c.CustomerID, Margin: float64(c.Margin) / div, CostToServe: float64(c.CostToServe) / div,
				Profit: float64(c.Profit) / div, Returns: c.Returns, Calls: c.Calls, Contacts: c.Contacts, CLV: float64(c.CLV) / div, Scored: c.Scored})
		}
		return out
	}
	r.MostProfitable = conv(customers[:min(opt.Top, len(customers))])
	r.LeastProfitable = conv(customers[max(0, len(customers)-opt.Top):])
	return r, nil
}

// asOfSource says where a report's last day comes from: the one rule for
// "as of" is the day given, or else the day of the data's last
// transaction (never the wall clock).
func asOfSource(to time.Time) string {
	if to.IsZero() {
		return "the day of the last transaction"
	}
	return "given"
}

// dayAfter returns the start of the day after to in loc (nil: UTC) or,
// for a zero to, after the day of the last transaction: the exclusive end
// of a period whose last day is to.
func dayAfter(ctx context.Context, db *store.DB, to time.Time, loc *time.Location) (time.Time, error) {
	if loc == nil {
		loc = time.UTC
	}
	if to.IsZero() {
		st, err := db.Stats(ctx)
		if err != nil {
			return time.Time{}, err
		}
		if st.Last.IsZero() {
			return time.Time{}, clientele.Errorf(clientele.ENOTFOUND, "no transactions")
		}
		to = st.Last
	}
	to = to.In(loc)
	return time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc), nil
}

// Document is the product table, the most and least profitable customers,
// and the chart "products" (each product's margin against its buyers' mean
// CLV, loss leaders named).
func (r *ProfitabilityReport) Document() (*Document, error) {
	d := &Document{Title: "Customer and product profitability"}
	d.Notes = append(d.Notes, fmt.Sprintf("as of %s (%s)", r.To, r.AsOf))
	d.Notes = append(d.Notes, fmt.Sprintf("%s to %s: %d customers, margin %s − cost to serve %s = profit %s; %d customers (%.1f %%) unprofitable",
		r.From, r.To, r.Customers, MoneyText(r.Margin, r.Currency), MoneyText(r.CostToServe, r.Currency), MoneyText(r.Profit, r.Currency), r.UnprofitableCustomers,
		100*float64(r.UnprofitableCustomers)/float64(max(r.Customers, 1))))
	if r.RunID == 0 {
		d.Notes = append(d.Notes, "no scoring run yet: buyers' CLV is 0 until `clientele score` has run")
	}
	money := func(v float64) Cell { return Amount(v, r.Currency) }
	cur := " (" + r.Currency + ")"
	pt := Table{Heading: "products, by their buyers' mean CLV", Currency: r.Currency, Columns: []Column{Col("sku", "SKU"), Col("product", "PRODUCT"), Col("brand", "BRAND"),
		Col("buyers", "BUYERS"), Col("revenue", "REVENUE"+cur), Col("margin", "MARGIN"+cur), Col("buyers_mean_clv", "BUYERS' MEAN CLV"+cur), Col("loss_leader", "LOSS LEADER")}}
	for _, p := range r.Products {
		flag := Cell{Text: "", Plain: "false"}
		if p.LossLeader {
			flag = Cell{Text: "loss leader", Plain: "true"}
		}
		pt.Rows = append(pt.Rows, []Cell{Txt(p.SKU), Txt(p.Name), Txt(p.Brand), Int(int64(p.Buyers)), money(p.Revenue), money(p.Margin), money(p.BuyersMeanCLV), flag})
	}
	ch := []Column{Col("customer_id", "CUSTOMER"), Col("margin", "MARGIN"+cur), Col("cost_to_serve", "COST TO SERVE"+cur), Col("profit", "PROFIT"+cur),
		Col("returns", "RETURNS"), Col("calls", "CALLS"), Col("contacts", "CONTACTS"), Col("clv", "CLV"+cur)}
	crows := func(cs []CustomerProfit) [][]Cell {
		var rows [][]Cell
		for _, c := range cs {
			rows = append(rows, []Cell{Txt(c.CustomerID), money(c.Margin), money(c.CostToServe), money(c.Profit), Int(int64(c.Returns)),
				Int(int64(c.Calls)), Int(int64(c.Contacts)), money(c.CLV)})
		}
		return rows
	}
	d.Tables = append(d.Tables, pt,
		Table{Heading: "most profitable customers", Currency: r.Currency, Columns: ch, Rows: crows(r.MostProfitable)},
		Table{Heading: "least profitable customers", Currency: r.Currency, Columns: ch, Rows: crows(r.LeastProfitable)})
	if len(r.Products) == 0 {
		return d, nil
	}
	p := newPlot()
	p.Title.Text = fmt.Sprintf("Product margin against the CLV of its buyers (%s, %s to %s)", r.Currency, r.From, r.To)
	p.X.Label.Text = "product margin in the period"
	p.Y.Label.Text = "buyers' mean CLV"
	p.X.Tick.Marker, p.Y.Tick.Marker = groupedTicks{}, groupedTicks{}
	var gain, loss plotter.XYs
	var lossLabels []string
	for _, pr := range r.Products {
		xy := plotter.XY{X: pr.Margin, Y: pr.BuyersMeanCLV}
		if pr.LossLeader {
			loss = append(loss, xy)
			lossLabels = append(lossLabels, pr.Name)
		} else {
			gain = append(gain, xy)
		}
	}
	p.Add(plotter.NewGrid())
	if len(gain) > 0 {
		s, err := plotter.NewScatter(gain)
		if err != nil {
			return nil, err
		}
		s.Color, s.Shape = actualColor, draw.CircleGlyph{}
		p.Add(s)
		p.Legend.Add("sold at a profit", s)
	}
	if len(loss) > 0 {
		s, err := plotter.NewScatter(loss)
		if err != nil {
			return nil, err
		}
		s.Color, s.Shape, s.Radius = modelColor, draw.TriangleGlyph{}, vg.Points(4)
		p.Add(s)
		p.Legend.Add("loss leader", s)
		labels, err := plotter.NewLabels(plotter.XYLabels{XYs: loss, Labels: lossLabels})
		if err != nil {
			return nil, err
		}
		for i := range labels.TextStyle {
			labels.TextStyle[i].Color = modelColor
			labels.TextStyle[i].XAlign = draw.XLeft
		}
		labels.Offset = vg.Point{X: vg.Points(5)}
		p.Add(labels)
	}
	// Zero margin: left of the line the product loses money.
	zero, err := plotter.NewLine(plotter.XYs{{X: 0, Y: p.Y.Min}, {X: 0, Y: p.Y.Max}})
	if err != nil {
		return nil, err
	}
	zero.Color, zero.Dashes = color.Gray{Y: 128}, []vg.Length{vg.Points(2), vg.Points(2)}
	p.Add(zero)
	p.Legend.Top = true
	d.Charts = append(d.Charts, Chart{Name: "products", Title: p.Title.Text, Width: 8 * vg.Inch, Height: 5.5 * vg.Inch, Plot: p})
	return d, nil
}
