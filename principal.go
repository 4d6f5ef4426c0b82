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
