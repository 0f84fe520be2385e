package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
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
	if scriptName == "" {
		s, err := naming.ScriptName(ctx.Project(), ctx.Stack(), logical)
		if err != nil {
			return nil, fmt.Errorf("worker %q: %w; or set scriptName", name, err)
		}
		scriptName = s
	}
	if args.Entry == "" {
		return nil, fmt.Errorf("worker %q has no entry: set entry to the Worker's entry module, for example \"src/index.ts\"", name)
	}
	declareWorker(scriptName, logical, args.DurableObjects, w)
	declareCode(scriptName, args.Entry, args.Build)

	inputs := pulumi.Map{
		"scriptName": pulumi.String(scriptName),
		"entry":      pulumi.String(args.Entry),
		"deleteData": pulumi.Bool(args.DeleteData),
		"owner":      pulumi.String(ctx.Project() + "/" + ctx.Stack() + "/" + name),
	}
	scriptOptionInputs(args, inputs) // worker_options_gen.go, from internal/workeroption
	if err := routingInputs(name, args, inputs); err != nil {
		return nil, err
	}
	if args.Secrets != nil {
		inputs["secrets"] = pulumi.ToSecret(args.Secrets)
	}
	var hosts []pulumi.Resource
	if args.Bindings != nil {
		// Inputs from the engine are resolved already, so the bindings are read here, where an error
		// stops the preview plainly and the hosts of bound classes become dependencies (a Worker
		// must be deleted before the host of a class it binds). Values not known yet (at preview)
		// are read once known.
		var known []Binding
		pending := false
		if v, ok := awaitInput(args.Bindings); ok {
			bs, err := bindingsFrom(ctx, logical, scriptName, v.(map[string]any))
			switch {
			case errors.Is(err, errNotCreatedYet) && ctx.DryRun():
				// A KvNamespace or R2Bucket passed by reference that this preview creates has no outputs yet.
				pending = true
			case err != nil:
				return nil, err
			default:
				known, hosts = bs, hostWorkers(bs, scriptName)
			}
		}
		inputs["bindings"] = args.Bindings.ToMapOutput().ApplyT(func(m map[string]any) ([]any, error) {
			if known != nil {
				return bindingsInput(known), nil
			}
			bs, err := bindingsFrom(ctx, logical, scriptName, m)
			return bindingsInput(bs), err
		})
		if pending {
			inputs["bindings"] = pulumi.UnsafeUnknownOutput(nil)
		}
	}

	var script scriptResource
	err := ctx.RegisterResource("lumier:index:Script", name, inputs, &script,
		pulumi.Parent(w), pulumi.Version(Version), pulumi.DependsOn(hosts))
	if err != nil {
		return nil, fmt.Errorf("registering script of worker %q: %w", name, err)
	}
	w.Type = pulumi.String("worker").ToStringOutput()
	w.Name = pulumi.String(logical).ToStringOutput()
	w.ScriptName = script.ScriptName
	w.URL = script.URL
	w.NamespaceIDs = script.NamespaceIDs
	w.URLs = script.URLs
	return w, nil
}

// scriptResource is the Go view of a registered Script, for reading its outputs.
type scriptResource struct {
	pulumi.CustomResourceState
	ScriptName   pulumi.StringOutput      `pulumi:"scriptName"`
	URL          pulumi.StringOutput      `pulumi:"url"`
	NamespaceIDs pulumi.StringMapOutput   `pulumi:"namespaceIds"`
	URLs         pulumi.StringArrayOutput `pulumi:"urls"`
}

