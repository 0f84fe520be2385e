package local

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
)

// The local Cloudflare is a stand-in for Cloudflare, not for lumier's client: it imports nothing
// from the client, so the two cannot share an invented shape.
func TestLocalImportsNothingFromTheClient(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
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
			if strings.Contains(imp.Path.Value, "lumier/internal/cfapi") {
				t.Errorf("%s imports %s: the local Cloudflare keeps its own wire types", f, imp.Path.Value)
			}
		}
	}
}
