package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

func TestSegments(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.CreateUser(ctx, clientele.User{Name: "kim", Role: "customer_manager"}, ""); err != nil {
			t.Fatal(err)
		}
		if err := db.Write(ctx, func(w *store.Writer) error {
			_, err := w.Customers(ctx, []clientele.Customer{{ID: "c1"}, {ID: "c2"}, {ID: "c3"}})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		g, err := db.CreateSegment(ctx, clientele.Segment{Name: "affluent", Definition: "clv > 100", Owner: "kim"})
		if err != nil {
			t.Fatal(err)
		}
		if g.Level != clientele.LevelCustomerGroup {
			t.Errorf("level = %q, want the default %q", g.Level, clientele.LevelCustomerGroup)
		}
		for _, bad := range []clientele.Segment{
			{Name: "affluent", Definition: "true"},
			{Name: "x", Definition: "true", Level: "galaxy"},
			{Name: "y", Definition: "true", Owner: "nobody"},
		} {
			if _, err := db.CreateSegment(ctx, bad); err == nil {
				t.Errorf("CreateSegment(%+v) succeeded", bad)
			}
		}

		t1 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		t2 := t1.Add(24 * time.Hour)
		if err := db.ApplyMembership(ctx, g.ID, []clientele.MembershipChange{{CustomerID: "c1", Joined: true}, {CustomerID: "c2", Joined: true}}, "refresh", t1); err != nil {
			t.Fatal(err)
		}
		if err := db.ApplyMembership(ctx, g.ID, []clientele.MembershipChange{{CustomerID: "c1"}, {CustomerID: "c3", Joined: true}}, "refresh", t2); err != nil {
			t.Fatal(err)
		}
		members, err := db.SegmentMembers(ctx, g.ID, "", 10)
		if diff := cmp.Diff([]string{"c2", "c3"}, members); err != nil || diff != "" {
			t.Errorf("SegmentMembers (-want +got):\n%s (err %v)", diff, err)
		}
		if page, err := db.SegmentMembers(ctx, g.ID, "c2", 10); err != nil || !cmp.Equal(page, []string{"c3"}) {
			t.Errorf("SegmentMembers after c2 = %v, %v; want [c3]", page, err)
		}
		var each []string
		if err := db.EachSegmentMember(ctx, g.ID, func(id string) error { each = append(each, id); return nil }); err != nil || !cmp.Equal(each, members) {
			t.Errorf("EachSegmentMember = %v, %v; want %v", each, err, members)
		}
		hist, err := db.MembershipHistory(ctx, "c1")
		want := []clientele.MembershipEntry{{Segment: "affluent", Change: "joined", Reason: "refresh", At: t1}, {Segment: "affluent", Change: "left", Reason: "refresh", At: t2}}
		if diff := cmp.Diff(want, hist); err != nil || diff != "" {
			t.Errorf("MembershipHistory (-want +got):\n%s (err %v)", diff, err)
		}
		if segs, err := db.CustomerSegments(ctx, "c3"); err != nil || !cmp.Equal(segs, []string{"affluent"}) {
			t.Errorf("CustomerSegments(c3) = %v, %v", segs, err)
		}
		list, err := db.Segments(ctx)
		if err != nil || len(list) != 1 || list[0].Members != 2 || list[0].Owner != "kim" || !list[0].ComputedAt.Equal(t2) {
			t.Errorf("Segments = %+v, %v; want affluent with 2 members, owner kim, computed at %v", list, err, t2)
		}
		if err := db.DeleteSegment(ctx, "affluent"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SegmentByName(ctx, "affluent"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("deleted segment: err = %v, want not found", err)
		}
		if err := db.DeleteSegment(ctx, "affluent"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("second delete: err = %v, want not found", err)
		}
	})
}
