package web

import (
	"io/fs"
	"regexp"
	"slices"
	"testing"

	"clientele/internal/i18n"
)

// Every key a template asks for is in the catalogue, and so are the keys
// the handlers choose at run time.
func TestTemplateKeysTranslated(t *testing.T) {
	keys := i18n.Keys()
	lit := regexp.MustCompile(`\.T\.T "([a-z_.]+)"`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatal(files, err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			if !slices.Contains(keys, m[1]) {
				t.Errorf("%s asks for %q, which has no text", f, m[1])
			}
		}
	}
	for _, k := range []string{"wrong_password", "too_many", "sign_in", "app"} {
		if !slices.Contains(keys, k) {
			t.Errorf("the handlers' key %q has no text", k)
		}
	}
}
