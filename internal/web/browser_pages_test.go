package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"clientele"
	"clientele/internal/rules"
	"clientele/internal/store"
	"clientele/internal/store/storetest"
)

// In a real browser, as every role that signs in: the menu offers the
// pages the role may open, and each opens, in English and in Korean, with
// every label translated (no key shown bare), and a brand manager's and an
// analyst's pages hold none of the customer's personal data; an agent
// cannot open the overview; a note and a rating are submitted through the
// forms; the language chosen in the form is kept for the user. With
// CLIENTELE_TEST_SCREENSHOTS naming a directory, every page is saved there
// in both languages.
func TestBrowserPages(t *testing.T) {
	ctx := browser(t)
	b := storetest.Open(t)[0]
	db := b.DB
	c, _ := start(t, db)
	policyFixture(t, db)
	engine, err := rules.New(context.Background(), db, "USD")
	if err != nil {
		t.Fatal(err)
	}
	engineFixture(t, db, engine)
	// A decision about the fixture's customer, for the engine's page: a
	// web visit fires a trigger (without consent, nothing is sent).
	visit := clientele.NewTrigger()
	visit.Name, visit.On, visit.When, visit.Then, visit.Holdout = "visit", []string{"event:web_visit"}, "true", []string{"wipes"}, 0
	if _, err := db.PutTrigger(context.Background(), visit, "test"); err != nil {
		t.Fatal(err)
	}
	if err := engine.Reload(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.SetEngine(engine)
	err = db.Write(context.Background(), func(w *store.Writer) error {
		_, err := w.Events(context.Background(), []clientele.Event{{ID: "e-live", CustomerID: "cust-0417", Type: "web_visit", Time: time.Now().UTC().Truncate(time.Second)}}, nil)
		return err
	})
	db.SetEngine(nil)
	if err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery"
	hash, _ := clientele.HashPassword(password)
	for _, role := range clientele.Roles {
		if role != "integrator" {
			if err := db.SetPassword(context.Background(), "u-"+role, hash); err != nil {
				t.Fatal(err)
			}
		}
	}
	pg := page{t, ctx}
	do, get, shot := pg.do, pg.get, pg.shot
	signIn := func(user string) {
		t.Helper()
		do(chromedp.Navigate(c.url+"/login?lang=en"), chromedp.WaitVisible(chromedp.CSS(`#name`)),
			chromedp.SendKeys(chromedp.CSS(`#name`), user), chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)))
	}
	signOut := func() {
		t.Helper()
		do(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`#name`)))
	}
	bareKey := regexp.MustCompile(`\[[a-z_]+(\.[a-z_]+)*\]`)
	hangul := regexp.MustCompile(`\p{Hangul}`)
	do(chromedp.EmulateViewport(1280, 900))
	wantMenu := map[string][]string{
		"admin":            {"/overview", "/portfolio", "/customers", "/segments", "/brands", "/models", "/sharing", "/engine", "/admin", "/audit"},
		"cco":              {"/overview", "/portfolio", "/customers", "/segments", "/brands", "/models", "/sharing", "/engine", "/audit"},
		"customer_manager": {"/overview", "/portfolio", "/customers", "/segments", "/brands", "/sharing", "/engine"},
		"brand_manager":    {"/overview", "/portfolio", "/segments", "/brands", "/sharing", "/engine"},
		"agent":            {"/customers"},
		"analyst":          {"/overview", "/portfolio", "/segments", "/brands", "/models", "/sharing", "/engine"},
	}
	// Pages behind the menu's: the customer and the segment.
	more := map[string][]string{
		"admin":            {"/customers?q=cust-0417", "/customers/cust-0417", "/segments/vip"},
		"cco":              {"/customers?q=syoon", "/customers/cust-0417", "/segments/vip"},
		"customer_manager": {"/customers/cust-0417", "/segments/vip"},
		"agent":            {"/customers?q=syoon@example.net&reason=call+0001", "/customers/cust-0417?reason=call+0001"},
		"analyst":          {"/segments/vip"},
	}
	for _, role := range clientele.Roles {
		if role == "integrator" {
			continue
		}
		signIn("u-" + role)
		landed := get(chromedp.Location())
		var menu []string
		links, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("nav.menu a")).map(a => a.getAttribute("href"))`))
		if err != nil {
			t.Fatal(err)
		}
		menu = links
		if fmt.Sprint(menu) != fmt.Sprint(wantMenu[role]) {
			t.Errorf("%s's menu: %v, want %v", role, menu, wantMenu[role])
		}
		if len(menu) > 0 && !strings.HasSuffix(landed, menu[0]) && role != "customer_manager" && role != "brand_manager" && role != "analyst" {
			t.Errorf("%s landed on %s", role, landed)
		}
		for _, p := range append(menu, more[role]...) {
			for _, lang := range []string{"en", "ko"} {
				sep := "?"
				if strings.Contains(p, "?") {
					sep = "&"
				}
				do(chromedp.Navigate(c.url+p+sep+"lang="+lang), chromedp.WaitVisible(chromedp.CSS(`main`)))
				text := get(chromedp.Text(chromedp.CSS(`body`)))
				html := get(chromedp.OuterHTML(chromedp.CSS(`html`)))
				name := strings.Trim(strings.NewReplacer("/", "-", "?", "-", "&", "-", "=", "-", "+", "-", "@", "-").Replace(p), "-")
				shot(role + "-" + name + "-" + lang)
				if k := bareKey.FindString(text); k != "" {
					t.Errorf("%s %s (%s): a key without its text: %s", role, p, lang, k)
				}
				if strings.Contains(html, `"code":"`) || strings.Contains(text, "Something went wrong") || strings.Contains(text, "문제가 발생했습니다") {
					t.Errorf("%s %s (%s): an error page: %s", role, p, lang, text)
				}
				// The headings are the page's words (a customer's name is not).
				heads, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Array.from(document.querySelectorAll("main h1, main h2")).map(h => h.textContent).join(" | ")`))
				if err != nil {
					t.Fatal(err)
				}
				if lang == "ko" && (!hangul.MatchString(heads) || !strings.Contains(html, `lang="ko"`)) {
					t.Errorf("%s %s in Korean: heading %q", role, p, heads)
				}
				if role == "brand_manager" || role == "analyst" {
					for _, pii := range personal {
						if strings.Contains(html, pii) {
							t.Errorf("%s %s (%s): the page holds %q", role, p, lang, pii)
						}
					}
				}
			}
		}
		if role == "agent" {
			do(chromedp.Navigate(c.url+"/overview?lang=en"), chromedp.WaitVisible(chromedp.CSS(`main`)))
			if text := get(chromedp.Text(chromedp.CSS(`main`))); !strings.Contains(text, "role agent may not") {
				t.Errorf("the overview as an agent: %q", text)
			}
		}
		signOut()
	}

	// Forms: a note on the customer, a rating of it, as the CCO; the
	// language chosen in the header's form is the user's from then on.
	signIn("u-cco")
	// until waits for a condition in the page the form's answer opened.
	until := func(cond string) {
		t.Helper()
		var err error
		for range 20 { // a poll started before the navigation ends with it
			if _, err = chromedp.Run(ctx, chromedp.Poll[bool](cond)); err == nil {
				return
			}
			chromedp.Do(ctx, chromedp.Sleep(100*time.Millisecond))
		}
		t.Fatalf("waiting for %s: %v", cond, err)
	}
	do(chromedp.Navigate(c.url+"/customers/cust-0417"), chromedp.WaitVisible(chromedp.CSS(`#note-text`)),
		chromedp.SendKeys(chromedp.CSS(`#note-text`), "Asked about the platinum card; call back in March."),
		chromedp.Click(chromedp.CSS(`form[action$="/notes"] button`)))
	until(`document.querySelector("#notes") !== null && document.querySelector("#notes").textContent.includes("platinum card")`)
	notes := get(chromedp.Text(chromedp.CSS(`#notes`)))
	if !strings.Contains(notes, "platinum card") || !strings.Contains(notes, "Not rated yet") {
		t.Errorf("after adding a note: %q", notes)
	}
	do(chromedp.SetValue(chromedp.CSS(`.notes select`), "4"), chromedp.Click(chromedp.CSS(`.notes form button`)))
	until(`document.querySelector("#notes") !== null && document.querySelector("#notes").textContent.includes("Rated 4.0")`)
	if notes := get(chromedp.Text(chromedp.CSS(`#notes`))); !strings.Contains(notes, "Rated 4.0 of 5 by 1 colleagues") {
		t.Errorf("after rating the note: %q", notes)
	}
	shot("cco-customer-after-note-en")
	do(chromedp.SetValue(chromedp.CSS(`#lang-choice`), "ko"), chromedp.Click(chromedp.CSS(`form.lang button`)))
	until(`document.documentElement.lang === "ko"`)
	signOut()
	signIn("u-cco") // the login form asked for English; the user's setting wins on its pages
	do(chromedp.Navigate(c.url+"/overview"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	if h := get(chromedp.Text(chromedp.CSS(`h1`))); h != "개요" {
		t.Errorf("the CCO's setting is Korean, the overview's heading is %q", h)
	}
	// A tablet's width: the pages fit it, tables scrolling inside their
	// box rather than the page sideways.
	do(chromedp.EmulateViewport(768, 1024))
	for _, p := range []string{"/overview", "/customers/cust-0417", "/brands"} {
		do(chromedp.Navigate(c.url+p), chromedp.WaitVisible(chromedp.CSS(`main`)))
		fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`))
		if err != nil || !fits {
			t.Errorf("%s at a tablet's width: wider than the screen (%v)", p, err)
		}
		shot("cco-tablet" + strings.ReplaceAll(p, "/", "-") + "-ko")
	}
	do(chromedp.EmulateViewport(1280, 900), chromedp.Navigate(c.url+"/overview"), chromedp.WaitVisible(chromedp.CSS(`main`)))
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#t-segments tbody tr")).map(r => r.textContent)`))
	if err != nil || len(rows) == 0 || !strings.Contains(rows[0], "vip") {
		t.Errorf("the overview's segments: %v %v", rows, err)
	}
}
