package clientele

import (
	"slices"
	"strings"
	"time"
)

// Roles of users: who may see and do what (DESIGN.md §7). An integrator
// writes events, transactions and customers and reads nothing personal
// beyond identity resolution.
var Roles = []string{"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst", "integrator"}

// Departments are the departments a firm organised around its customers
// has (Rust, Moorman & Bhalla 2010); a user's department may be any other
// text too.
var Departments = []string{"customer management", "brand management", "customer service", "market research", "finance", "distribution", "R&D", "IT"}

// User is a person who uses Clientele: its role says what it may see and
// do, its department where its information goes and comes from.
type User struct {
	ID          int64
	Name        string // the login name
	DisplayName string
	Department  string
	Role        string
	// Scopes narrow what the role covers (brands for a brand manager, say);
	// empty: the role's whole reach.
	Scopes      []string
	Disabled    bool
	HasPassword bool
	// Language is the language the user reads the dashboard in (a BCP 47
	// tag), or "" for the browser's.
	Language  string
	CreatedAt time.Time
}

// Validate reports every invalid field of u; it trims the name, the
// display name and the department.
func (u *User) Validate() error {
	v := invalid{item: "user " + u.Name}
	u.Name = strings.TrimSpace(u.Name)
	u.DisplayName = strings.TrimSpace(u.DisplayName)
	u.Department = strings.TrimSpace(u.Department)
	if u.Name == "" || len(u.Name) > 128 {
		v.add("name", "must have 1 to 128 characters")
	} else if strings.ContainsFunc(u.Name, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		v.add("name", "%q contains spaces or control characters", u.Name)
	}
	checkText(&v, "name", u.Name, 128)
	checkText(&v, "display_name", u.DisplayName, 256)
	checkText(&v, "department", u.Department, 128)
	if !slices.Contains(Roles, u.Role) {
		v.add("role", "%q: want one of %s", u.Role, strings.Join(Roles, ", "))
	}
	for i, s := range u.Scopes {
		if s = strings.TrimSpace(s); s == "" || len(s) > 128 {
			v.add("scopes", "scope %d must have 1 to 128 characters", i+1)
		}
		checkText(&v, "scopes", s, 128)
	}
	return v.err("user")
}
