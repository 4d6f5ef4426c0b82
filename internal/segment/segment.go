// Package segment defines segments of customers with CEL expressions
// (cel.dev/cel-go) over each customer's profile, accounts, CLV score, RFM
// quintiles and recent spend, type-checked when saved, and computes their
// membership with its history.
package segment

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"clientele"
	"clientele/clv/parallel"
	"clientele/internal/store"
)

// Customer is the `customer` variable of a definition.
type Customer struct {
	ID          string         `cel:"id"`
	Name        string         `cel:"name"`
	City        string         `cel:"city"`
	HouseholdID string         `cel:"household_id"`
	Age         int64          `cel:"age"` // −1 when the birth date is unknown
	TenureDays  int64          `cel:"tenure_days"`
	Attributes  map[string]any `cel:"attributes"`
}

// Account is the `account` variable: the customer's cards.
type Account struct {
	Tier          string `cel:"tier"` // highest tier of the open primary accounts, "" without one
	Cards         int64  `cel:"cards"`
	Supplementary int64  `cel:"supplementary_cards"`
}

// CLV is the `clv` variable: the latest score (zeros when not scored).
type CLV struct {
	Scored            bool    `cel:"scored"`
	Value             float64 `cel:"value"`
	PAlive            float64 `cel:"p_alive"`
	ExpectedPurchases float64 `cel:"expected_purchases"`
	ExpectedSpend     float64 `cel:"expected_spend"`
}

// RFM is the `rfm` variable: recency, frequency and monetary quintiles,
// 1 (lowest fifth) to 5 (highest fifth; for recency, the most recent); 0 for
// customers without a purchase.
type RFM struct {
	R     int64 `cel:"r"`
	F     int64 `cel:"f"`
	M     int64 `cel:"m"`
	Score int64 `cel:"score"` // 100r + 10f + m, e.g. 555
}

// Activity is the `activity` variable.
type Activity struct {
	Transactions    int64              `cel:"transactions"`
	Revenue         float64            `cel:"revenue"`
	DaysSinceLast   int64              `cel:"days_since_last"` // −1 without a purchase
	SpendByCategory map[string]float64 `cel:"spend_by_category"`
	SpendByBrand    map[string]float64 `cel:"spend_by_brand"`
}

// Variables documents what a definition can use.
const Variables = `customer.{id, name, city, household_id, age, tenure_days, attributes}
account.{tier, cards, supplementary_cards}
clv.{scored, value, p_alive, expected_purchases, expected_spend}
rfm.{r, f, m, score}
activity.{transactions, revenue, days_since_last, spend_by_category, spend_by_brand}`

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

func celEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		env, envErr = cel.NewEnv(
			ext.NativeTypes(types.ParseStructTags(true),
				reflect.TypeOf(&Customer{}), reflect.TypeOf(&Account{}), reflect.TypeOf(&CLV{}),
				reflect.TypeOf(&RFM{}), reflect.TypeOf(&Activity{})),
			cel.Variable("customer", cel.ObjectType("segment.Customer")),
			cel.Variable("account", cel.ObjectType("segment.Account")),
			cel.Variable("clv", cel.ObjectType("segment.CLV")),
			cel.Variable("rfm", cel.ObjectType("segment.RFM")),
			cel.Variable("activity", cel.ObjectType("segment.Activity")),
			ext.Strings(),
		)
	})
	return env, envErr
}

// Program is a compiled, type-checked definition.
type Program struct {
	Expr string
	prg  cel.Program
}

// Compile parses and type-checks a definition; the error of a bad one names
// the line, column and reason.
func Compile(expr string) (*Program, error) {
	e, err := celEnv()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(expr) == "" {
		return nil, clientele.Errorf(clientele.EINVALID, "empty segment definition")
	}
	ast, iss := e.Compile(expr)
	if iss.Err() != nil {
		return nil, IssuesError("invalid segment definition", expr, iss)
	}
	if ast.OutputType() != cel.BoolType {
		return nil, clientele.Errorf(clientele.EINVALID, "a segment definition must be true or false for a customer; %q gives %s", expr, ast.OutputType())
	}
	prg, err := e.Program(ast, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "segment definition: %w", err)
	}
	return &Program{Expr: expr, prg: prg}, nil
}

