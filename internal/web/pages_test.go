package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"clientele"
	"clientele/internal/store/storetest"
)

// The login form: a browser without a session is sent to it; a form
// without the form's own token (another site's) is refused; a wrong
// password shows the form again with 401; the right one opens the home
// page with a session; signing out needs the session's CSRF token.
func TestLoginForm(t *testing.T) {
	for _, b := range storetest.Open(t) {
		t.Run(b.Name, func(t *testing.T) {
			ctx := context.Background()
			c, _ := start(t, b.DB)
			hash, _ := clientele.HashPassword("correct horse battery")
			if _, err := b.DB.CreateUser(ctx, clientele.User{Name: "yuna", Role: "customer_manager", Department: "customer management"}, hash); err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			browser := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			do := func(method, path string, form url.Values) (int, string, string) {
				t.Helper()
				var body io.Reader
				if form != nil {
					body = strings.NewReader(form.Encode())
				}
				req, _ := http.NewRequest(method, c.url+path, body)
				req.Header.Set("Accept", "text/html")
				if form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				resp, err := browser.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return resp.StatusCode, resp.Header.Get("Location"), string(b)
			}
			if code, loc, _ := do("GET", "/", nil); code != 303 || loc != "/login" {
				t.Fatalf("home without a session: %d → %q", code, loc)
			}
			code, _, page := do("GET", "/login", nil)
			m := regexp.MustCompile(`name="login_token" value="([^"]+)"`).FindStringSubmatch(page)
			if code != 200 || m == nil || !strings.Contains(page, `autocomplete="current-password"`) {
				t.Fatalf("login form: %d %s", code, page)
			}
			token := m[1]
			if code, _, page := do("POST", "/login", url.Values{"login_token": {"forged"}, "name": {"yuna"}, "password": {"correct horse battery"}}); code != 400 || !strings.Contains(page, "expired or did not come from this site") {
				t.Errorf("a forged form: %d %s", code, page)
			}
			code, _, page = do("POST", "/login", url.Values{"login_token": {token}, "name": {"yuna"}, "password": {"wrong password!"}})
			if code != 401 || !strings.Contains(page, "Wrong user name or password.") || !strings.Contains(page, `value="yuna"`) {
				t.Errorf("a wrong password: %d %s", code, page)
			}
			// The form shown again has a fresh token.
			token = regexp.MustCompile(`name="login_token" value="([^"]+)"`).FindStringSubmatch(page)[1]
			code, loc, _ := do("POST", "/login", url.Values{"login_token": {token}, "name": {"yuna"}, "password": {"correct horse battery"}})
			if code != 303 || loc != "/" {
				t.Fatalf("sign in: %d → %q", code, loc)
			}
			// Home opens the page a customer manager starts from.
			if code, loc, _ := do("GET", "/", nil); code != 303 || loc != "/segments" {
				t.Fatalf("home: %d → %q", code, loc)
			}
			code, _, page = do("GET", "/segments", nil)
			if code != 200 || !strings.Contains(page, "Signed in as yuna (customer manager)") {
				t.Fatalf("the segments page: %d %s", code, page)
			}
			if code, _, _ := do("POST", "/logout", url.Values{}); code != 403 {
				t.Errorf("sign out without the CSRF token: %d", code)
			}
			csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`).FindStringSubmatch(page)[1]
			if code, loc, _ := do("POST", "/logout", url.Values{"csrf_token": {csrf}}); code != 303 || loc != "/login" {
				t.Errorf("sign out: %d → %q", code, loc)
			}
			if code, loc, _ := do("GET", "/", nil); code != 303 || loc != "/login" {
				t.Errorf("home after signing out: %d → %q", code, loc)
			}
			// In Korean: from the browser's languages, then by choice.
			koreanReq, _ := http.NewRequest("GET", c.url+"/login", nil)
			koreanReq.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.5")
			resp, err := http.DefaultClient.Do(koreanReq)
			if err != nil {
				t.Fatal(err)
			}
			kb, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !strings.Contains(string(kb), `<html lang="ko">`) || !strings.Contains(string(kb), "Clientele 로그인") || resp.Header.Get("Content-Language") != "ko" {
				t.Errorf("login in Korean: %s %s", resp.Header.Get("Content-Language"), kb)
			}
			if _, _, page := do("GET", "/login?lang=ko", nil); !strings.Contains(page, "비밀번호") {
				t.Errorf("?lang=ko: %s", page)
			}
			if _, _, page := do("GET", "/login", nil); !strings.Contains(page, "비밀번호") {
				t.Errorf("the choice of Korean was not kept: %s", page)
			}
			// Both sign-ins, the failed and the good one, are in the audit log.
			es, _, err := b.DB.Audit(ctx, clientele.AuditFilter{UserName: "yuna"}, "")
			if err != nil || len(es) != 2 || es[0].Action != "login" || es[0].Reason != "" || es[1].Reason == "" {
				t.Errorf("audit of the sign-ins: %+v %v", es, err)
			}
		})
	}
}
