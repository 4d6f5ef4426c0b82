package store_test

import (
	"testing"

	"clientele/internal/store"

	"clientele"
)

func TestUsers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		u, err := db.CreateUser(ctx, "  kim ", "customer_manager")
		if err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.Name != "kim" || u.Role != "customer_manager" {
			t.Errorf("CreateUser = %+v, want id set, name trimmed", u)
		}
		got, err := db.UserByName(ctx, "kim")
		if err != nil || got.ID != u.ID || got.Role != u.Role || !got.CreatedAt.Equal(u.CreatedAt.Truncate(1000)) {
			t.Errorf("UserByName = %+v, %v; want %+v", got, err, u)
		}
		for _, tc := range []struct {
			name, role, code string
		}{
			{"kim", "analyst", clientele.ECONFLICT},
			{"", "analyst", clientele.EINVALID},
			{"lee", "emperor", clientele.EINVALID},
		} {
			if _, err := db.CreateUser(ctx, tc.name, tc.role); clientele.ErrorCode(err) != tc.code {
				t.Errorf("CreateUser(%q, %q) err = %v, want %s", tc.name, tc.role, err, tc.code)
			}
		}
		if _, err := db.UserByName(ctx, "nobody"); clientele.ErrorCode(err) != clientele.ENOTFOUND {
			t.Errorf("UserByName(nobody) err = %v, want not found", err)
		}
		if _, err := db.CreateUser(ctx, "ahn", "analyst"); err != nil {
			t.Fatal(err)
		}
		users, err := db.Users(ctx)
		if err != nil || len(users) != 2 || users[0].Name != "ahn" || users[1].Name != "kim" || users[1].Role != "customer_manager" {
			t.Errorf("Users = %+v, %v; want ahn and kim, by name", users, err)
		}
	})
}
