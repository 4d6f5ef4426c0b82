package store

import (
	"context"
	"fmt"

	"clientele"
)

var productCols = []string{"sku", "name", "category", "brand", "price", "unit_cost", "currency"}

const productUpsert = `ON CONFLICT (sku) DO UPDATE SET
	name = excluded.name, category = excluded.category, brand = excluded.brand,
	price = excluded.price, unit_cost = excluded.unit_cost, currency = excluded.currency
WHERE products.name IS DISTINCT FROM excluded.name OR products.category IS DISTINCT FROM excluded.category
	OR products.brand IS DISTINCT FROM excluded.brand OR products.price IS DISTINCT FROM excluded.price
	OR products.unit_cost IS DISTINCT FROM excluded.unit_cost OR products.currency IS DISTINCT FROM excluded.currency`

// Products creates or updates ps and creates the brands they name. The
// products must be valid.
func (w *Writer) Products(ctx context.Context, ps []clientele.Product) (Result, error) {
	// An item superseded by a later one with its key is counted as a
	// duplicate, so that the counts add up to the items given.
	given := int64(len(ps))
	ps = lastByKey(ps, func(p *clientele.Product) string { return p.SKU })
	rows := make([][]any, len(ps))
	var brands []clientele.Brand
	seen := map[string]bool{}
	for i := range ps {
		p := &ps[i]
		rows[i] = []any{p.SKU, p.Name, p.Category, p.Brand, p.Price, p.UnitCost, string(p.Currency)}
		if p.Brand != "" && !seen[p.Brand] {
			seen[p.Brand] = true
			brands = append(brands, clientele.Brand{Name: p.Brand})
		}
	}
	if len(brands) > 0 {
		brows := make([][]any, len(brands))
		for i, b := range brands {
			brows[i] = []any{b.Name, b.Owner}
		}
		if _, _, err := w.q.insert(ctx, "brands", []string{"name", "owner"}, brows, "ON CONFLICT (name) DO NOTHING", ""); err != nil {
			return Result{}, fmt.Errorf("write brands: %w", err)
		}
	}
	n, _, err := w.q.insert(ctx, "products", productCols, rows, productUpsert, "")
	if err != nil {
		return Result{}, fmt.Errorf("write products: %w", err)
	}
	return Result{Written: n, Duplicates: given - n}, nil
}

// Brands creates or updates bs (setting each one's owner).
func (w *Writer) Brands(ctx context.Context, bs []clientele.Brand) (Result, error) {
	// An item superseded by a later one with its key is counted as a
	// duplicate, so that the counts add up to the items given.
	given := int64(len(bs))
	bs = lastByKey(bs, func(b *clientele.Brand) string { return b.Name })
	rows := make([][]any, len(bs))
	for i, b := range bs {
		rows[i] = []any{b.Name, b.Owner}
	}
	n, _, err := w.q.insert(ctx, "brands", []string{"name", "owner"}, rows,
		"ON CONFLICT (name) DO UPDATE SET owner = excluded.owner WHERE brands.owner IS DISTINCT FROM excluded.owner", "")
	if err != nil {
		return Result{}, fmt.Errorf("write brands: %w", err)
	}
	return Result{Written: n, Duplicates: given - n}, nil
}
