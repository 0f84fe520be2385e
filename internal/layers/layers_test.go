package layers

import (
	"fmt"
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

// localRanks are the layers inside local/ (docs/architecture.md, "The local Cloudflare's
// packages"), bottom first, by package path under the module. A package of local/ may import one
// of a lower rank only: the resource families and the developer aids know nothing of each other
// nor of the server that assembles them. A package of local/ missing here fails the test, so a
// new one is placed on the map.
var localRanks = map[string]int{
	"local/rules":    0,
	"local/storage":  0,
	"local/ids":      0,
	"local/loopback": 0,
	"local/workerd":  0,

	"local/envelope":            1,
	"local/storage/storagetest": 1,
	"local/scripts/scriptstest": 1,

	"local/fault":      2,
	"local/requestlog": 2,
	"local/calls":      2,
	"local/kv":         2,
	"local/r2":         2,
	"local/d1":         2,
	"local/queues":     2,
	"local/identity":   2,
	"local/tails":      2,
	"local/zones":      2,
	"local/schedules":  2,
	"local/workflows":  2,
	"local/analytics":  2,
	"local/subdomain":  2,

	"local/account": 3,

	"local/scripts": 4,
	"local/assets":  4,

	"local/runtime": 5,

	"local": 6,
}

// localBackImports lists the imports among local/'s packages that do not run down localRanks,
// from go list lines of "package import...".
func localBackImports(lines []string) []string {
	var bad []string
	for _, line := range lines {
		fields := strings.Fields(line)
		if len(fields) == 0 || topDir(fields[0]) != "local" {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		from, ok := localRanks[pkg]
		if !ok {
			bad = append(bad, pkg+" is not on the map of local/'s packages")
			continue
		}
		for _, imp := range fields[1:] {
			if topDir(imp) != "local" || !strings.HasPrefix(imp, module) {
				continue
			}
			dep := strings.TrimPrefix(imp, module)
			if to, ok := localRanks[dep]; ok && to >= from {
				bad = append(bad, fmt.Sprintf("%s (rank %d) imports %s (rank %d)", pkg, from, dep, to))
			}
		}
	}
	return bad
}

func TestLocalImportsRunDown(t *testing.T) {
	lines := goList(t, "-f", "{{.ImportPath}} {{join .Imports \" \"}}", module+"local/...")
	if len(lines) < len(localRanks) {
		t.Fatalf("go list found %d packages under local/, the map has %d", len(lines), len(localRanks))
	}
	for _, bad := range localBackImports(lines) {
		t.Errorf("%s: imports inside local/ run down the map of docs/architecture.md", bad)
	}
}

// A family importing the server, or another family, is reported; an import down the map is not.
func TestLocalBackImportReported(t *testing.T) {
	got := localBackImports([]string{
		module + "local/kv " + module + "local/envelope " + module + "local " + module + "local/r2",
		module + "local " + module + "local/kv",
		module + "local/newthing",
	})
	want := []string{
		"local/kv (rank 2) imports local (rank 6)",
		"local/kv (rank 2) imports local/r2 (rank 2)",
		"local/newthing is not on the map of local/'s packages",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
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
