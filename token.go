package clientele

import (
	"strings"
	"time"
)

// Token is an API token's record; the secret itself is never stored.
// A token belongs to a user and acts with the user's role; a service token
// (an integrator's write key, say) belongs to no user and has a role of its
// own.
type Token struct {
	ID       int64
	Name     string
	UserID   int64  // 0 for a service token
	UserName string // "" for a service token
	Role     string // the user's role, or the service token's
	// Department and Scopes are the user's (none for a service token).
	Department string
	Scopes     []string
	Disabled   bool // the token's user is disabled
	CreatedAt  time.Time
	LastUsed   time.Time // zero if never used
	Revoked    bool
}

// ValidateTokenName trims name and reports whether it may name a token.
func ValidateTokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 128 {
		return "", Errorf(EINVALID, "token name must have 1 to 128 characters")
	}
	return name, nil
}
