package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
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
	// The handlers' keys: t.T("key", …) and the label keys of cols(t,
	// "csv_key", "label.key", …).
	call := regexp.MustCompile(`\bT\("([a-z_.]+)"`)
	colsCall := regexp.MustCompile(`cols\(t((?:,\s*"[a-z_#]+",\s*"[a-z_.]+")+)`)
	label := regexp.MustCompile(`"[a-z_#]+",\s*"([a-z_.]+)"`)
	sources, err := filepath.Glob("*.go")
	if err != nil || len(sources) == 0 {
		t.Fatal(sources, err)
	}
	for _, f := range sources {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var used []string
		for _, m := range call.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasSuffix(m[1], ".") { // a prefix: "role." + role
				used = append(used, m[1])
			}
		}
		for _, m := range colsCall.FindAllStringSubmatch(string(b), -1) {
			for _, l := range label.FindAllStringSubmatch(m[1], -1) {
				used = append(used, l[1])
			}
		}
		for _, k := range used {
			if !slices.Contains(keys, k) {
				t.Errorf("%s asks for %q, which has no text", f, k)
			}
		}
	}
	for _, k := range []string{"wrong_password", "too_many", "sign_in", "app"} {
		if !slices.Contains(keys, k) {
			t.Errorf("the handlers' key %q has no text", k)
		}
	}
}
