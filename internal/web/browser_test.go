package web_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"clientele"
	"clientele/internal/store/storetest"
)

// envChromium names the variable that switches the browser tests on: the
// path of a Chromium (or Chrome) binary.
const envChromium = "CLIENTELE_TEST_CHROMIUM"

// browser returns a chromedp context on a headless Chromium, or skips t
// when envChromium is not set; set, a browser that does not start fails t.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		t.Skipf("browser tests skipped: set %s to a Chromium binary (e.g. /usr/bin/chromium) to run them", envChromium)
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Fatalf("%s is set to %q, which is not an executable: %v", envChromium, path, err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("lang", "en-US"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s is set but Chromium does not start: %v", envChromium, err)
	}
	return ctx
}

// page drives a browser tab for a test: each step fails the test.
type page struct {
	t   *testing.T
	ctx context.Context
}

func (p page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

func (p page) get(a chromedp.Action[string]) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, a)
	if err != nil {
		p.t.Fatal(err)
	}
	return v
}

// shot saves the tab as NAME.png in the directory
// CLIENTELE_TEST_SCREENSHOTS names, when it is set, to be looked at.
func (p page) shot(name string) {
	p.t.Helper()
	dir := os.Getenv("CLIENTELE_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	b, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// In a real browser: a visit to / lands on the login form; signing in
// opens the home page; the language switch shows it in Korean and is kept
// on the next page; signing out returns to the form, and / is closed again.
func TestBrowserLogin(t *testing.T) {
	ctx := browser(t)
	b := storetest.Open(t)[0]
	c, _ := start(t, b.DB)
	hash, _ := clientele.HashPassword("correct horse battery")
	if _, err := b.DB.CreateUser(context.Background(), clientele.User{Name: "yuna", Role: "customer_manager", Department: "customer management"}, hash); err != nil {
		t.Fatal(err)
	}
	pg := page{t, ctx}
	do, get, shot := pg.do, pg.get, pg.shot
	do(chromedp.EmulateViewport(1024, 700))
	do(chromedp.Navigate(c.url+"/"), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	shot("login-en")
	url, heading := get(chromedp.Location()), get(chromedp.Text(chromedp.CSS(`h1`)))
	do(chromedp.SendKeys(chromedp.CSS(`#name`), "yuna"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "correct horse battery"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	home := get(chromedp.Text(chromedp.CSS(`header`)))
	shot("home-en")
	do(chromedp.Navigate(c.url+"/segments?lang=ko"), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	korean := get(chromedp.Text(chromedp.CSS(`header`)))
	shot("home-ko")
	do(chromedp.Navigate(c.url+"/"), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	kept := get(chromedp.Text(chromedp.CSS(`form[action="/logout"] button`)))
	do(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	shot("login-ko")
	if !strings.HasSuffix(url, "/login") || heading != "Sign in to Clientele" {
		t.Errorf("the first page: %s, %q", url, heading)
	}
	if !strings.Contains(home, "Signed in as yuna (customer manager)") {
		t.Errorf("home: %q", home)
	}
	if !strings.Contains(korean, "고객 관리자") || !strings.Contains(kept, "로그아웃") {
		t.Errorf("in Korean: %q, then %q", korean, kept)
	}
	do(chromedp.Navigate(c.url+"/"), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	if after := get(chromedp.Location()); !strings.HasSuffix(after, "/login") {
		t.Errorf("after signing out, / went to %s", after)
	}
}
