package clientele_test

import (
	"strings"
	"testing"

	"clientele"
)

// Passwords hash to argon2id PHC strings, salted (two hashes of one
// password differ), and check only against themselves; a malformed or
// tampered hash matches nothing; too short or too long a password is
// refused.
func TestPasswords(t *testing.T) {
	h1, err := clientele.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := clientele.HashPassword("correct horse battery")
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=65536,t=3,p=2$") || h1 == h2 {
		t.Errorf("hashes %q, %q", h1, h2)
	}
	if !clientele.CheckPassword(h1, "correct horse battery") || clientele.CheckPassword(h1, "correct horse batterY") {
		t.Error("the check does not tell the password")
	}
	tampered := h1[:len(h1)-2] + "AA"
	for _, h := range []string{"", "plain", tampered, strings.Replace(h1, "argon2id", "argon2i", 1), strings.Replace(h1, "m=65536", "m=0", 1)} {
		if clientele.CheckPassword(h, "correct horse battery") {
			t.Errorf("hash %q matches", h)
		}
	}
	for _, pw := range []string{"short", strings.Repeat("x", clientele.MaxPasswordLength+1), "ten chars\x00!"} {
		if _, err := clientele.HashPassword(pw); clientele.ErrorCode(err) != clientele.EINVALID {
			t.Errorf("HashPassword(%.20q) = %v", pw, err)
		}
	}
}