// IssuesError is the EINVALID error of an expression CEL refused:
// heading, then for each issue "line L, column C: reason" and the line
// with a caret under C.
func IssuesError(heading, expr string, iss *cel.Issues) error {
	var b strings.Builder
	b.WriteString(heading)
	lines := strings.Split(expr, "\n")
	for _, x := range iss.Errors() {
		line, col := x.Location.Line(), x.Location.Column()
		fmt.Fprintf(&b, "\n  line %d, column %d: %s", line, col+1, x.Message)
		if line >= 1 && line <= len(lines) {
			fmt.Fprintf(&b, "\n    %s\n    %s^", lines[line-1], strings.Repeat(" ", max(col, 0)))
		}
	}
	return clientele.Errorf(clientele.EINVALID, "%s", b.String())
}

// Input is one customer's variables.
type Input struct {
	ID       string
	Customer *Customer
	Account  *Account
	CLV      *CLV
	RFM      *RFM
	Activity *Activity

	basis *Basis // what the inputs were built with (nil for a hand-made Input)
}

// ResolveName gives CEL the customer's variables: an Input is its own
// activation, so that evaluating a definition allocates no map.
func (in *Input) ResolveName(name string) (any, bool) {
	switch name {
	case "customer":
		return in.Customer, true
	case "account":
		return in.Account, true
	case "clv":
		return in.CLV, true
	case "rfm":
		return in.RFM, true
	case "activity":
		return in.Activity, true
	}
	return nil, false
}

// Parent is nil: an Input is the only activation.
func (in *Input) Parent() interpreter.Activation { return nil }

// Match evaluates the definition for one customer. A definition that fails
// at run time (a missing map key, a division by zero) does not match.
func (p *Program) Match(in *Input) (bool, error) {
	out, _, err := p.prg.Eval(in)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	return ok && b, nil
}

// Inputs builds every customer's variables from the database as of now:
// revenue and spend in cur, spend by category and brand over the last
// window. Refresh records these settings and the RFM cut points they give
// for the segments kept up to date fact by fact (Live).
func Inputs(ctx context.Context, db *store.DB, cur clientele.Currency, window time.Duration, now time.Time) ([]*Input, error) {
	feats, err := db.CustomerFeatures(ctx, cur, now.Add(-window), now)
	if err != nil {
		return nil, err
	}
	basis := &Basis{Currency: cur, Window: window, AsOf: now}
	ins, err := inputsOf(feats, basis, now)
	if err != nil {
		return nil, err
	}
	basis.Cuts = rfmQuintiles(ins)
	return ins, nil
}

