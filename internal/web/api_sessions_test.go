package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"

	"clientele"
	"clientele/internal/store/storetest"
)

// A browser signs in with a name and password and gets an HttpOnly,
// SameSite cookie; reads work with it, a change only with the CSRF token;
// signing out, or disabling the user, stops the cookie at once; failed
// sign-ins are throttled with 429 and Retry-After.
func TestSessions(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			hash, _ := clientele.HashPassword("correct horse battery")
			if _, err := b.DB.CreateUser(ctx, clientele.User{Name: "hana", Role: "cco"}, hash); err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar}
			send := func(method, path, body string, header ...string) (int, http.Header, map[string]any) {
				t.Helper()
				req, _ := http.NewRequest(method, c.url+path, strings.NewReader(body))
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				for i := 0; i+1 < len(header); i += 2 {
					req.Header.Set(header[i], header[i+1])
				}
				resp, err := browser.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				var v map[string]any
				json.Unmarshal(b, &v)
				return resp.StatusCode, resp.Header, v
			}
			code, h, v := send("POST", "/api/v1/sessions", `{"name": "hana", "password": "correct horse battery"}`)
			cookie := h.Get("Set-Cookie")
			if code != 201 || !strings.Contains(cookie, "clientele_session=cls_") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Lax") {
				t.Fatalf("sign in: %d %v, cookie %q", code, v, cookie)
			}
			csrf, _ := v["csrf_token"].(string)
			if user, _ := v["user"].(map[string]any); user["role"] != "cco" || csrf == "" {
				t.Errorf("sign-in answer %v", v)
			}
			if code, _, v := send("GET", "/api/v1/stats", ""); code != 200 {
				t.Errorf("a read with the cookie: %d %v", code, v)
			}
			put := `{"name": "Ann"}`
			if code, _, v := send("PUT", "/api/v1/customers/c1", put); code != 403 || !strings.Contains(errorText(v), "CSRF") {
				t.Errorf("a change without the CSRF token: %d %v", code, v)
			}
			if code, _, v := send("PUT", "/api/v1/customers/c1", put, "X-CSRF-Token", csrf); code != 201 {
				t.Errorf("a change with the CSRF token: %d %v", code, v)
			}
			if code, _, v := send("DELETE", "/api/v1/sessions", "", "X-CSRF-Token", csrf); code != 200 {
				t.Fatalf("sign out: %d %v", code, v)
			}
			if code, _, _ := send("GET", "/api/v1/stats", ""); code != 401 {
				t.Errorf("after signing out: %d", code)
			}
			// Disabling the user stops a live session at once.
			send("POST", "/api/v1/sessions", `{"name": "hana", "password": "correct horse battery"}`)
			if code, _, _ := send("GET", "/api/v1/stats", ""); code != 200 {
				t.Fatalf("second session: %d", code)
			}
			if err := b.DB.SetDisabled(ctx, "hana", true); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := send("GET", "/api/v1/stats", ""); code != 401 {
				t.Errorf("a disabled user's session: %d", code)
			}
			// Throttling: five failures, then 429 even with the right password.
			if err := b.DB.SetDisabled(ctx, "hana", false); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				if code, _, v := send("POST", "/api/v1/sessions", `{"name": "hana", "password": "wrong horse battery"}`); code != 401 {
					t.Fatalf("failure %d: %d %v", i, code, v)
				}
			}
			code, h, v = send("POST", "/api/v1/sessions", `{"name": "hana", "password": "correct horse battery"}`)
			if code != 429 || h.Get("Retry-After") == "" || !strings.Contains(errorText(v), "too_many_requests") {
				t.Errorf("after five failures: %d Retry-After %q %v", code, h.Get("Retry-After"), v)
			}
		})
	}
}

// Hostile sign-ins are refused as what they are, never a 500: a NUL in the
// name, a password of a megabyte, the wrong JSON, an unknown field.
func TestSessionsHostileInput(t *testing.T) {
	db := storetest.Open(t)[0].DB
	c, _ := start(t, db)
	c.token = ""
	for body, want := range map[string]int{
		`{"name": "ha\u0000na", "password": "correct horse battery"}`:        401,
		`{"name": "hana", "password": "` + strings.Repeat("p", 1<<20) + `"}`: 401,
		`{"name": "` + strings.Repeat("n", 10000) + `", "password": "x"}`:    401,
		`["hana", "pw"]`: 400,
		`{"name": "hana", "password": "pw", "remember": true}`: 400,
	} {
		if code, v := c.do("POST", "/api/v1/sessions", body); code != want {
			t.Errorf("sign in with %.50s: %d %v, want %d", body, code, v, want)
		}
	}
}
