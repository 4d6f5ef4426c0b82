package i18n

import (
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"clientele"
)

// Every key has a text in every language, with the same formatting verbs.
func TestEveryKeyTranslated(t *testing.T) {
	for key, m := range messages {
		for i, s := range m {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s has no %s text", key, Languages[i])
			}
		}
		if strings.Count(m[0], "%") != strings.Count(m[1], "%") {
			t.Errorf("%s: the texts have different verbs: %q, %q", key, m[0], m[1])
		}
	}
	for _, role := range clientele.Roles {
		if _, ok := messages["role."+role]; !ok {
			t.Errorf("role %s has no name", role)
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		choice, accept string
		want           language.Tag
	}{
		{"", "", language.English},
		{"", "ko-KR,ko;q=0.9,en-US;q=0.8", language.Korean},
		{"", "en-GB,en;q=0.9", language.English},
		{"", "fr-FR,fr;q=0.9", language.English},
		{"", "fr;q=0.9,ko;q=0.5", language.Korean},
		{"ko", "en", language.Korean},
		{"en", "ko", language.English},
		{"klingon!", "ko", language.Korean},
		{"", "*;q=0.1,,;;", language.English},
	} {
		if got := Match(c.choice, c.accept); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.choice, c.accept, got, c.want)
		}
	}
}

func TestT(t *testing.T) {
	ko := For(language.Korean)
	if got := ko.T("too_many", 3); got != "로그인 실패가 너무 많습니다. 3분 후에 다시 시도하세요." {
		t.Errorf("Korean too_many: %q", got)
	}
	if got := For(language.English).T("no.such.key"); got != "[no.such.key]" {
		t.Errorf("a missing key: %q", got)
	}
}

func TestFormats(t *testing.T) {
	en, ko := For(language.English), For(language.Korean)
	day := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{en.Money(176583600, "KRW"), "₩ 176,583,600"},
		{ko.Money(176583600, "KRW"), "₩ 176,583,600"},
		{en.Money(123450, "USD"), "$ 1,234.50"},
		{ko.Money(123450, "USD"), "US$ 1,234.50"},
		{en.Money(-5, "USD"), "$ -0.05"},
		{en.Money(1000, "XYZ"), "10.00 XYZ"},
		{en.Number(1234567.891, 1), "1,234,567.9"},
		{ko.Number(0.5, 2), "0.50"},
		{en.Date(day), "2 December 2026"},
		{ko.Date(day), "2026년 12월 2일"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
