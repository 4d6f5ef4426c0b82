package clientele_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The numeric packages stay pure: no I/O, no network, no database, no
// logging and nothing internal, so that they can become modules of their own.
// Their own subpackages (clv/parallel) go with them, are held to the same
// rules, and are the only part of this module they may import.
func TestNumericPackagesArePure(t *testing.T) {
	forbidden := []string{"os", "os/exec", "net", "net/http", "database/sql", "log", "log/slog", "io/fs", "context", "syscall"}
	for _, dir := range []string{"clv", "clv/parallel", "equity"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.go"))
		if len(files) == 0 {
			if _, err := os.Stat(dir); os.IsNotExist(err) {
				continue // not written yet
			}
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			parsed, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
			if err != nil {
				t.Fatal(err)
			}
			for _, imp := range parsed.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbidden {
					if path == bad {
						t.Errorf("%s imports %s", f, path)
					}
				}
				root := "clientele/" + strings.Split(dir, "/")[0]
				own := path == root || strings.HasPrefix(path, root+"/")
				if strings.Contains(path, "/internal") || (strings.HasPrefix(path, "clientele/") && !own) || path == "clientele" {
					t.Errorf("%s imports %s", f, path)
				}
			}
		}
	}
}
