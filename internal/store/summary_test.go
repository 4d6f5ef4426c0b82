package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Same-day purchases merge; days are local days; spend excludes the first
// day; holdout purchases are counted apart; later customers are left out.
func TestSummaries(t *testing.T) {
	seoul, _ := time.LoadLocation("Asia/Seoul")
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04", s, seoul)
		if err != nil {
			t.Fatal(err)
		}
		return tm.UTC()
	}
	mk := func(c, id, when string, amount int64) clientele.Transaction {
		return clientele.Transaction{ID: id, CustomerID: c, Time: at(when), Amount: amount, Margin: &[]int64{amount / 10}[0], Currency: "KRW"}
	}
	txs := []clientele.Transaction{
		mk("a", "1", "2024-01-01 09:00", 1000),
		mk("a", "2", "2024-01-01 23:30", 500), // same Seoul day (14:30 UTC)
		mk("a", "3", "2024-01-02 00:30", 700), // next Seoul day, same UTC day as above
		mk("a", "4", "2024-01-11 10:00", 300),
		mk("a", "5", "2024-02-05 10:00", 900), // holdout
		mk("a", "6", "2024-02-06 10:00", 100), // holdout
		mk("b", "1", "2024-01-20 10:00", 50),
		mk("c", "1", "2024-02-03 10:00", 50), // first purchase after calibration: not in the cohort
	}
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Write(ctx, func(w *store.Writer) error { _, err := w.Transactions(ctx, txs, nil); return err }); err != nil {
			t.Fatal(err)
		}
		var got []store.CustomerSummary
		opt := store.SummaryOptions{CalibrationEnd: time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC), HoldoutEnd: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC),
			Location: seoul, Currency: "KRW"}
		if err := db.Summaries(ctx, opt, func(s store.CustomerSummary) error { got = append(got, s); return nil }); err != nil {
			t.Fatal(err)
		}
		jan1 := store.DayNumber(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		want := []store.CustomerSummary{
			{CustomerID: "a", First: jan1, Repeat: 2, Recency: 10, Age: 30, RepeatSpend: 1000, AllSpend: 2500, AllMargin: 250, Transactions: 4, MarginKnown: 4, Holdout: 2},
			{CustomerID: "b", First: jan1 + 19, Repeat: 0, Recency: 0, Age: 11, RepeatSpend: 0, AllSpend: 50, AllMargin: 5, Transactions: 1, MarginKnown: 1, Holdout: 0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("summaries (-want +got):\n%s", diff)
		}
	})
}
