package provider

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/naming"
)

// NewWorker constructs the Worker component: it resolves the script name and bindings and
// registers the Script resource that owns the upload.
func NewWorker(ctx *pulumi.Context, name string, args WorkerArgs, opts ...pulumi.ResourceOption) (*Worker, error) {
	w := &Worker{}
	if err := ctx.RegisterComponentResource("lumier:index:Worker", name, w, opts...); err != nil {
		return nil, err
	}
	logical := args.Name
	if logical == "" {
		logical = name
	}
	scriptName := args.ScriptName
	if scriptName == nil {
		s, err := naming.ScriptName(ctx.Project(), ctx.Stack(), logical)
		if err != nil {
			return nil, fmt.Errorf("worker %q: %w; or set scriptName explicitly", name, err)
		}
		scriptName = pulumi.String(s)
	}
	if args.Entry == nil {
		return nil, fmt.Errorf("worker %q has no entry: set entry to the Worker's entry module, for example \"src/index.ts\"", name)
	}

	inputs := pulumi.Map{
		"scriptName": scriptName,
		"entry":      args.Entry,
		"deleteData": pulumi.Bool(args.DeleteData),
	}
	if args.URL != nil {
		inputs["workersDev"] = args.URL
	}
	if args.CompatibilityDate != nil {
		inputs["compatibilityDate"] = args.CompatibilityDate
	}
	if args.CompatibilityFlags != nil {
		inputs["compatibilityFlags"] = args.CompatibilityFlags
	}
	if args.Secrets != nil {
		inputs["secrets"] = pulumi.ToSecret(args.Secrets)
	}
	if len(args.DurableObjects) > 0 {
		inputs["classes"] = classesInput(args.DurableObjects)
	}
	if args.Build != nil {
		inputs["build"] = buildInput(*args.Build)
	}
	if args.Bindings != nil {
		parsed := pulumi.All(args.Bindings.ToMapOutput(), scriptName.ToStringOutput()).ApplyT(
			func(v []any) (parsedBindings, error) {
				return parseBindings(name, v[0].(map[string]any), v[1].(string))
			})
		inputs["vars"] = parsed.ApplyT(func(p any) map[string]string { return p.(parsedBindings).vars })
		inputs["durableObjectBindings"] = parsed.ApplyT(func(p any) []any { return p.(parsedBindings).durableObjects })
	}

	var script scriptResource
	err := ctx.RegisterResource("lumier:index:Script", name, inputs, &script,
		pulumi.Parent(w), pulumi.Version(Version))
	if err != nil {
		return nil, fmt.Errorf("registering script of worker %q: %w", name, err)
	}
	w.Type = pulumi.String("worker").ToStringOutput()
	w.Name = pulumi.String(logical).ToStringOutput()
	w.ScriptName = script.ScriptName
	w.URL = script.URL
	w.NamespaceIDs = script.NamespaceIDs
	return w, nil
}

// scriptResource is the Go view of a registered Script, for reading its outputs.
type scriptResource struct {
	pulumi.CustomResourceState
	ScriptName   pulumi.StringOutput    `pulumi:"scriptName"`
	URL          pulumi.StringOutput    `pulumi:"url"`
	NamespaceIDs pulumi.StringMapOutput `pulumi:"namespaceIds"`
}

type parsedBindings struct {
	vars           map[string]string
	durableObjects []any
}

// parseBindings sorts the seed-style bindings map into plain-text and Durable Object bindings.
func parseBindings(worker string, m map[string]any, scriptName string) (parsedBindings, error) {
	out := parsedBindings{vars: map[string]string{}}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		switch v := m[k].(type) {
		case string:
			out.vars[k] = v
		case map[string]any:
			typ, _ := v["type"].(string)
			if typ != "durable_object" {
				return out, fmt.Errorf("worker %q binding %q: an object binding must be a DurableObject output "+
					"({type: \"durable_object\", className, scriptName}), got type %q", worker, k, typ)
			}
			class, _ := v["className"].(string)
			host, _ := v["scriptName"].(string)
			b := map[string]any{"name": k, "className": class}
			if host != "" && host != scriptName {
				b["scriptName"] = host
			}
			out.durableObjects = append(out.durableObjects, b)
		default:
			return out, fmt.Errorf("worker %q binding %q has a %T value: use a string (plain text), a DurableObject, "+
				"or put secret values in secrets", worker, k, v)
		}
	}
	return out, nil
}

func classesInput(classes []Class) pulumi.Array {
	arr := pulumi.Array{}
	for _, c := range classes {
		m := pulumi.Map{"className": pulumi.String(c.ClassName)}
		if c.SQLite != nil {
			m["sqlite"] = pulumi.Bool(*c.SQLite)
		}
		if c.RenamedFrom != nil {
			m["renamedFrom"] = pulumi.String(*c.RenamedFrom)
		}
		if t := c.TransferredFrom; t != nil {
			m["transferredFrom"] = pulumi.Map{"scriptName": pulumi.String(t.ScriptName), "className": pulumi.String(t.ClassName)}
		}
		if c.TransferredTo != nil {
			m["transferredTo"] = pulumi.String(*c.TransferredTo)
		}
		if c.Name != nil {
			m["name"] = pulumi.String(*c.Name)
		}
		arr = append(arr, m)
	}
	return arr
}

func buildInput(b BuildOptions) pulumi.Map {
	m := pulumi.Map{"minify": pulumi.Bool(b.Minify), "sourcemap": pulumi.Bool(b.Sourcemap)}
	if b.Define != nil {
		m["define"] = pulumi.ToStringMap(b.Define)
	}
	if b.External != nil {
		m["external"] = pulumi.ToStringArray(b.External)
	}
	return m
}