// bindingsFrom turns a Worker's bindings map into the binding model. A value is a string (plain
// text), a DurableObject or KvNamespace passed by reference or as its output object, or an object
// in one of Cloudflare's binding types.
func bindingsFrom(ctx *pulumi.Context, worker, script string, m map[string]any) ([]Binding, error) {
	var out []Binding
	for _, env := range sortedKeys(m) {
		b, err := bindingFrom(ctx, env, script, m[env])
		if err != nil {
			return nil, fmt.Errorf("worker %q binding %q %w", worker, env, err)
		}
		if err := checkHostedElsewhere(b, script); err != nil {
			return nil, fmt.Errorf("worker %q binding %q %w", worker, env, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// errNotCreatedYet is a binding to a resource of this deployment whose id is not known yet.
var errNotCreatedYet = errors.New("which is not created yet")

// unknownValue is how the engine spells a value not known until the resource exists.
const unknownValue = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

func bindingFrom(ctx *pulumi.Context, env, script string, v any) (Binding, error) {
	if r, ok := v.(pulumi.Resource); ok {
		outputs, typ, err := referencedOutputs(ctx, r)
		if err != nil {
			return Binding{}, err
		}
		name, k, ok := kindOfResource(typ)
		if !ok {
			return Binding{}, fmt.Errorf("is a %s, which cannot be bound: bind %s, a string, or an object {type, ...}",
				typ, resourceList())
		}
		for _, need := range k.needs {
			if id, _ := outputs[k.output(need)].(string); id == "" || id == unknownValue {
				return Binding{}, fmt.Errorf("is a %s %w", strings.TrimPrefix(typ, "lumier:index:"), errNotCreatedYet)
			}
		}
		v = objectOfKind(name, k, outputs)
	}
	switch v := v.(type) {
	case string:
		return Binding{Name: env, Type: cfapi.BindingPlainText, Text: ptr(v)}, nil
	case map[string]any:
		typ, _ := v["type"].(string)
		if name := kindOfAlias(typ); name != typ {
			v = objectOfKind(name, kinds[name], v)
		}
		b := Binding{Name: env, Type: kindOfAlias(typ)}
		for _, f := range bindingFields {
			if s, ok := v[f.name].(string); ok && s != "" {
				*f.field(&b) = &s
			}
		}
		if b.Type == cfapi.BindingDurableObject && b.ScriptName != nil && *b.ScriptName == script {
			b.ScriptName = nil
		}
		if k := kinds[b.Type]; k.fromObject != nil {
			if err := k.fromObject(v, &b); err != nil {
				return Binding{}, err
			}
		}
		if err := b.check(); err != nil {
			return Binding{}, err
		}
		return b, nil
	default:
		return Binding{}, fmt.Errorf("has a %s value: use a string (plain text), %s, or an object {type, ...} "+
			"with one of Cloudflare's binding types (%s); secret values go in secrets", describeValue(v), resourceList(), kindList())
	}
}

// objectOfKind is the binding object {type, fields...} of kind name read from a resource's
// outputs (or an output object of the kind's alias type).
func objectOfKind(name string, k kind, outputs map[string]any) map[string]any {
	out := map[string]any{"type": name}
	for _, f := range k.fields {
		if v, ok := outputs[k.output(f)]; ok {
			out[f] = v
		}
	}
	return out
}

// checkHostedElsewhere refuses, at preview, a binding to a class of another Worker of the stack
// that does not host it: Cloudflare would refuse the upload (10061).
func checkHostedElsewhere(b Binding, script string) error {
	host := b.host()
	if b.Type != cfapi.BindingDurableObject || host == "" || host == script {
		return nil
	}
	w, ok := workerOf(host)
	if !ok {
		return nil // a script outside the stack: the API is the judge
	}
	if _, ok := w.hosts(deref(b.ClassName)); ok {
		return nil
	}
	return fmt.Errorf("points at Durable Object class %q of worker %q (script %q), which does not host it (it hosts %s): "+
		"declare the class on that Worker, or fix className", deref(b.ClassName), w.resource, host,
		exportList(classNames(w.classes)))
}

// hostWorkers are the Workers of the stack that bindings in bs reach (the host of a bound class,
// the Worker a service binding calls): they deploy first.
func hostWorkers(bs []Binding, script string) []pulumi.Resource {
	var out []pulumi.Resource
	for _, b := range bs {
		field := kinds[b.Type].reaches
		if field == "" {
			continue
		}
		target := deref(*fieldNamed(field).field(&b))
		if target == "" || target == script {
			continue
		}
		if w, ok := workerOf(target); ok {
			out = append(out, w.worker)
		}
	}
	return out
}

// describeValue names a binding value's kind in words, not Go types.
func describeValue(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64, int:
		return "number"
	case []any:
		return "list"
	default:
		return fmt.Sprintf("%T", v)
	}
}

func bindingsInput(bs []Binding) []any {
	out := make([]any, len(bs))
	for i, b := range bs {
		m := map[string]any{"name": b.Name, "type": b.Type}
		for _, f := range bindingFields {
			if v := *f.field(&b); v != nil {
				m[f.name] = *v
			}
		}
		out[i] = m
	}
	return out
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

func rolloutInput(r Rollout) pulumi.Map {
	return pulumi.Map{"percentage": pulumi.Float64(r.Percentage)}
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
