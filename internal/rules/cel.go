package rules

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/ext"
	"cel.dev/cel-go/interpreter"

	"clientele"
	"clientele/internal/segment"
	"clientele/internal/store"
)

// Variables documents what a trigger's condition and an offer's
// eligibility can use.
const Variables = `event.{kind, id, type, time, properties, amount, store, channel, payment_method, products, categories, brands}
customer.{id, city, household_id, age, tenure_days, attributes, tier}
clv.{scored, value, p_alive, expected_purchases}
segments (a list of segment names)
count(key) count(key, window)  sum(key) sum(key, window)  first(key)  seen(key)  days_since(key)`

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

// The counter functions are bound late, to the customer and fact being
// evaluated (see evaluation.ResolveFunction).
var counterFuncs = []string{"count", "sum", "first", "seen", "days_since"}

func celEnv() (*cel.Env, error) {
	envOnce.Do(func() {
		late := cel.LateFunctionBinding()
		dynMap := cel.MapType(cel.StringType, cel.DynType)
		env, envErr = cel.NewEnv(
			cel.Variable("event", dynMap),
			cel.Variable("customer", dynMap),
			cel.Variable("clv", dynMap),
			cel.Variable("segments", cel.ListType(cel.StringType)),
			cel.Function("count",
				cel.Overload("count_key", []*cel.Type{cel.StringType}, cel.IntType, late),
				cel.Overload("count_key_window", []*cel.Type{cel.StringType, cel.StringType}, cel.IntType, late)),
			cel.Function("sum",
				cel.Overload("sum_key", []*cel.Type{cel.StringType}, cel.DoubleType, late),
				cel.Overload("sum_key_window", []*cel.Type{cel.StringType, cel.StringType}, cel.DoubleType, late)),
			cel.Function("first", cel.Overload("first_key", []*cel.Type{cel.StringType}, cel.BoolType, late)),
			cel.Function("seen", cel.Overload("seen_key", []*cel.Type{cel.StringType}, cel.BoolType, late)),
			cel.Function("days_since", cel.Overload("days_since_key", []*cel.Type{cel.StringType}, cel.IntType, late)),
			ext.Strings(),
		)
	})
	return env, envErr
}

// Program is a compiled condition: a trigger's or an offer's.
type Program struct {
	Expr string
	prg  cel.Program
	// Keys are the counter keys the expression names as literals; Dynamic
	// is set when it builds one at run time (then every counter of the
	// customer is read). MaxDays is its longest window.
	Keys    []string
	Dynamic bool
	MaxDays int64
}

// Compile parses and type-checks a condition; what names it in errors
// ("trigger", "offer eligibility"). A bad expression is refused with the
// line, column and reason, and a caret under the place.
func Compile(what, expr string) (*Program, error) {
	e, err := celEnv()
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(expr) == "" {
		return nil, clientele.Errorf(clientele.EINVALID, "empty %s condition", what)
	}
	if len(expr) > clientele.MaxExpression {
		return nil, clientele.Errorf(clientele.EINVALID, "%s condition of %d bytes: at most %d", what, len(expr), clientele.MaxExpression)
	}
	checked, iss := e.Compile(expr)
	if iss.Err() != nil {
		return nil, segment.IssuesError("invalid "+what+" condition", expr, iss)
	}
	if checked.OutputType() != cel.BoolType {
		return nil, clientele.Errorf(clientele.EINVALID, "a %s condition must be true or false; %q gives %s", what, clientele.Excerpt(expr), checked.OutputType())
	}
	p := &Program{Expr: expr}
	// The counter keys and windows, from the calls' arguments.
	native := checked.NativeRep()
	root := ast.NavigateAST(native)
	where := func(id int64) string {
		loc := native.SourceInfo().GetStartLocation(id)
		return fmt.Sprintf("line %d, column %d", loc.Line(), loc.Column()+1)
	}
	for _, name := range counterFuncs {
		for _, call := range ast.MatchDescendants(root, ast.FunctionMatcher(name)) {
			args := call.AsCall().Args()
			if k := args[0]; k.Kind() == ast.LiteralKind {
				p.Keys = append(p.Keys, k.AsLiteral().Value().(string))
			} else {
				p.Dynamic = true
			}
			if len(args) == 2 {
				w := args[1]
				if w.Kind() != ast.LiteralKind {
					return nil, clientele.Errorf(clientele.EINVALID, "%s condition, %s: the window of %s() must be written out, as \"30d\"", what, where(w.ID()), name)
				}
				win, err := clientele.ParseWindow(w.AsLiteral().Value().(string))
				if err == nil && win%clientele.Day != 0 {
					err = fmt.Errorf("window %q: counters count whole days (d or w)", w.AsLiteral().Value())
				}
				if err == nil && win.Days() > store.DayRetention {
					err = fmt.Errorf("window %q: counters keep their days for %d days", w.AsLiteral().Value(), store.DayRetention)
				}
				if err != nil {
					return nil, clientele.Errorf(clientele.EINVALID, "%s condition, %s: %v", what, where(w.ID()), err)
				}
				p.MaxDays = max(p.MaxDays, win.Days())
			}
		}
	}
	slices.Sort(p.Keys)
	p.Keys = slices.Compact(p.Keys)
	p.prg, err = e.Program(checked, cel.EvalOptions(cel.OptOptimize), cel.CostLimit(100000))
	if err != nil {
		return nil, clientele.Errorf(clientele.EINVALID, "%s condition: %w", what, err)
	}
	return p, nil
}