// inputsOf makes the variables of the customers of feats as of now.
func inputsOf(feats []*store.Features, basis *Basis, now time.Time) ([]*Input, error) {
	scale, err := basis.Currency.Scale()
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%w", err)
	}
	minor := math.Pow10(scale)
	// Every customer's variables, allocated together: six small objects a
	// customer, a million times, cost more in the allocator and the
	// collector than building them.
	n := len(feats)
	ins := make([]*Input, n)
	inputs := make([]Input, n)
	customers := make([]Customer, n)
	accounts := make([]Account, n)
	clvs := make([]CLV, n)
	rfms := make([]RFM, n)
	activities := make([]Activity, n)
	for i, f := range feats {
		age := int64(-1)
		if a, ok := f.Customer.Age(now); ok {
			age = int64(a)
		}
		attrs := f.Customer.Attributes
		if attrs == nil {
			attrs = noAttributes
		}
		customers[i] = Customer{ID: f.Customer.ID, Name: f.Customer.Name, City: f.Customer.City, HouseholdID: f.Customer.HouseholdID,
			Age: age, TenureDays: int64(now.Sub(f.Customer.CreatedAt).Hours() / 24), Attributes: attrs}
		accounts[i] = Account{Tier: f.Tier, Cards: f.Cards, Supplementary: f.Supplementary}
		clvs[i] = CLV{Scored: f.Scored, Value: float64(f.CLV) / minor, PAlive: f.ProbAlive, ExpectedPurchases: f.ExpectedPurchases,
			ExpectedSpend: float64(f.ExpectedSpend) / minor}
		act := &activities[i]
		*act = Activity{Transactions: f.Transactions, Revenue: float64(f.Revenue) / minor, DaysSinceLast: -1,
			SpendByCategory: majorUnits(f.SpendByCategory, minor), SpendByBrand: majorUnits(f.SpendByBrand, minor)}
		if !f.Last.IsZero() {
			act.DaysSinceLast = int64(now.Sub(f.Last).Hours() / 24)
		}
		inputs[i] = Input{ID: f.Customer.ID, Customer: &customers[i], Account: &accounts[i], CLV: &clvs[i], RFM: &rfms[i], Activity: act, basis: basis}
		ins[i] = &inputs[i]
		feats[i] = nil // for the collector: a million customers' features are large
	}
	return ins, nil
}

// noAttributes stands for a customer without attributes; definitions only
// read it.
var noAttributes = map[string]any{}

// majorUnits converts amounts in minor units to major units; a customer
// without spend gets an empty map (definitions can test it).
func majorUnits(m map[string]int64, minor float64) map[string]float64 {
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v) / minor
	}
	return out
}

// The keys of the RFM quintiles: a higher key is a better quintile.
var rfmKeys = [3]func(*Input) float64{
	// Recency: fewer days since the last purchase is better.
	func(in *Input) float64 { return -float64(in.Activity.DaysSinceLast) },
	func(in *Input) float64 { return float64(in.Activity.Transactions) },
	func(in *Input) float64 { return in.Activity.Revenue },
}

// rfmQuintiles sets each buyer's recency, frequency and monetary quintile
// among the buyers — equal values share the quintile of their first rank —
// and returns the cut points that give the same quintiles.
func rfmQuintiles(ins []*Input) RFMCuts {
	var buyers []*Input
	for _, in := range ins {
		if in.Activity.Transactions > 0 {
			buyers = append(buyers, in)
		}
	}
	var cuts RFMCuts
	n := len(buyers)
	if n == 0 {
		return cuts
	}
	type keyed struct {
		key float64
		in  *Input
	}
	sorted := make([]keyed, n)
	out := [3]*[]float64{&cuts.R, &cuts.F, &cuts.M}
	for m, key := range rfmKeys {
		for i, in := range buyers {
			sorted[i] = keyed{key(in), in}
		}
		// Equal keys share a quintile, so the order among them is free.
		slices.SortFunc(sorted, func(a, b keyed) int { return cmp.Compare(a.key, b.key) })
		q := int64(1)
		for i, k := range sorted {
			if i == 0 || k.key != sorted[i-1].key {
				next := int64(i*5/n) + 1
				// The first key of each quintile from the second on is its
				// cut point (a quintile that ties leave empty shares the
				// next one's).
				for ; q < next; q++ {
					*out[m] = append(*out[m], k.key)
				}
			}
			k.in.RFM.set(m, q)
		}
	}
	for _, in := range buyers {
		in.RFM.Score = 100*in.RFM.R + 10*in.RFM.F + in.RFM.M
	}
	return cuts
}

// set sets measure m's quintile (0 recency, 1 frequency, 2 monetary).
func (r *RFM) set(m int, q int64) {
	switch m {
	case 0:
		r.R = q
	case 1:
		r.F = q
	default:
		r.M = q
	}
}

