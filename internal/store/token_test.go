package store_test

import (
	"testing"

	"clientele/internal/store"

	"clientele"
)

func TestTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		secret, err := db.CreateToken(ctx, "ci")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := db.Authenticate(ctx, secret)
		if err != nil || tok.Name != "ci" {
			t.Fatalf("Authenticate = %+v, %v", tok, err)
		}
		for _, bad := range []string{"", "clt_nope", secret + "x"} {
			if _, err := db.Authenticate(ctx, bad); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
				t.Errorf("Authenticate(%q) err = %v, want unauthorized", bad, err)
			}
		}
		if err := db.RevokeToken(ctx, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, secret); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
			t.Errorf("revoked token: err = %v, want unauthorized", err)
		}
		list, err := db.Tokens(ctx)
		if err != nil || len(list) != 1 || !list[0].Revoked {
			t.Errorf("Tokens = %+v, %v", list, err)
		}
	})
}
