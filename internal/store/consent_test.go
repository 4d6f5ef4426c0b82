package store_test

import (
	"context"
	"testing"
	"time"

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
