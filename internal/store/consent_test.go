package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Consent is opt-in: a purpose never stated is not granted. A statement
// changes the current state only if it is not older than the one recorded
// (an import of old forms does not undo a later withdrawal), and every
// statement is in the history.
func TestConsent(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.PutCustomer(ctx, clientele.Customer{ID: "c1"}); err != nil {
			t.Fatal(err)
		}
		t1, t2, t3 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
		set := func(c clientele.Consent) error {
			return db.Write(ctx, func(w *store.Writer) error { return w.SetConsent(ctx, c) })
		}
		may := func(purpose string) bool {
			t.Helper()
			ok, _, err := db.MayContact(ctx, "c1", purpose)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if may(clientele.PurposeEmail) {
			t.Error("e-mail allowed before any consent")
		}
		steps := []struct {
			c    clientele.Consent
			want bool
		}{
			{clientele.Consent{CustomerID: "c1", Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, Source: "web form", At: t2}, true},
			{clientele.Consent{CustomerID: "c1", Purpose: clientele.PurposeEmail, Status: clientele.ConsentDenied, Source: "old paper form", At: t1}, true},
			{clientele.Consent{CustomerID: "c1", Purpose: clientele.PurposeEmail, Status: clientele.ConsentWithdrawn, Source: "call 17", At: t3}, false},
		}
		for i, s := range steps {
			if err := set(s.c); err != nil {
				t.Fatal(err)
			}
			if got := may(clientele.PurposeEmail); got != s.want {
				t.Errorf("after statement %d: may e-mail %v, want %v", i+1, got, s.want)
			}
		}
		if may(clientele.PurposeSMS) {
			t.Error("SMS allowed without consent")
		}
		hist, err := db.ConsentHistory(ctx, "c1")
		if err != nil || len(hist) != 3 || hist[0].Source != "old paper form" {
			t.Errorf("history: %+v %v", hist, err)
		}
		for _, bad := range []clientele.Consent{
			{CustomerID: "nobody", Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted, At: t1},
			{CustomerID: "c1", Purpose: "telepathy", Status: clientele.ConsentGranted, At: t1},
			{CustomerID: "c1", Purpose: clientele.PurposeEmail, Status: "maybe", At: t1},
			{CustomerID: "c1", Purpose: clientele.PurposeEmail, Status: clientele.ConsentGranted},
		} {
			if err := set(bad); err == nil {
				t.Errorf("accepted %+v", bad)
			}
		}
	})
}

// A batch of consent statements ends where the same statements recorded
// one by one end, on random sequences with ties in time, repeats and
// statements older than the state recorded; a batch naming a customer
// that does not exist writes nothing.
func TestConsentsBatch(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		rng := rand.New(rand.NewPCG(3, 4))
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		purposes := []string{clientele.PurposeEmail, clientele.PurposeSMS}
		statuses := []string{clientele.ConsentGranted, clientele.ConsentWithdrawn, clientele.ConsentDenied}
		for round := range 20 {
			var batch, one []clientele.Consent
			for i := range 12 {
				c := clientele.Consent{Purpose: purposes[rng.IntN(2)], Status: statuses[rng.IntN(3)], Source: fmt.Sprintf("s%d", i),
					At: base.Add(time.Duration(rng.IntN(4)) * 24 * time.Hour)} // ties in time on purpose
				who := fmt.Sprintf("%d-%d", round, rng.IntN(3))
				b, s := c, c
				b.CustomerID, s.CustomerID = "batch-"+who, "one-"+who
				batch, one = append(batch, b), append(one, s)
			}
			err := db.Write(ctx, func(w *store.Writer) error {
				for k := range 3 {
					for _, p := range []string{"batch-", "one-"} {
						if _, err := w.Customers(ctx, []clientele.Customer{{ID: fmt.Sprintf("%s%d-%d", p, round, k)}}); err != nil {
							return err
						}
					}
				}
				// Half the customers start with a state, for the batch to
				// meet an older or newer statement.
				if round%2 == 0 {
					for _, id := range []string{"batch-", "one-"} {
						c := clientele.Consent{CustomerID: id + fmt.Sprintf("%d-0", round), Purpose: clientele.PurposeEmail, Status: clientele.ConsentWithdrawn,
							Source: "before", At: base.Add(48 * time.Hour)}
						if err := w.SetConsent(ctx, c); err != nil {
							return err
						}
					}
				}
				if _, err := w.Consents(ctx, batch); err != nil {
					return err
				}
				for _, c := range one {
					if err := w.SetConsent(ctx, c); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for k := range 3 {
				who := fmt.Sprintf("%d-%d", round, k)
				got, err := db.Consents(ctx, "batch-"+who)
				if err != nil {
					t.Fatal(err)
				}
				want, err := db.Consents(ctx, "one-"+who)
				if err != nil {
					t.Fatal(err)
				}
				for i := range got {
					got[i].CustomerID = ""
				}
				for i := range want {
					want[i].CustomerID = ""
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("round %d customer %d: the batch's state (-one by one +batch)\n%s", round, k, diff)
				}
				hb, _ := db.ConsentHistory(ctx, "batch-"+who)
				ho, _ := db.ConsentHistory(ctx, "one-"+who)
				if len(hb) != len(ho) {
					t.Errorf("round %d customer %d: history of %d statements, one by one %d", round, k, len(hb), len(ho))
				}
			}
		}
		// A customer missing: refused whole, nothing written.
		err := db.Write(ctx, func(w *store.Writer) error {
			_, err := w.Consents(ctx, []clientele.Consent{
				{CustomerID: "batch-0-0", Purpose: clientele.PurposeSMS, Status: clientele.ConsentGranted, Source: "x", At: base.AddDate(1, 0, 0)},
				{CustomerID: "nobody", Purpose: clientele.PurposeSMS, Status: clientele.ConsentGranted, Source: "x", At: base},
			})
			return err
		})
		if clientele.ErrorCode(err) != clientele.ENOTFOUND || !strings.Contains(err.Error(), `"nobody"`) {
			t.Errorf("a batch naming a missing customer: %v", err)
		}
		h, err := db.ConsentHistory(ctx, "batch-0-0")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range h {
			if c.At.Equal(base.AddDate(1, 0, 0)) {
				t.Error("the refused batch wrote its first statement")
			}
		}
	})
}