// evaluation is the activation of one evaluation: the variables of one
// customer and one fact, and the counter functions bound to them.
type evaluation struct {
	vars  map[string]any
	state *custState
	fact  *store.Fact // nil in a next-best-action request
	at    time.Time   // the fact's time, or the request's
	funcs map[string]cel.LateBoundFunction
}

func newEvaluation() *evaluation {
	ev := &evaluation{}
	key := func(v ref.Val) string { s, _ := v.Value().(string); return s }
	window := func(v ref.Val) int64 {
		w, _ := clientele.ParseWindow(key(v)) // checked when compiled
		return w.Days()
	}
	ev.funcs = map[string]cel.LateBoundFunction{
		"count": func(_ string, args ...ref.Val) ref.Val {
			if len(args) == 2 {
				n, _ := ev.state.window(key(args[0]), window(args[1]), ev.today())
				return types.Int(n)
			}
			return types.Int(ev.state.all[key(args[0])].Count)
		},
		"sum": func(_ string, args ...ref.Val) ref.Val {
			var s int64
			if len(args) == 2 {
				_, s = ev.state.window(key(args[0]), window(args[1]), ev.today())
			} else {
				s = ev.state.all[key(args[0])].Sum
			}
			return types.Double(float64(s) / ev.state.minor)
		},
		"first": func(_ string, args ...ref.Val) ref.Val {
			k := key(args[0])
			return types.Bool(ev.fact != nil && ev.touches(k) && ev.state.all[k].Count == 1)
		},
		"seen": func(_ string, args ...ref.Val) ref.Val {
			return types.Bool(ev.state.all[key(args[0])].Count > 0)
		},
		"days_since": func(_ string, args ...ref.Val) ref.Val {
			k := key(args[0])
			prev, ok := ev.state.previous[k]
			if ev.fact == nil || !ev.touches(k) {
				c, seen := ev.state.all[k]
				prev, ok = c.Last, seen
			}
			if !ok || prev.IsZero() {
				return types.Int(-1)
			}
			return types.Int(int64(ev.at.Sub(prev).Hours() / 24))
		},
	}
	return ev
}

func (ev *evaluation) touches(key string) bool {
	for _, t := range ev.fact.Touches {
		if t.Key == key {
			return true
		}
	}
	return false
}

func (ev *evaluation) today() int64 { return store.Day(ev.at) }

// ResolveName gives CEL the variables.
func (ev *evaluation) ResolveName(name string) (any, bool) {
	v, ok := ev.vars[name]
	return v, ok
}

// Parent is nil: an evaluation is the only activation.
func (ev *evaluation) Parent() interpreter.Activation { return nil }

// ResolveFunction gives CEL the counter functions.
func (ev *evaluation) ResolveFunction(name string) (cel.LateBoundFunction, bool) {
	f, ok := ev.funcs[name]
	return f, ok
}

// eval evaluates p for ev; an error at run time (a missing map key) is
// returned, and the condition does not hold.
func (p *Program) eval(ev *evaluation) (bool, error) {
	out, _, err := p.prg.Eval(ev)
	if err != nil {
		return false, err
	}
	b, ok := out.Value().(bool)
	return ok && b, nil
}
