package store_test

import (
	"testing"

	"clientele"
	"clientele/internal/store/storetest"
)

func TestTokens(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := t.Context()
			secret, err := b.DB.CreateToken(ctx, "ci")
			if err != nil {
				t.Fatal(err)
			}
			tok, err := b.DB.Authenticate(ctx, secret)
			if err != nil || tok.Name != "ci" {
				t.Fatalf("Authenticate = %+v, %v", tok, err)
			}
			for _, bad := range []string{"", "clt_nope", secret + "x"} {
				if _, err := b.DB.Authenticate(ctx, bad); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
					t.Errorf("Authenticate(%q) err = %v, want unauthorized", bad, err)
				}
			}
			if err := b.DB.RevokeToken(ctx, tok.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.DB.Authenticate(ctx, secret); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
				t.Errorf("revoked token: err = %v, want unauthorized", err)
			}
			list, err := b.DB.Tokens(ctx)
			if err != nil || len(list) != 1 || !list[0].Revoked {
				t.Errorf("Tokens = %+v, %v", list, err)
			}
		})
	}
}
