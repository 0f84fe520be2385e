package provider

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/lumier-dev/lumier/internal/workeroption"
)

// notOptions are the fields of the option structs that are not Worker options: names, the
// declaration's position, and values the provider computes.
var notOptions = []string{"name", "at", "scriptName", "codeHash", "owner", "assetsHash"}

// TestWorkerOptionsRegistry fails when an option is declared on one of the provider's structs and
// not in internal/workeroption (or there and not here), or under another Go name:
// the registry is what merges and carries options, so an option missing from it would be dropped.
// (The helpers' WorkerOptions are generated from it, and make gen-check holds them to it.)
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

}
