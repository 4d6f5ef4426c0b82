package simulate

// product is one item of the simulated retailer's catalogue. Prices and
// costs are in cents.
type product struct {
	sku, name, category, brand string
	price, cost                int64
	regular                    bool // bought in ordinary baskets; false: only after a life event
}

// The catalogue: ordinary groceries (milk and bread are loss leaders, sold
// below cost), household goods, and products that only a life event brings
// (diapers, furniture, business-class tickets).
var catalogue = []product{
	{"GRO-MILK", "Milk 1 l", "grocery", "FreshFarm", 99, 110, true},
	{"GRO-BREAD", "Bread loaf", "grocery", "FreshFarm", 149, 160, true},
	{"GRO-EGGS", "Eggs, 12", "grocery", "FreshFarm", 299, 240, true},
	{"GRO-COFFEE", "Coffee beans 500 g", "grocery", "Harbor", 1199, 650, true},
	{"GRO-OIL", "Olive oil 750 ml", "grocery", "Harbor", 899, 500, true},
	{"GRO-PASTA", "Pasta 500 g", "grocery", "Basics", 129, 70, true},
	{"GRO-CEREAL", "Cereal", "grocery", "Basics", 349, 210, true},
	{"GRO-CHOC", "Dark chocolate", "grocery", "Harbor", 399, 180, true},
	{"GRO-WINE", "Red wine", "grocery", "Harbor", 1499, 800, true},
	{"GRO-BEER", "Beer, 6-pack", "grocery", "Basics", 899, 550, true},
	{"HOM-LAMP", "Table lamp", "home", "Lumo", 3999, 1800, true},
	{"HOM-RUG", "Wool rug", "home", "Lumo", 8900, 4500, true},
	{"HOM-CURT", "Curtains", "home", "Lumo", 2999, 1200, true},
	{"APP-TEE", "T-shirt", "apparel", "Threadline", 1299, 500, true},
	{"APP-JEANS", "Jeans", "apparel", "Threadline", 4999, 2200, true},
	{"APP-JACKET", "Rain jacket", "apparel", "Summit", 12900, 6000, true},
	{"APP-SNEAK", "Sneakers", "apparel", "Summit", 7999, 4000, true},
	{"ELE-PHONES", "Headphones", "electronics", "Volt", 5999, 3800, true},
	{"ELE-CHARGE", "Phone charger", "electronics", "Volt", 1999, 700, true},
	{"ELE-SPEAKER", "Smart speaker", "electronics", "Volt", 8999, 8600, true},
	{"HB-SHAMPOO", "Shampoo", "health_beauty", "Glow", 599, 250, true},
	{"HB-VITAMIN", "Vitamins", "health_beauty", "Glow", 1299, 500, true},
	{"HB-SUN", "Sunscreen", "health_beauty", "Glow", 999, 400, true},
	{"PET-DOG", "Dog food 5 kg", "pet", "Pawsome", 2499, 1500, true},
	{"PET-CAT", "Cat litter", "pet", "Pawsome", 999, 600, true},
	{"BABY-DIAPER", "Diapers, 60", "baby", "Softy", 2499, 1900, false},
	{"BABY-WIPES", "Baby wipes", "baby", "Softy", 499, 250, false},
	{"BABY-FORMULA", "Infant formula", "baby", "Softy", 2999, 2700, false},
	{"TOY-RATTLE", "Rattle", "toys", "Playful", 999, 400, false},
	{"TOY-BEAR", "Stuffed bear", "toys", "Playful", 1499, 600, false},
	{"MOV-BOXES", "Moving boxes, 10", "moving", "Basics", 1999, 800, false},
	{"MOV-TAPE", "Packing tape", "moving", "Basics", 399, 120, false},
	{"FUR-SOFA", "Sofa", "furniture", "Nordhem", 49900, 30000, false},
	{"FUR-TABLE", "Dining table", "furniture", "Nordhem", 34900, 21000, false},
	{"FUR-BED", "Bed frame", "furniture", "Nordhem", 29900, 18000, false},
	{"TRV-ECON", "Air ticket, economy", "travel", "SkyWays", 32000, 29000, false},
	{"TRV-BUSINESS", "Air ticket, business class", "travel", "SkyWays", 240000, 170000, false},
	{"WED-REGISTRY", "Wedding registry gift", "wedding", "Harbor", 14900, 9000, false},
	{"WED-INVITE", "Wedding invitations", "wedding", "Paperie", 8900, 4000, false},
	{"GRD-BACKPACK", "Laptop backpack", "graduation", "Summit", 5999, 3000, false},
	{"RET-GARDEN", "Garden tool set", "garden", "Greenhand", 4999, 2500, false},
}

// brandOwners: the retailer's own labels and the makers it resells.
var brandOwners = map[string]string{
	"FreshFarm": "Clientele Retail", "Harbor": "Clientele Retail", "Basics": "Clientele Retail",
	"Lumo": "Lumo AB", "Threadline": "Threadline Inc", "Summit": "Summit Outdoor", "Volt": "Volt Electronics",
	"Glow": "Glow Beauty", "Pawsome": "Pawsome Pets", "Softy": "Softy Care", "Playful": "Playful Toys",
	"Nordhem": "Nordhem Furniture", "SkyWays": "SkyWays Airlines", "Paperie": "Paperie", "Greenhand": "Greenhand",
}

var skuIndex = func() map[string]int {
	m := map[string]int{}
	for i, p := range catalogue {
		m[p.sku] = i
	}
	return m
}()

var regular = func() []int {
	var r []int
	for i, p := range catalogue {
		if p.regular {
			r = append(r, i)
		}
	}
	return r
}()

type store struct{ name, city string }

var stores = []store{
	{"Seoul Gangnam", "Seoul"}, {"Seoul Mapo", "Seoul"}, {"Busan Haeundae", "Busan"}, {"Incheon Songdo", "Incheon"},
	{"London Camden", "London"}, {"Manchester Deansgate", "Manchester"}, {"New York SoHo", "New York"},
	{"Chicago Loop", "Chicago"}, {"Austin Downtown", "Austin"}, {"Toronto Queen St", "Toronto"},
}

var firstNames = []string{"Minji", "Jisoo", "Seojun", "Hana", "Olivia", "Liam", "Emma", "Noah", "Ava", "Lucas",
	"Sophia", "Mason", "Mia", "Ethan", "Isla", "Oliver", "Grace", "James", "Chloe", "Daniel", "Yuna", "Jiho",
	"Amelia", "Henry", "Zoe", "Leo", "Nora", "Arthur", "Ella", "Samuel"}
var lastNames = []string{"Kim", "Lee", "Park", "Choi", "Smith", "Jones", "Brown", "Taylor", "Wilson", "Davies",
	"Garcia", "Miller", "Martin", "Clark", "Walker", "Young", "King", "Wright", "Scott", "Green"}
