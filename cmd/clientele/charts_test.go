package main_test

import (
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkCharts reads every SVG chart in dir and checks what makes it
// deck-ready: a sans-serif face (the pages around it are), tick labels
// without scientific notation, and shares in per cent on the charts of
// shares; it returns the charts' texts by file.
func checkCharts(t *testing.T, dir string, percent ...string) map[string][]string {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "*.svg"))
	if len(paths) == 0 {
		t.Fatalf("no SVG charts in %s", dir)
	}
	out := map[string][]string{}
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(f)
		var texts []string
		inText := false
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: not SVG: %v", p, err)
			}
			switch e := tok.(type) {
			case xml.StartElement:
				if e.Name.Local == "text" {
					inText = true
					for _, a := range e.Attr {
						if a.Name.Local == "style" && strings.Contains(a.Value, "Serif") && !strings.Contains(a.Value, "Sans") {
							t.Errorf("%s: a serif face: %s", p, a.Value)
						}
					}
				}
			case xml.EndElement:
				inText = false
			case xml.CharData:
				if inText {
					texts = append(texts, string(e))
				}
			}
		}
		f.Close()
		name := strings.TrimSuffix(filepath.Base(p), ".svg")
		out[name] = texts
		for _, s := range texts {
			if strings.Contains(s, "e+") || strings.Contains(s, "e-0") {
				t.Errorf("%s: a tick label in scientific notation: %q", p, s)
			}
		}
	}
	for _, name := range percent {
		found := false
		for _, s := range out[name] {
			found = found || strings.HasSuffix(s, " %")
		}
		if !found {
			t.Errorf("chart %s has no per-cent labels: %q", name, out[name])
		}
	}
	return out
}
