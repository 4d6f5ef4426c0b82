package web

import (
	"crypto/aes"
	"crypto/cipher"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
)

type redactInner struct {
	ID    string `personal:"id"`
	Email string `personal:"data"`
	Note  string
}

type redactOuter struct {
	Items  []redactInner
	One    *redactInner
	ByName map[string]redactInner
	Any    any
	Next   string       `personal:"cursor"`
	Self   *redactOuter // a recursive type
}

func testAccess(t *testing.T, d disclosure) *access {
	t.Helper()
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return &access{who: &clientele.Principal{TokenID: 7, Role: "analyst"}, disclosure: d, keys: &accessKeys{pseudonym: []byte("k"), cursor: aead}}
}

// Redaction reaches personal fields wherever they sit — slices, pointers,
// maps, interfaces — and copies rather than changes what it is given.
func TestRedact(t *testing.T) {
	in := func() redactOuter {
		x := redactInner{ID: "c1", Email: "a@b.c", Note: "kept"}
		return redactOuter{Items: []redactInner{x}, One: &x, ByName: map[string]redactInner{"x": x}, Any: x, Next: "cust-000417", Self: &redactOuter{One: &x}}
	}
	orig := in()
	a := testAccess(t, disclosePseudonyms)
	got := redact(orig, a).(redactOuter)
	if diff := cmp.Diff(in(), orig); diff != "" {
		t.Errorf("the value given was changed (-before +after):\n%s", diff)
	}
	p := a.pseudonym("c1")
	want := redactInner{ID: p, Note: "kept"}
	for name, x := range map[string]redactInner{"slice": got.Items[0], "pointer": *got.One, "map": got.ByName["x"], "interface": got.Any.(redactInner), "recursive": *got.Self.One} {
		if diff := cmp.Diff(want, x); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	if !strings.HasPrefix(got.Next, "s_") || strings.Contains(got.Next, "cust-000417") {
		t.Errorf("cursor %q", got.Next)
	}
	// An integrator keeps ids, loses data.
	id := redact(in(), testAccess(t, discloseIdentity)).(redactOuter)
	if id.Items[0].ID != "c1" || id.Items[0].Email != "" {
		t.Errorf("identity disclosure: %+v", id.Items[0])
	}
}

type freshType struct {
	Email string `personal:"data"`
	More  []*freshType
}

// Many requests meeting a type for the first time at once all redact it:
// no goroutine may take a type for clean while another is still walking it.
func TestRedactFirstUseConcurrently(t *testing.T) {
	a := testAccess(t, disclosePseudonyms)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			got := redact(freshType{Email: "a@b.c", More: []*freshType{{Email: "d@e.f"}}}, a).(freshType)
			if got.Email != "" || got.More[0].Email != "" {
				t.Errorf("not redacted: %+v", got)
			}
		})
	}
	wg.Wait()
}
