package main

import (
	"context"
	crand "crypto/rand"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"clientele"
	"clientele/internal/store"
)

// demoStaff are the demo's colleagues beyond the CCO and the customer
// managers: one of each department the article names, so that the
// information-sharing report has something to show.
var demoStaff = []clientele.User{
	{Name: "jiwoo", DisplayName: "Jiwoo Han", Department: "customer service", Role: "agent"},
	{Name: "seojun", DisplayName: "Seojun Choi", Department: "brand management", Role: "brand_manager"},
	{Name: "dahye", DisplayName: "Dahye Jung", Department: "market research", Role: "analyst"},
	{Name: "minji", DisplayName: "Minji Kang", Department: "finance", Role: "analyst"},
	{Name: "taeho", DisplayName: "Taeho Yoon", Department: "distribution", Role: "brand_manager"},
	{Name: "sora", DisplayName: "Sora Lim", Department: "R&D", Role: "analyst"},
}

// demoWriting is what each demo colleague writes in a week: how many
// items at most, of which kind, on what.
var demoWriting = map[string]struct {
	kind     string
	perWeek  int
	customer bool // call notes on customers; otherwise items on segments
	texts    []string
}{
	"jiwoo": {clientele.InfoCallNote, 9, true, []string{
		"Called about a late card statement; prefers e-mail from now on",
		"Asked to raise the card limit before a trip abroad",
		"Moved house last month: new address confirmed",
		"Complained about the queue at the branch; offered the app",
		"Expecting a baby in spring; asked about the family account",
		"Daughter starts university in March; asked about student cards",
		"Wants paper statements stopped",
		"Unhappy with the annual fee; considering another card",
	}},
	"yuna": {clientele.InfoInsight, 3, false, []string{
		"Members answer calls before noon; evening campaigns go unanswered",
		"Spend shifts to pharmacy and groceries after 70",
		"Diaper buyers add wipes and formula within two weeks",
		"Coupons by post work better than e-mail here",
	}},
	"minho": {clientele.InfoInsight, 3, false, []string{
		"Key accounts expect a named contact, not the call centre",
		"Platinum holders travel twice a year; lounge access matters",
		"Lapsing high spenders came back after a personal call",
		"Champions respond to early access, not to discounts",
	}},
	"seojun": {clientele.InfoInsight, 2, false, []string{
		"Private-label groceries win these customers from the national brand",
		"The premium line sells to the same buyers as the basic one",
		"Switchers cite price, not quality",
	}},
	"dahye": {clientele.InfoResearch, 2, false, []string{
		"Survey: 62 % would switch for a better loyalty scheme",
		"Panel: share of wallet in groceries fell two points this quarter",
		"Focus group: the app's receipts are the most liked feature",
	}},
	"minji": {clientele.InfoInsight, 1, false, []string{
		"Cost to serve is highest for customers who call every month",
		"Returns wipe out the margin of a tenth of these customers",
	}},
	"taeho": {clientele.InfoInsight, 1, false, []string{
		"Click-and-collect orders peak on Fridays",
		"Stores in new towns draw young families",
	}},
	"sora": {clientele.InfoResearch, 1, false, []string{
		"Prototype: a budgeting view in the app raised visits by a quarter",
	}},
}

// demoReading is how likely a reader of one department retrieves an item
// of another (rows: reader; columns: author), per item.
var demoReading = map[string]map[string]float64{
	"customer management": {"customer service": 0.35, "brand management": 0.6, "market research": 0.8, "finance": 0.6, "distribution": 0.3, "R&D": 0.3, "customer management": 0.5},
	"customer service":    {"customer service": 0.25, "customer management": 0.5, "market research": 0.1},
	"brand management":    {"market research": 0.7, "customer management": 0.4, "distribution": 0.5, "brand management": 0.3},
	"market research":     {"customer management": 0.3, "brand management": 0.3, "customer service": 0.05},
	"finance":             {"customer management": 0.2, "market research": 0.2},
	"distribution":        {"brand management": 0.4, "market research": 0.2},
	"R&D":                 {"market research": 0.5},
}

