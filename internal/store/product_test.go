package store_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

// Products are upserted with the brands they name; a brand keeps its owner
// when a product names it again.
func TestProductsAndBrands(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		p := clientele.Product{SKU: "sku-1", Name: "Diapers", Category: "baby", Brand: "Softy", Price: 1299, UnitCost: 1400, Currency: "USD"}
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			res, err := w.Brands(ctx, []clientele.Brand{{Name: "Softy", Owner: "Acme"}})
			checkResult(t, "Brands", res, err, store.Result{Written: 1})
			// The first of two items with one key is superseded: a
			// duplicate, so that the counts add up to the items given.
			res, err = w.Products(ctx, []clientele.Product{p, p})
			checkResult(t, "Products", res, err, store.Result{Written: 1, Duplicates: 1})
			return nil
		})
		p.Price = 1199
		write(t, db, func(ctx context.Context, w *store.Writer) error {
			res, err := w.Products(ctx, []clientele.Product{p})
			checkResult(t, "repriced", res, err, store.Result{Written: 1})
			res, err = w.Brands(ctx, []clientele.Brand{{Name: "Softy", Owner: "Acme"}})
			checkResult(t, "same brand", res, err, store.Result{Duplicates: 1})
			return nil
		})
		got, owner, err := db.Product(ctx, "sku-1")
		if err != nil || !cmp.Equal(got, p) || owner != "Acme" {
			t.Errorf("Product = %+v (owner %q), %v; want %+v (owner Acme)", got, owner, err, p)
		}
	})
}
