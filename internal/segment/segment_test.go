package segment_test

import (
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/ingest"
	"clientele/internal/segment"
	"clientele/internal/simulate"
	"clientele/internal/store/storetest"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct{ expr, want string }{
		{"customer.aeg >= 65", "line 1, column 9"},
		{"customer.age >=", "line 1, column"},
		{"clv.value + 1.0", "must be true or false"},
		{"unknown.x == 1", "undeclared reference to 'unknown'"},
		{"", "empty"},
		{"account.tier == 3", "no matching overload"},
	}
	for _, tt := range tests {
		_, err := segment.Compile(tt.expr)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Compile(%q) error %v, want it to contain %q", tt.expr, err, tt.want)
		}
		if clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("Compile(%q): code %s", tt.expr, clientele.ErrorCode(err))
		}
	}
	for _, ok := range []string{`customer.age >= 65`, `clv.value >= 2000.0 || account.tier == "platinum"`,
		`"baby" in activity.spend_by_category && activity.spend_by_category["baby"] > 0.0`, `rfm.r >= 4 && rfm.f >= 4`,
		`customer.attributes.student == true`, `customer.name.startsWith("Kim")`} {
		if _, err := segment.Compile(ok); err != nil {
			t.Errorf("Compile(%q): %v", ok, err)
		}
	}
}

func TestRefresh(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	truth, err := simulate.Run(ctx, simulate.Config{Customers: 3000, Seed: 21}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := truth.End
	// Retirees by the simulated birth dates, counted directly.
	f, _ := os.Open(filepath.Join(dir, "customers.csv"))
	rows, _ := csv.NewReader(f).ReadAll()
	f.Close()
	retirees := 0
	for _, r := range rows[1:] {
		c := clientele.Customer{BirthDate: r[4]}
		if a, ok := c.Age(now); ok && a >= 65 {
			retirees++
		}
	}
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			if _, err := ingest.Dir(ctx, b.DB, dir, ingest.Options{}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.CreateUser(ctx, clientele.User{Name: "yuna", Role: "customer_manager"}, ""); err != nil {
				t.Fatal(err)
			}
			for _, s := range []clientele.Segment{
				{Name: "retirees", Definition: "customer.age >= 65", Owner: "yuna"},
				{Name: "platinum", Definition: `account.tier == "platinum"`},
				{Name: "new-parents", Definition: `"baby" in activity.spend_by_category`},
				{Name: "buyers", Definition: "activity.transactions > 0"},
			} {
				if _, err := b.DB.CreateSegment(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			ins, err := segment.Inputs(ctx, b.DB, "USD", 365*24*time.Hour, now)
			if err != nil {
				t.Fatal(err)
			}
			res, err := segment.Refresh(ctx, b.DB, ins, nil, now)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]segment.Result{}
			for _, r := range res {
				got[r.Segment] = r
				if r.Errors != 0 {
					t.Errorf("%s: %d evaluation errors, e.g. %s", r.Segment, r.Errors, r.Example)
				}
			}
			if got["retirees"].Members != retirees || got["buyers"].Members != 3000 || got["platinum"].Members == 0 || got["new-parents"].Members == 0 {
				t.Errorf("members: %+v (retirees by birth date: %d)", got, retirees)
			}
			s, err := b.DB.SegmentByName(ctx, "retirees")
			if err != nil || s.Owner != "yuna" || s.Members != int64(retirees) || s.ComputedAt.IsZero() {
				t.Errorf("segment: %+v, %v", s, err)
			}
			// Unchanged data: nobody joins or leaves.
			res, err = segment.Refresh(ctx, b.DB, ins, []string{"retirees"}, now.Add(time.Hour))
			if err != nil || res[0].Joined != 0 || res[0].Left != 0 {
				t.Errorf("second refresh: %+v, %v", res, err)
			}
			// A year later, some customers turn 65: they join, with history.
			later := now.AddDate(1, 0, 0)
			ins2, err := segment.Inputs(ctx, b.DB, "USD", 365*24*time.Hour, later)
			if err != nil {
				t.Fatal(err)
			}
			res, err = segment.Refresh(ctx, b.DB, ins2, []string{"retirees"}, later)
			if err != nil || res[0].Joined == 0 || res[0].Left != 0 {
				t.Fatalf("refresh a year later: %+v, %v", res, err)
			}
			members, _ := b.DB.SegmentMembers(ctx, s.ID, "", 100000)
			var joinedLater string
			for _, in := range ins2 {
				if in.Customer.Age == 65 {
					joinedLater = in.ID
				}
			}
			// A member who is no longer a customer leaves.
			res, err = segment.Refresh(ctx, b.DB, ins2[1:], []string{"buyers"}, later)
			if err != nil || res[0].Left != 1 || res[0].Joined != 0 || res[0].Members != 2999 {
				t.Errorf("refresh without customer %s: %+v, %v", ins2[0].ID, res, err)
			}
			hist, err := b.DB.MembershipHistory(ctx, joinedLater)
			if err != nil || len(hist) == 0 || hist[len(hist)-1].Change != "joined" || hist[len(hist)-1].Segment != "retirees" {
				t.Errorf("history of %s: %+v, %v (members %d)", joinedLater, hist, err, len(members))
			}
		})
	}
}

// Compiling any text never panics; what compiles evaluates without panic.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{"customer.age >= 65", `clv.value >= 2000.0 || account.tier == "platinum"`, `"baby" in activity.spend_by_category`,
		"rfm.score == 555", "customer.attributes.x", "1/0 == 1", "activity.spend_by_brand['x'] > 1.0", ")("} {
		f.Add(s)
	}
	in := &segment.Input{ID: "c", Customer: &segment.Customer{Age: 70, Attributes: map[string]any{"student": true}}, Account: &segment.Account{Tier: "gold"},
		CLV: &segment.CLV{Value: 10}, RFM: &segment.RFM{R: 5}, Activity: &segment.Activity{SpendByCategory: map[string]float64{"baby": 1}, SpendByBrand: map[string]float64{}}}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := segment.Compile(expr)
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Fatalf("Compile(%q): %v of kind %s", expr, err, clientele.ErrorCode(err))
			}
			return
		}
		p.Match(in)
	})
}
