package i18n

import (
	"strings"
	"testing"

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
