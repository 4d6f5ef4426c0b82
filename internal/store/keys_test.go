package store

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
)

// trickyIDs differ only past the first 8 or 15 bytes, or by trailing NUL
// bytes, which the packed prefixes cannot tell apart alone.
var trickyIDs = []string{
	"", "C", "C1", "C1\x00", "C1\x00\x00", "C10", "C2", "customer", "customer\x00",
	"customer-1", "customer-2", "customer-10", "customer-000001", "customer-0000010",
	"customer-00000100", "customer-00000101", "ZZZZZZZZZZZZZZZ", "ZZZZZZZZZZZZZZZZ", "é", "\xff",
}

// TestKeyOrder: keyOrder sorts as a stable sort of (customer, id) with
// strings.Compare does.
func TestKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var txs []clientele.Transaction
	for range 2000 {
		c := trickyIDs[rng.IntN(len(trickyIDs))]
		id := trickyIDs[rng.IntN(len(trickyIDs))]
		if rng.IntN(3) == 0 {
			id = fmt.Sprintf("T%d", rng.IntN(50))
		}
		txs = append(txs, clientele.Transaction{CustomerID: c, ID: id})
	}
	want := make([]int, len(txs))
	for i := range want {
		want[i] = i
	}
	slices.SortStableFunc(want, func(a, b int) int {
		if c := strings.Compare(txs[a].CustomerID, txs[b].CustomerID); c != 0 {
			return c
		}
		return strings.Compare(txs[a].ID, txs[b].ID)
	})
	keys := keyOrder(txs)
	got := make([]int, len(keys))
	for k, key := range keys {
		got[k] = key.i
		if k == 0 {
			continue
		}
		prev := &keys[k-1]
		sameC := txs[key.i].CustomerID == txs[prev.i].CustomerID
		if key.sameCustomer(prev) != sameC {
			t.Errorf("sameCustomer(%q, %q) = %v", txs[key.i].CustomerID, txs[prev.i].CustomerID, !sameC)
		}
		if sameC && key.sameID(prev) != (txs[key.i].ID == txs[prev.i].ID) {
			t.Errorf("sameID(%q, %q) wrong", txs[key.i].ID, txs[prev.i].ID)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}

func TestCustomerSet(t *testing.T) {
	s := newCustomerSet()
	for _, id := range trickyIDs {
		if !s.add(id) {
			t.Errorf("add(%q) = false for a new id", id)
		}
	}
	for _, id := range trickyIDs {
		if s.add(id) {
			t.Errorf("add(%q) = true for a known id", id)
		}
	}
	if n := len(s.short) + len(s.long); n != len(trickyIDs) {
		t.Errorf("%d ids held, want %d", n, len(trickyIDs))
	}
}