// Result summarises a membership computation.
type Result struct {
	Segment string
	Members int
	Joined  int
	Left    int
	Errors  int    // customers whose evaluation failed (counted as not members)
	Example string // the first evaluation error, if any
}

// Refresh computes the membership of the segments (all when names is
// empty) for every customer, and records who joined and who left, and the
// basis of ins (their currency, window and RFM cut points) for Live.
func Refresh(ctx context.Context, db *store.DB, ins []*Input, names []string, now time.Time) ([]Result, error) {
	res, err := compute(ctx, db, ins, names, now, true)
	if err != nil {
		return nil, err
	}
	if len(ins) > 0 && ins[0].basis != nil {
		if err := saveBasis(ctx, db, ins[0].basis); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// compute computes the membership of the segments, and records the
// changes as of now when apply is set.
func compute(ctx context.Context, db *store.DB, ins []*Input, names []string, now time.Time, apply bool) ([]Result, error) {
	segs, err := db.Segments(ctx)
	if err != nil {
		return nil, err
	}
	// The customers in id order, to merge with the stored members.
	order := sortedByID(ins)
	var out []Result
	for _, s := range segs {
		if len(names) > 0 && !slices.Contains(names, s.Name) {
			continue
		}
		prg, err := Compile(s.Definition)
		if err != nil {
			return nil, fmt.Errorf("segment %s: %w", s.Name, err)
		}
		match := make([]bool, len(ins))
		errs := make([]error, len(ins))
		parallel.Chunks(len(ins), 0, 0, func(_, lo, hi int) {
			for i := lo; i < hi; i++ {
				match[i], errs[i] = prg.Match(ins[i])
			}
		})
		r := Result{Segment: s.Name}
		for i := range ins {
			if errs[i] != nil {
				r.Errors++
				if r.Example == "" {
					r.Example = fmt.Sprintf("customer %s: %v", ins[i].ID, errs[i])
				}
			}
			if match[i] {
				r.Members++
			}
		}
		// Merge the stored members (in id order) with the customers in id
		// order: who matches and is not a member joins; who is a member and
		// no longer matches, or is no longer a customer, leaves.
		var changes []clientele.MembershipChange
		joinIfMatch := func(i int) {
			if match[i] {
				changes = append(changes, clientele.MembershipChange{CustomerID: ins[i].ID, Joined: true})
				r.Joined++
			}
		}
		leave := func(id string) {
			changes = append(changes, clientele.MembershipChange{CustomerID: id})
			r.Left++
		}
		k := 0 // the next customer in id order
		err = db.EachSegmentMember(ctx, s.ID, func(id string) error {
			for ; k < len(order) && ins[order[k]].ID < id; k++ {
				joinIfMatch(order[k])
			}
			if k < len(order) && ins[order[k]].ID == id {
				if !match[order[k]] {
					leave(id)
				}
				k++
			} else {
				leave(id) // no longer a customer
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		for ; k < len(order); k++ {
			joinIfMatch(order[k])
		}
		if apply {
			if err := db.ApplyMembership(ctx, s.ID, changes, s.Definition, now); err != nil {
				return nil, err
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// RFMPresets are the customary RFM segments, created by
// `clientele segments create --preset rfm`.
var RFMPresets = []struct{ Name, Expr string }{
	{"rfm-champions", "rfm.r >= 4 && rfm.f >= 4 && rfm.m >= 4"},
	{"rfm-loyal", "rfm.f >= 4 && rfm.r >= 3 && !(rfm.r >= 4 && rfm.m >= 4)"},
	{"rfm-new", "rfm.r == 5 && rfm.f <= 2"},
	{"rfm-at-risk", "rfm.r <= 2 && rfm.f >= 3"},
	{"rfm-hibernating", "rfm.r <= 2 && rfm.f <= 2 && activity.transactions > 0"},
}
