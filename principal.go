package clientele

import "context"

// Principal is who is asking: the holder of the API token a request came
// with. The HTTP layer puts it in the request's context once it has
// authenticated the request; what it may see and do follows from it.
type Principal struct {
	TokenID   int64
	TokenName string
	UserID    int64  // 0 for a service token
	UserName  string // "" for a service token
	Role      string
	// Department and Scopes are the user's: the department its reads and
	// writes are counted under, the scopes that narrow its role.
	Department string
	Scopes     []string
	// Language is the user's language for pages, or "" (the browser's).
	Language string
}

// Name is who p is, for the audit log: the user, or the service token.
func (p *Principal) Name() string {
	if p.UserName != "" {
		return p.UserName
	}
	return "token:" + p.TokenName
}

type principalKey struct{}

// NewContextWithPrincipal returns a copy of ctx that carries p.
func NewContextWithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFromContext returns the principal ctx carries, or nil.
func PrincipalFromContext(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey{}).(*Principal)
	return p
}
