package store_test

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"clientele"
	"clientele/internal/store"
)

// No sum overflows, on either backend, whatever the stored amounts: a
// customer with 20,000 transactions of the largest amount (2 × 10^19 minor
// units in all, past the int64 range) is summarised, counted and shown, its
// sums saturated rather than failing every later read.
func TestSumsDoNotOverflow(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		const n = 20_000
		txs := make([]clientele.Transaction, n)
		start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		for i := range txs {
			m := int64(clientele.MaxAmount)
			txs[i] = clientele.Transaction{ID: fmt.Sprintf("t%d", i), CustomerID: "whale",
				Time: start.Add(time.Duration(i) * time.Hour), Amount: clientele.MaxAmount, Margin: &m, Currency: "USD"}
		}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			_, err := w.Transactions(ctx, txs, nil)
			return err
		})
		s, err := db.Stats(ctx)
		if err != nil || s.Transactions != n || s.Revenue["USD"] != math.MaxInt64 {
			t.Errorf("Stats = %+v, %v; want %d transactions and revenue saturated at MaxInt64", s, err, n)
		}
		v, err := db.Customer360(ctx, "whale", 5)
		if err != nil || v.Totals.Revenue["USD"] != math.MaxInt64 {
			t.Errorf("360 totals = %+v, %v; want revenue saturated", v.Totals, err)
		}
		var got []store.CustomerSummary
		err = db.Summaries(ctx, store.SummaryOptions{CalibrationEnd: start.AddDate(3, 0, 0), Currency: "USD"}, func(s store.CustomerSummary) error {
			got = append(got, s)
			return nil
		})
		if err != nil || len(got) != 1 || got[0].AllSpend != math.MaxInt64 || got[0].AllMargin != math.MaxInt64 || got[0].RepeatSpend != math.MaxInt64 {
			t.Errorf("Summaries = %+v, %v; want one customer with saturated sums", got, err)
		}
		if _, err := db.CustomerFeatures(ctx, "USD", start, start.AddDate(3, 0, 0)); err != nil {
			t.Errorf("CustomerFeatures: %v", err)
		}
		if _, err := db.CustomerProfits(ctx, start, start.AddDate(3, 0, 0), "USD", 0, "call", nil, clientele.MaxAmount, 0); err != nil {
			t.Errorf("CustomerProfits: %v", err)
		}
	})
}
