package provider

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/lumier-dev/lumier/internal/workeroption"
)

// notOptions are the fields of the option structs that are not Worker options: names, the
// declaration's position, and values the provider computes.
var notOptions = []string{"name", "at", "scriptName", "codeHash", "owner", "assetsHash"}

// TestWorkerOptionsRegistry fails when an option is declared on one of the provider's structs, the
// Go helper's or the TypeScript helper's WorkerOptions and not in internal/workeroption (or there
// and not here):
// the registry is what merges and carries options, so an option missing from it would be dropped.
func TestWorkerOptionsRegistry(t *testing.T) {
	for _, s := range []struct {
		place workeroption.Place
		typ   reflect.Type
	}{
		{workeroption.App, reflect.TypeFor[AppWorker]()},
		{workeroption.Worker, reflect.TypeFor[WorkerArgs]()},
		{workeroption.Script, reflect.TypeFor[ScriptArgs]()},
	} {
		fields := map[string]string{} // schema name -> Go name
		for f := range s.typ.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("pulumi"), ",")
			if !slices.Contains(notOptions, name) {
				fields[name] = f.Name
			}
		}
		for _, o := range workeroption.Options {
			goName, ok := fields[o.Name]
			switch {
			case o.Is(s.place) && !ok:
				t.Errorf("internal/workeroption declares %q on %s, which has no field tagged %q", o.Name, s.typ.Name(), o.Name)
			case o.Is(s.place) && goName != o.GoName:
				t.Errorf("%s's %q is field %s; internal/workeroption says %s", s.typ.Name(), o.Name, goName, o.GoName)
			case !o.Is(s.place) && ok:
				t.Errorf("%s has option %q, which internal/workeroption does not place on it", s.typ.Name(), o.Name)
			}
			delete(fields, o.Name)
		}
		for name := range fields {
			t.Errorf("%s has option %q, which internal/workeroption does not list: add it there and run make gen", s.typ.Name(), name)
		}
	}

	src, err := os.ReadFile("../sdk/typescript/config.ts")
	if err != nil {
		t.Fatal(err)
	}
	body := regexp.MustCompile(`(?s)export interface WorkerOptions \{(.*?)\n\}`).FindSubmatch(src)
	if body == nil {
		t.Fatal("sdk/typescript/config.ts declares no WorkerOptions interface")
	}
	var ts []string
	for _, m := range regexp.MustCompile(`(?m)^    (\w+)\??:`).FindAllSubmatch(body[1], -1) {
		ts = append(ts, string(m[1]))
	}
	var want []string
	for _, o := range workeroption.Options {
		if o.TypeScript {
			want = append(want, o.Name)
		}
	}
	slices.Sort(ts)
	slices.Sort(want)
	if !slices.Equal(ts, want) {
		t.Errorf("the TypeScript WorkerOptions has %v; internal/workeroption lists %v for it", ts, want)
	}
}

// TestWorkerOptionsRegistryGoHelper holds the Go helper's WorkerOptions (sdk/go/lumier, a module
// of its own, so read from its source) to the registry's GoHelper names.
func TestWorkerOptionsRegistryGoHelper(t *testing.T) {
	file, err := parser.ParseFile(token.NewFileSet(), "../sdk/go/lumier/config.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var have []string
	ast.Inspect(file, func(n ast.Node) bool {
		if spec, ok := n.(*ast.TypeSpec); ok && spec.Name.Name == "WorkerOptions" {
			for _, f := range spec.Type.(*ast.StructType).Fields.List {
				for _, name := range f.Names {
					have = append(have, name.Name)
				}
			}
		}
		return true
	})
	var want []string
	for _, o := range workeroption.Options {
		if o.GoHelper != "" {
			want = append(want, o.GoHelper)
		}
	}
	slices.Sort(have)
	slices.Sort(want)
	if !slices.Equal(have, want) {
		t.Errorf("sdk/go/lumier's WorkerOptions has fields %v; internal/workeroption lists %v for it", have, want)
	}
}
