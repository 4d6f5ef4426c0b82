package clientele

import (
	"slices"
	"strings"
	"time"
)

// Roles of users: who may see and do what (DESIGN.md §7).
var Roles = []string{"admin", "cco", "customer_manager", "brand_manager", "agent", "analyst"}

// User is a person who uses Clientele; today, the owner of segments.
type User struct {
	ID        int64
	Name      string
	Role      string
	CreatedAt time.Time
}

// Validate reports whether u has a name and a known role; it trims the
// name.
func (u *User) Validate() error {
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" || len(u.Name) > 128 {
		return Errorf(EINVALID, "user name must have 1 to 128 characters")
	}
	if !slices.Contains(Roles, u.Role) {
		return Errorf(EINVALID, "role %q: want one of %s", u.Role, strings.Join(Roles, ", "))
	}
	return nil
}
