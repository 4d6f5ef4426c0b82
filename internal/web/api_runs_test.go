package web_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// The scores of a run page in customer id order until no next cursor is
// given; lifetime values that are not finite are null, not an error; the
// run carries its scoring settings.
func TestRunScoresAPI(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			run, err := b.DB.CreateRun(ctx, clientele.Run{Source: "database", Model: "bgnbd", Unit: "week", CalibrationEnd: "2024-06-30", TimeZone: "UTC",
				Currency: "KRW", Params: map[string]float64{"r": 1}, StdErrors: map[string]float64{}, Customers: 5, Converged: true})
			if err != nil {
				t.Fatal(err)
			}
			var scores []clientele.Score
			for i := range 5 {
				scores = append(scores, clientele.Score{CustomerID: fmt.Sprintf("c%d", i), ProbAlive: 0.5, DERT: 2, CLV: int64(1000 * i),
					DERTLifetime: 4, CLVLifetime: int64(2000 * i)})
			}
			scores[2].DERTLifetime = math.Inf(1)
			err = b.DB.Write(ctx, func(w *store.Writer) error {
				if err := w.Scores(ctx, run, scores); err != nil {
					return err
				}
				return w.SetScoring(ctx, run, clientele.Scoring{Horizon: 52, DiscountRate: 0.1, Basis: clientele.BasisAssumed, Margin: 0.25})
			})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			var lifetimes []any
			cursor := ""
			for pages := 0; ; pages++ {
				code, v := c.do("GET", fmt.Sprintf("/api/v1/runs/%d/scores?limit=2&cursor=%s", run, cursor), "")
				if code != 200 || pages > 3 {
					t.Fatalf("page %d: %d %v", pages, code, v)
				}
				for _, it := range v["items"].([]any) {
					m := it.(map[string]any)
					ids = append(ids, m["customer_id"].(string))
					lifetimes = append(lifetimes, m["clv_lifetime"])
					if m["currency"] != "KRW" {
						t.Errorf("item %v", m)
					}
				}
				next, _ := v["next"].(string)
				if next == "" {
					break
				}
				cursor = next
			}
			if diff := cmp.Diff([]string{"c0", "c1", "c2", "c3", "c4"}, ids); diff != "" {
				t.Errorf("customers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]any{0.0, 2000.0, nil, 6000.0, 8000.0}, lifetimes); diff != "" {
				t.Errorf("lifetime CLVs (-want +got):\n%s", diff)
			}
			code, v := c.do("GET", fmt.Sprintf("/api/v1/runs/%d", run), "")
			sc, _ := v["scoring"].(map[string]any)
			if code != 200 || sc == nil || sc["basis"] != "assumed" || sc["horizon"] != 52.0 || sc["as_of"] != "2024-06-30" {
				t.Errorf("run: %d %v", code, v)
			}
			for path, want := range map[string]int{"/api/v1/runs/999/scores": 404, "/api/v1/runs/x/scores": 400, "/api/v1/runs/1/scores?limit=0": 400, "/api/v1/runs": 200} {
				if code, v := c.do("GET", path, ""); code != want {
					t.Errorf("%s: %d %v, want %d", path, code, v, want)
				}
			}
		})
	}
}

// A one-time buyer under BG/NBD has P(alive) = 1 however long ago they
// bought; the 360 view says why, so that an agent is not misled.
func TestOneTimeBuyerNote(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			for model, want := range map[string]bool{"bgnbd": true, "paretonbd": false} {
				run, err := b.DB.CreateRun(ctx, clientele.Run{Source: "database", Model: model, Unit: "week", TimeZone: "UTC", Currency: "USD",
					Params: map[string]float64{}, StdErrors: map[string]float64{}, Customers: 1, Converged: true})
				if err != nil {
					t.Fatal(err)
				}
				err = b.DB.Write(ctx, func(w *store.Writer) error {
					if _, err := w.Customers(ctx, []clientele.Customer{{ID: "once"}}); err != nil {
						return err
					}
					return w.Scores(ctx, run, []clientele.Score{{CustomerID: "once", ProbAlive: 1, CLV: 100}})
				})
				if err != nil {
					t.Fatal(err)
				}
				_, v := c.do("GET", "/api/v1/customers/once/360", "")
				sc, _ := v["score"].(map[string]any)
				if got := sc != nil && strings.Contains(fmt.Sprint(sc["p_alive_note"]), "never bought again"); got != want {
					t.Errorf("%s: note %v, want %v (%v)", model, sc["p_alive_note"], want, sc)
				}
			}
		})
	}
}
