package clientele

// Brand is a brand the firm sells; Owner names the firm that owns it, so that
// a portfolio of brands can be valued together.
type Brand struct {
	Name  string
	Owner string
}

// Validate reports every invalid field of b.
func (b *Brand) Validate() error {
	v := invalid{item: "brand " + b.Name}
	if b.Name == "" {
		v.add("name", "is empty")
	}
	checkText(&v, "name", b.Name, 128)
	checkText(&v, "owner", b.Owner, 256)
	return v.err("brand")
}

// Product is an item the firm sells. Price and UnitCost are in minor units
// of Currency; a price below cost marks a loss leader.
type Product struct {
	SKU      string
	Name     string
	Category string
	Brand    string
	Price    int64
	UnitCost int64
	Currency Currency
}

// Validate reports every invalid field of p.
func (p *Product) Validate() error {
	v := invalid{item: "product " + p.SKU}
	checkID(&v, "sku", p.SKU)
	checkText(&v, "name", p.Name, 256)
	checkText(&v, "category", p.Category, 128)
	checkText(&v, "brand", p.Brand, 128)
	checkAmount(&v, "price", p.Price)
	checkAmount(&v, "unit_cost", p.UnitCost)
	if p.UnitCost < 0 {
		v.add("unit_cost", "is negative")
	}
	if p.Price < 0 {
		v.add("price", "is negative")
	}
	if _, err := p.Currency.Scale(); err != nil {
		v.add("currency", "%v", err)
	}
	return v.err("product")
}
