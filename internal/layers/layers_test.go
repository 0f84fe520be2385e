package layers

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/lumier-dev/lumier/"

// ranks are the layers of docs/architecture.md, bottom first, by top directory. A package may
// import one of a lower layer, or of its own top directory; provider and local, side by side,
// know nothing of each other. Directories not listed (examples, e2e, sdk) are users of the
// layers, not part of them.
var ranks = map[string]int{
	"internal": 0,
	"provider": 1,
	"local":    1,
	"devtools": 2,
	"cmd":      3,
}

// goList runs go list with a template over the module's packages and returns its lines.
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	return strings.Split(strings.TrimSpace(string(out)), "\n")
}

func topDir(pkg string) string {
	dir, _, _ := strings.Cut(strings.TrimPrefix(pkg, module), "/")
	return dir
}

func TestEveryImportRunsDown(t *testing.T) {
	checked := 0
	for _, line := range goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"...") {
		fields := strings.Fields(line)
		pkg, imports := fields[0], fields[1:]
		from, ok := ranks[topDir(pkg)]
		if !ok {
			continue
		}
		checked++
		for _, imp := range imports {
			if !strings.HasPrefix(imp, module) {
				continue
			}
			to, ok := ranks[topDir(imp)]
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is no layer of docs/architecture.md", pkg, imp)
			case to > from || (to == from && topDir(imp) != topDir(pkg)):
				t.Errorf("%s (layer %d) imports %s (layer %d): imports run down the layers of docs/architecture.md, never up or sideways",
					pkg, from, imp, to)
			}
		}
	}
	if checked == 0 {
		t.Fatal("go list found no package of the layers")
	}
}

// The user's lumier binary (local, dev, types) links neither the bundler nor Pulumi's code
// generators: code generation is the developers' cmd/lumier-gen, bundling the provider's.
func TestTheLumierCommandLinksNoBundlerNorCodegen(t *testing.T) {
	deps := goList(t, "-deps", module+"cmd/lumier")
	for _, heavy := range []string{"github.com/evanw/esbuild/", "github.com/pulumi/pulumi/pkg/", module + "provider", module + "devtools/"} {
		if i := slices.IndexFunc(deps, func(d string) bool { return strings.HasPrefix(d, heavy) }); i >= 0 {
			t.Errorf("cmd/lumier links %s; it must not link %s", deps[i], heavy)
		}
	}
	if !slices.Contains(deps, module+"local") {
		t.Errorf("cmd/lumier's dependencies lack %slocal: is go list reading the right module?", module)
	}
}
