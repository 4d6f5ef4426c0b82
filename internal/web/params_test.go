package web

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// utf8Body passes valid UTF-8 whole, however the reads cut its runes, and
// fails at invalid bytes, a rune cut off by the end, or an overlong form.
func TestUTF8Body(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{`{"name":"서연 윤 ✓ 𝄞"}`, true},
		{"", true},
		{"abc\xff", false},
		{"한\xed\x9f", false},    // cut off by the end
		{"\xc0\xaf", false},     // overlong
		{"\xed\xa0\x80", false}, // a surrogate
		{strings.Repeat("가", 5000), true},
	} {
		for name, r := range map[string]io.Reader{"whole": strings.NewReader(c.in), "byte by byte": iotest.OneByteReader(strings.NewReader(c.in)),
			"halves": iotest.HalfReader(strings.NewReader(c.in))} {
			got, err := io.ReadAll(&utf8Body{ReadCloser: io.NopCloser(r)})
			switch {
			case c.ok && (err != nil || string(got) != c.in):
				t.Errorf("%q %s: %v, %d bytes", c.in, name, err, len(got))
			case !c.ok && !errors.Is(err, errNotUTF8):
				t.Errorf("%q %s: %v, want errNotUTF8", c.in, name, err)
			}
		}
	}
}

// FuzzUTF8Body: the body is accepted exactly when it is valid UTF-8, and
// comes through unchanged, whatever the reads' sizes.
func FuzzUTF8Body(f *testing.F) {
	for _, s := range []string{"", "a", "한국어", "\xff", "한\xed", "\xf0\x9d\x84\x9e"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := io.ReadAll(&utf8Body{ReadCloser: io.NopCloser(iotest.HalfReader(strings.NewReader(string(data))))})
		if valid := utf8.Valid(data); valid != (err == nil) {
			t.Fatalf("%q: valid %v, error %v", data, valid, err)
		}
		if err == nil && string(got) != string(data) {
			t.Fatalf("%q came through as %q", data, got)
		}
	})
}
