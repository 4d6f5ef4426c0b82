package clientele_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"clientele"
)

// withRegion sets the phone region for a test and restores it after.
func withRegion(t *testing.T, region string) {
	t.Helper()
	old := clientele.PhoneRegion()
	if err := clientele.SetPhoneRegion(region); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { clientele.SetPhoneRegion(old) })
}

// With a region, a phone number is one identity however it is written:
// the national form, the international one, with spaces or dashes; without
// one, only its digits are kept, as before.
func TestNormalizePhone(t *testing.T) {
	for _, tc := range []struct {
		region, in, want string
	}{
		{"KR", "010-1234-5678", "+821012345678"},
		{"KR", "+82 10-1234-5678", "+821012345678"},
		{"KR", "+82 (0)10 1234 5678", "+821012345678"},
		{"KR", "02-312-3456", "+8223123456"},
		{"US", "(415) 555-2671", "+14155552671"},
		{"KR", "+1 415 555 2671", "+14155552671"},
		{"", "010-1234-5678", "01012345678"},
		{"", "+82 10-1234-5678", "+821012345678"},
		{"KR", "12", ""},
		{"KR", "call me", ""},
		{"KR", "12345", "12345"}, // not a valid Korean number: its digits
	} {
		withRegion(t, tc.region)
		if got := clientele.NormalizePhone(tc.in); got != tc.want {
			t.Errorf("region %q: NormalizePhone(%q) = %q, want %q", tc.region, tc.in, got, tc.want)
		}
	}
	withRegion(t, "KR")
	if diff := cmp.Diff([]string{"+821012345678", "01012345678"}, clientele.PhoneForms("010-1234-5678")); diff != "" {
		t.Errorf("forms (-want +got):\n%s", diff)
	}
	if err := clientele.SetPhoneRegion("Korea"); err == nil {
		t.Error("region Korea accepted")
	}
}
