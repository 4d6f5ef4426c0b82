package rules_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"clientele"
	"clientele/internal/delivery"
	"clientele/internal/rules"
)

// A condition either compiles or is refused as invalid, with a position
// when CEL found one; it never panics, and a compiled one evaluates
// without panicking.
func FuzzCompile(f *testing.F) {
	for _, s := range []string{`first("product:BABY-DIAPER")`, `count("brand:Basics", "90d") >= 3 && !seen("brand:Harbor")`,
		`event.properties.status == "married"`, `sum("purchase", "4w") > 10.0`, `count("a", "0d") > 1`, `"x" in segments`,
		`days_since("purchase") > 30 && customer.tier == "gold"`, `count("a", "99999999999999999999d") > 0`, `first(`, "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := rules.Compile("trigger", expr)
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Fatalf("Compile(%q): %v is not invalid", expr, err)
			}
			return
		}
		if p.MaxDays < 0 || p.MaxDays > 400 {
			t.Fatalf("Compile(%q): window of %d days", expr, p.MaxDays)
		}
	})
}

// A window parses to a positive span within the bound whose String parses
// back to itself, or is refused.
func FuzzParseWindow(f *testing.F) {
	for _, s := range []string{"30d", "12w", "24h", "0d", "-1d", "+3d", "1y", "3660d", "3661d", "9223372036854775807w", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		w, err := clientele.ParseWindow(s)
		if err != nil {
			return
		}
		if w <= 0 || w > clientele.MaxWindow {
			t.Fatalf("ParseWindow(%q) = %v, out of range", s, time.Duration(w))
		}
		back, err := clientele.ParseWindow(w.String())
		if err != nil || back != w {
			t.Fatalf("ParseWindow(%q) = %v, whose String %q parses to %v, %v", s, time.Duration(w), w.String(), time.Duration(back), err)
		}
	})
}

// Only the body the secret signed, with its id and timestamp, verifies.
func FuzzVerify(f *testing.F) {
	secret := delivery.NewSecret()
	f.Add("msg-1", []byte(`{"a":1}`), int64(0), "")
	f.Add("", []byte{}, int64(-400), "v1,AAAA")
	f.Fuzz(func(t *testing.T, id string, body []byte, skew int64, forged string) {
		if strings.ContainsAny(id, "\r\n") || id == "" {
			return
		}
		now := time.Now()
		ts := now.Add(time.Duration(skew%1000) * time.Second)
		sig, err := delivery.Sign(secret, id, ts, body)
		if err != nil {
			t.Fatal(err)
		}
		h := http.Header{}
		h.Set("webhook-id", id)
		h.Set("webhook-timestamp", strconv.FormatInt(ts.Unix(), 10))
		h.Set("webhook-signature", sig)
		got, err := delivery.Verify(secret, h, body, now)
		inTime := now.Sub(time.Unix(ts.Unix(), 0)).Abs() <= delivery.Tolerance
		if inTime != (err == nil) || (err == nil && got != id) {
			t.Fatalf("id %q skew %ds: verified %v (%q), in time %v", id, skew%1000, err, got, inTime)
		}
		if forged != "" && forged != sig {
			h.Set("webhook-signature", forged)
			if _, err := delivery.Verify(secret, h, body, now); err == nil {
				t.Fatalf("a forged signature %q verified", forged)
			}
		}
	})
}

// A playbook is loaded whole or not at all: a refused one changes nothing
// (the engine's version, which every stored change raises, stays), and a
// loaded one is there item by item, its new trigger versions and its
// offers raising the version.
func FuzzPlaybook(f *testing.F) {
	f.Add(string(rules.ArticlePlaybook))
	f.Add(`{"offers":[{"code":"a","class":"sales","channel":"email"}],"triggers":[{"name":"t","when":"true","then":["a"]}]}`)
	f.Add(`{"offers":[{"code":"a","class":"sales","channel":"email"}],"triggers":[{"name":"t","when":"true &&","then":["a"]}]}`)
	f.Add(`{"offers":[],"triggers":[{"name":"t","when":"true","then":["missing"]}]}`)
	f.Add(`{"contact_policy":{"per_7_days":9,"per_30_days":1,"max_offers_per_message":3},"offers":[],"triggers":[]}`)
	db := storetestDB(f)
	e, err := rules.New(f.Context(), db, "USD")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		ctx := t.Context()
		before, err := db.EngineVersion(ctx)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.LoadPlaybook(ctx, []byte(doc), "fuzz")
		after, verr := db.EngineVersion(ctx)
		if verr != nil {
			t.Fatal(verr)
		}
		if err != nil {
			if clientele.ErrorCode(err) != clientele.EINVALID {
				t.Fatalf("LoadPlaybook: %v is not invalid", err)
			}
			if after != before {
				t.Fatalf("a refused playbook changed the engine (version %d → %d): %v", before, after, err)
			}
			return
		}
		offers, err := db.Offers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		// A trigger loaded as it is stored makes no new version (the fuzzer
		// found one: the same trigger again, its name's key in other case),
		// so only offers and new versions must move the engine's version.
		triggers, err := db.Triggers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if res.Offers > len(offers) || res.Triggers > len(triggers) || res.Versions > res.Triggers || (res.Offers+res.Versions > 0 && after == before) {
			t.Fatalf("loaded %+v, but the catalogue holds %d offers and %d triggers and the version went %d → %d", res, len(offers), len(triggers), before, after)
		}
	})
}