// demoSharing has the demo's colleagues store, read and rate information
// over the twelve weeks up to now: the activity of a team that has used
// Clientele for a quarter.
func demoSharing(ctx context.Context, db *store.DB, seed uint64) error {
	for _, u := range demoStaff {
		if _, err := db.CreateUser(ctx, u, ""); err != nil {
			return err
		}
	}
	users, err := db.Users(ctx)
	if err != nil {
		return err
	}
	byName := map[string]clientele.User{}
	for _, u := range users {
		byName[u.Name] = u
	}
	segs, err := db.Segments(ctx)
	if err != nil {
		return err
	}
	owned := map[string][]string{}
	var all []string
	for _, g := range segs {
		all = append(all, g.Name)
		if g.Owner != "" {
			owned[g.Owner] = append(owned[g.Owner], g.Name)
		}
	}
	customers, _, err := db.ListCustomers(ctx, store.CustomerFilter{Limit: 300})
	if err != nil {
		return err
	}
	if len(customers) == 0 || len(all) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 14))
	now := time.Now().UTC()
	start := now.AddDate(0, 0, -84)
	type written struct {
		item    *clientele.InfoItem
		quality int
	}
	return db.Write(ctx, func(w *store.Writer) error {
		var items []written
		for week := range 12 {
			for _, name := range []string{"jiwoo", "yuna", "minho", "seojun", "dahye", "minji", "taeho", "sora"} {
				plan, u := demoWriting[name], byName[name]
				for range rng.IntN(plan.perWeek + 1) {
					at := start.Add(time.Duration(week)*7*24*time.Hour + time.Duration(rng.Int64N(int64(7*24*time.Hour))))
					if at.After(now) {
						continue
					}
					it := clientele.InfoItem{AuthorID: u.ID, Department: u.Department, Kind: plan.kind, Text: plan.texts[rng.IntN(len(plan.texts))], CreatedAt: at}
					if plan.customer {
						it.CustomerID = customers[rng.IntN(len(customers))].ID
					} else if mine := owned[name]; len(mine) > 0 {
						it.Segment = mine[rng.IntN(len(mine))]
					} else {
						it.Segment = all[rng.IntN(len(all))]
					}
					got, err := w.CreateItem(ctx, it)
					if err != nil {
						return fmt.Errorf("demo activity: %w", err)
					}
					got.Author = name
					items = append(items, written{got, 2 + rng.IntN(4)})
				}
			}
		}
		for _, x := range items {
			for _, reader := range users {
				if reader.Name == x.item.Author {
					continue
				}
				p := demoReading[reader.Department][x.item.Department]
				if reader.Role == "cco" {
					p = 0.5 // the CCO reads across the firm
				}
				// Notes on a customer are read by those who may see any
				// customer: the CCO and the call centre.
				if x.item.CustomerID != "" && reader.Role != "cco" && reader.Role != "agent" {
					p = 0
				}
				if rng.Float64() >= p {
					continue
				}
				at := x.item.CreatedAt.Add(time.Duration(rng.Int64N(int64(10 * 24 * time.Hour))))
				if at.After(now) {
					at = now
				}
				if err := w.RecordItemReads(ctx, reader.ID, reader.Department, at, []int64{x.item.ID}); err != nil {
					return err
				}
				if rng.Float64() < 0.4 {
					rating := min(5, max(1, x.quality+rng.IntN(3)-1))
					if err := w.RateItem(ctx, x.item.ID, reader.ID, rating, at); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
}

// demoLogins gives every demo user one password, made for this demo, so
// that each role can be tried in a browser; it returns the password and
// the users' names.
func demoLogins(ctx context.Context, db *store.DB) (string, string, error) {
	b := make([]byte, 9)
	crand.Read(b)
	password := "demo-" + base64.RawURLEncoding.EncodeToString(b)
	users, err := db.Users(ctx)
	if err != nil {
		return "", "", err
	}
	var names []string
	for _, u := range users {
		hash, err := clientele.HashPassword(password) // a salt of its own
		if err != nil {
			return "", "", err
		}
		if err := db.SetPassword(ctx, u.Name, hash); err != nil {
			return "", "", err
		}
		names = append(names, u.Name+" ("+u.Role+")")
	}
	return password, strings.Join(names, ", "), nil
}
