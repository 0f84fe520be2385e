package provider

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// EntryMarker prefixes an entry in a type that imports from it, for a caller that turns entries
// into import specifiers after planning (`lumier types`, through the plugin's app-env mode).
const EntryMarker = "lumier-entry:"

// WorkerEnv is what the code of one Worker of an app finds in env, as TypeScript types: what
// `lumier types` writes.
type WorkerEnv struct {
	Name  string `json:"name"`
	Entry string `json:"entry"`
	// Types are the TypeScript types of env's members, by env name.
	Types map[string]string `json:"types"`
}

// AppEnv plans an App from its inputs (JSON, as a language helper declares them) with the App's own
// planning (merging, checks, names) and returns each Worker's env, in deploy order. module turns
// an entry into the import specifier the types name it by.
func AppEnv(stack string, inputs []byte, module func(entry string) string) ([]WorkerEnv, error) {
	args, err := appArgsFromJSON(inputs)
	if err != nil {
		return nil, err
	}
	plan, err := planApp(stack, args)
	if err != nil {
		return nil, fmt.Errorf("app %q: %w", args.Name, err)
	}
	entryOf := func(script string) (string, bool) {
		for _, w := range plan.workers {
			if w.script == script {
				return module(w.Entry), true
			}
		}
		return "", false
	}
	var out []WorkerEnv
	for _, w := range plan.order {
		env := WorkerEnv{Name: w.Name, Entry: w.Entry, Types: map[string]string{}}
		for name := range w.secrets {
			env.Types[name] = "string"
		}
		if w.Assets != nil && w.Assets.Binding != nil && *w.Assets.Binding != "" {
			env.Types[*w.Assets.Binding] = "Fetcher" // env.ASSETS.fetch(request) gets the files
		}
		for _, name := range sortedKeys(w.bindings) {
			typ, err := w.envType(name, entryOf)
			if err != nil {
				return nil, fmt.Errorf("worker %q binding %s %w", w.Name, name, err)
			}
			env.Types[name] = typ
		}
		out = append(out, env)
	}
	return out, nil
}

// envType is the TypeScript type of binding name of w, from its kind's entry in kinds.
func (w *appWorker) envType(name string, entryOf func(script string) (string, bool)) (string, error) {
	b := Binding{Name: name}
	if ref, ok := w.data[name]; ok {
		b.Type = ref.binding // bound by name: the resource's id is not known before it exists
	} else {
		v, _ := awaitInput(w.bindings[name])
		var err error
		if b, err = bindingFrom(nil, name, w.script, v); err != nil {
			return "", err
		}
	}
	k, ok := kinds[b.Type]
	if !ok || k.env == nil {
		return "", fmt.Errorf("has type %q, which has no env type: use one of %s", b.Type, kindList())
	}
	if b.host() == "" && b.Type == cfapi.BindingDurableObject {
		b.ScriptName = &w.script
	}
	return k.env(b, entryOf), nil
}

// appArgsFromJSON reads an App's inputs as JSON: the App's input names, with a secret given as any
// string (only its being a string matters to the plan).
func appArgsFromJSON(data []byte) (AppArgs, error) {
	var in struct {
		AppArgs
		Workers []struct {
			AppWorker
			Bindings map[string]any    `json:"bindings"`
			Secrets  map[string]string `json:"secrets"`
		} `json:"workers"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return AppArgs{}, fmt.Errorf("reading the app's declarations: %w", err)
	}
	args := in.AppArgs
	args.Workers = nil
	for _, w := range in.Workers {
		decl := w.AppWorker
		if len(w.Bindings) > 0 {
			m := pulumi.Map{}
			for k, v := range w.Bindings {
				m[k] = pulumi.Any(v)
			}
			decl.Bindings = m
		}
		if len(w.Secrets) > 0 {
			decl.Secrets = pulumi.ToStringMap(w.Secrets)
		}
		args.Workers = append(args.Workers, decl)
	}
	return args, nil
}

// moduleType is `import("<module>").<export>`, the type of a class a Worker's module exports.
func moduleType(module, export string) string {
	q, _ := json.Marshal(module)
	return fmt.Sprintf("import(%s).%s", q, export)
}
