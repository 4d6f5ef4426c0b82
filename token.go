package clientele

import (
	"strings"
	"time"
)

// Token is an API token's record; the secret itself is never stored.
type Token struct {
	ID        int64
	Name      string
	CreatedAt time.Time
	LastUsed  time.Time // zero if never used
	Revoked   bool
}

// ValidateTokenName trims name and reports whether it may name a token.
func ValidateTokenName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 128 {
		return "", Errorf(EINVALID, "token name must have 1 to 128 characters")
	}
	return name, nil
}
