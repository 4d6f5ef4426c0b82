package store_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// The competitors' customer equity round-trips, is replaced whole, and an
// invalid entry is refused without changing what is stored.
func TestCompetitors(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		got, err := db.Competitors(ctx)
		if err != nil || len(got) != 0 {
			t.Fatalf("before any: %v, %v", got, err)
		}
		want := map[string]float64{"Rival Mart": 1.25e7, "이마트": 0}
		if err := db.SetCompetitors(ctx, want); err != nil {
			t.Fatal(err)
		}
		if got, err := db.Competitors(ctx); err != nil || !cmp.Equal(want, got) {
			t.Errorf("stored %v, %v; want %v", got, err, want)
		}
		many := map[string]float64{}
		for i := range store.MaxCompetitors + 1 {
			many[strings.Repeat("x", i+1)] = 1
		}
		for _, bad := range []map[string]float64{
			{"": 1}, {"a": -1}, {"a": math.NaN()}, {"a": math.Inf(1)}, {strings.Repeat("a", 101): 1},
			{"a\x00b": 1}, {"\xff": 1}, {"tab\there": 1}, many,
		} {
			if err := db.SetCompetitors(ctx, bad); clientele.ErrorCode(err) != clientele.EINVALID {
				t.Errorf("SetCompetitors(%v) = %v, want invalid", bad, err)
			}
		}
		if got, err := db.Competitors(ctx); err != nil || !cmp.Equal(want, got) {
			t.Errorf("after refused changes %v, %v; want %v", got, err, want)
		}
		if err := db.SetCompetitors(ctx, map[string]float64{}); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.Competitors(ctx); len(got) != 0 {
			t.Errorf("after clearing: %v", got)
		}
	})
}

// A user's language is stored, read back with the user and its sessions,
// and cleared.
func TestUserLanguage(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u, err := db.CreateUser(ctx, clientele.User{Name: "yuna", Role: "customer_manager"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetLanguage(ctx, "yuna", "ko"); err != nil {
			t.Fatal(err)
		}
		got, err := db.UserByName(ctx, "yuna")
		if err != nil || got.Language != "ko" {
			t.Errorf("user %+v, %v", got, err)
		}
		sess, err := db.CreateSession(ctx, u, 3600e9)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := db.SessionBySecret(ctx, sess.Secret); err != nil || s.User.Language != "ko" {
			t.Errorf("session's user %+v, %v", s, err)
		}
		if err := db.SetLanguage(ctx, "nobody", "ko"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("a missing user: %v", err)
		}
		if err := db.SetLanguage(ctx, "yuna", strings.Repeat("x", 36)); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("a long tag: %v", err)
		}
		if err := db.SetLanguage(ctx, "yuna", ""); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.UserByName(ctx, "yuna"); got.Language != "" {
			t.Errorf("cleared: %q", got.Language)
		}
	})
}

// A segment's spend by brand: its members' lines, by their products'
// brands, per currency; a non-member's lines do not count.
func TestSegmentBrandSpend(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		err := db.Write(ctx, func(w *store.Writer) error {
			if _, err := w.Products(ctx, []clientele.Product{{SKU: "A1", Brand: "Airy", Currency: "USD", Price: 100}, {SKU: "C1", Brand: "Crunchy", Currency: "USD", Price: 300}}); err != nil {
				return err
			}
			_, err := w.Transactions(ctx, []clientele.Transaction{
				{ID: "t1", CustomerID: "m1", Time: at, Amount: 700, Currency: "USD", Lines: []clientele.Line{{SKU: "A1", Quantity: 1, UnitPrice: 100}, {SKU: "C1", Quantity: 2, UnitPrice: 300}}},
				{ID: "t2", CustomerID: "m2", Time: at, Amount: 150, Currency: "USD", Lines: []clientele.Line{{SKU: "A1", Quantity: 1, UnitPrice: 150}}},
				{ID: "t3", CustomerID: "other", Time: at, Amount: 9000, Currency: "USD", Lines: []clientele.Line{{SKU: "C1", Quantity: 30, UnitPrice: 300}}},
			}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		g, err := db.CreateSegment(ctx, clientele.Segment{Name: "members", Definition: "true"})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyMembership(ctx, g.ID, []clientele.MembershipChange{{CustomerID: "m1", Joined: true}, {CustomerID: "m2", Joined: true}}, "true", at); err != nil {
			t.Fatal(err)
		}
		got, err := db.SegmentBrandSpend(ctx, g.ID)
		want := []store.SegmentSpend{{Brand: "Crunchy", Currency: "USD", Amount: 600}, {Brand: "Airy", Currency: "USD", Amount: 250}}
		if err != nil || !cmp.Equal(want, got) {
			t.Errorf("brand spend %+v, %v; want %+v", got, err, want)
		}
	})
}
