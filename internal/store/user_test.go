package store_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
	"clientele/internal/store"
)

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u, err := db.CreateUser(ctx, clientele.User{Name: "  kim ", DisplayName: " Kim Minji ", Department: "customer management", Role: "customer_manager",
			Scopes: []string{"retirees"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "kim" || u.DisplayName != "Kim Minji" || u.HasPassword {
			t.Errorf("CreateUser = %+v, want id set, names trimmed, no password", u)
		}
		got, err := db.UserByName(ctx, "kim")
		if err != nil || got.ID != u.ID || !got.CreatedAt.Equal(u.CreatedAt.Truncate(1000)) {
			t.Fatalf("UserByName = %+v, %v; want %+v", got, err, u)
		}
		if diff := cmp.Diff([]string{"retirees"}, got.Scopes); diff != "" || got.Department != "customer management" {
			t.Errorf("stored user %+v (scopes %s)", got, diff)
		}
		for _, tc := range []struct {
			name, role, code string
		}{
			{"kim", "analyst", clientele.ECONFLICT},
			{"", "analyst", clientele.EINVALID},
			{"lee", "emperor", clientele.EINVALID},
			{"lee min", "analyst", clientele.EINVALID},
		} {
			if _, err := db.CreateUser(ctx, clientele.User{Name: tc.name, Role: tc.role}, ""); clientele.ErrorCode(err) != tc.code {
				t.Errorf("CreateUser(%q, %q) err = %v, want %s", tc.name, tc.role, err, tc.code)
			}
		}
		// Hostile fields: NUL, invalid UTF-8, too long; nothing is stored.
		long := strings.Repeat("x", 300)
		for _, u := range []clientele.User{
			{Name: "n\x00ul", Role: "analyst"},
			{Name: "bad\xff", Role: "analyst"},
			{Name: long, Role: "analyst"},
			{Name: "lee", Role: "analyst", DisplayName: "Lee\x00"},
			{Name: "lee", Role: "analyst", DisplayName: long},
			{Name: "lee", Role: "analyst", Department: "R&D\xff"},
			{Name: "lee", Role: "analyst", Scopes: []string{""}},
			{Name: "lee", Role: "analyst", Scopes: []string{long}},
		} {
			if _, err := db.CreateUser(ctx, u, ""); clientele.ErrorCode(err) != clientele.EINVALID {
				t.Errorf("CreateUser(%.40q) err = %v, want invalid", u.Name+"|"+u.DisplayName+"|"+u.Department, err)
			}
		}
		if _, err := db.UserByName(ctx, "lee"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("a refused user was stored: %v", err)
		}
		if _, err := db.UserByName(ctx, "nobody"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("UserByName(nobody) err = %v, want not found", err)
		}
		if _, err := db.CreateUser(ctx, clientele.User{Name: "ahn", Role: "analyst"}, ""); err != nil {
			t.Fatal(err)
		}
		users, err := db.Users(ctx)
		if err != nil || len(users) != 2 || users[0].Name != "ahn" || users[1].Name != "kim" || users[1].Role != "customer_manager" {
			t.Errorf("Users = %+v, %v; want ahn and kim, by name", users, err)
		}
	})
}

// A password is kept as an argon2id hash and checked against it; a wrong
// password, a missing user and a disabled one are refused alike.
func TestUserPasswords(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		hash, err := clientele.HashPassword("correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateUser(ctx, clientele.User{Name: "hana", Role: "cco"}, hash); err != nil {
			t.Fatal(err)
		}
		if u, err := db.CheckUserPassword(ctx, "hana", "correct horse battery"); err != nil || u.Name != "hana" || !u.HasPassword {
			t.Errorf("right password: %+v %v", u, err)
		}
		for _, tc := range []struct{ name, pw string }{{"hana", "wrong horse battery"}, {"nobody", "correct horse battery"}, {"hana", ""}} {
			if _, err := db.CheckUserPassword(ctx, tc.name, tc.pw); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED || err.Error() != "wrong user name or password" {
				t.Errorf("CheckUserPassword(%q, %q) = %v", tc.name, tc.pw, err)
			}
		}
		newHash, _ := clientele.HashPassword("a new passphrase")
		if err := db.SetPassword(ctx, "hana", newHash); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckUserPassword(ctx, "hana", "correct horse battery"); err == nil {
			t.Error("the old password still works")
		}
		if err := db.SetDisabled(ctx, "hana", true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CheckUserPassword(ctx, "hana", "a new passphrase"); err == nil {
			t.Error("a disabled user signs in")
		}
		if err := db.SetDisabled(ctx, "nobody", true); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("disable nobody: %v", err)
		}
	})
}

// A user's token acts with the user's role, follows a change of role, and
// stops when the user is disabled; a service token has a role of its own;
// a token made before tokens had users is an admin service token.
func TestUserTokens(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if _, err := db.CreateUser(ctx, clientele.User{Name: "mina", Role: "agent", Department: "customer service"}, ""); err != nil {
			t.Fatal(err)
		}
		mine, err := db.CreateUserToken(ctx, "mina's laptop", "mina")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := db.Authenticate(ctx, mine)
		if err != nil || tok.UserName != "mina" || tok.Role != "agent" || tok.UserID == 0 {
			t.Fatalf("user token: %+v %v", tok, err)
		}
		if err := db.SetRole(ctx, "mina", "customer_manager"); err != nil {
			t.Fatal(err)
		}
		if tok, _ = db.Authenticate(ctx, mine); tok.Role != "customer_manager" {
			t.Errorf("after set-role, the token acts as %s", tok.Role)
		}
		if err := db.SetRole(ctx, "mina", "emperor"); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("set-role emperor: %v", err)
		}
		if err := db.SetDisabled(ctx, "mina", true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Authenticate(ctx, mine); clientele.ErrorCode(err) != clientele.EUNAUTHORIZED {
			t.Errorf("a disabled user's token: %v", err)
		}
		if _, err := db.CreateUserToken(ctx, "another", "mina"); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("a token for a disabled user: %v", err)
		}
		svc, err := db.CreateServiceToken(ctx, "shop's write key", "integrator")
		if err != nil {
			t.Fatal(err)
		}
		if tok, err := db.Authenticate(ctx, svc); err != nil || tok.UserID != 0 || tok.Role != "integrator" {
			t.Errorf("service token: %+v %v", tok, err)
		}
		old, err := db.CreateToken(ctx, "from before")
		if err != nil {
			t.Fatal(err)
		}
		if tok, err := db.Authenticate(ctx, old); err != nil || tok.Role != "admin" {
			t.Errorf("a token as before: %+v %v", tok, err)
		}
		if _, err := db.CreateServiceToken(ctx, "x", "emperor"); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("a service token of no role: %v", err)
		}
	})
}
