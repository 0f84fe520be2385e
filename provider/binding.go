package provider

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"

	"github.com/lumier-dev/lumier/internal/bindingkind"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// Annotate documents Binding.
func (b *Binding) Annotate(a infer.Annotator) {
	a.SetToken("index", "Binding")
	a.Describe(b, "One binding of a Worker: the Worker reads it as env.NAME. The type is Cloudflare's binding type; "+
		"each type uses the fields listed on them.")
	a.Describe(&b.Name, "Env name: a JavaScript identifier, unique within the Worker.")
	a.Describe(&b.Type, "Binding type: "+kindList()+".")
	b.describeFields(a)
}

// kind is what the binding model knows about one binding type: its fields from the registry
// (internal/bindingkind), and what the provider adds in kindExtras. Adding a kind is an entry in
// the registry, plus kindExtras when it is bound by reference or typed by its value;
// docs/architecture.md, "Adding a binding kind".
type kind struct {
	// fields are the Binding fields (schema names) the kind uses; needs are the ones it must set.
	fields, needs []string
	// resource is the token of a resource that is itself a binding of this kind: passed by
	// reference as a binding value, its outputs fill the fields as from says.
	resource string
	// alias is the `type` a resource's output object of this kind carries, when it is not the
	// binding type (a DurableObject's output says "durable_object").
	alias string
	// from names, by field, the output of the resource (or of an object of type alias) that
	// fills it; fields not listed take the output of their own name.
	from map[string]string
	// reaches names the field holding another script the binding needs deployed first (a
	// Worker of the stack the Worker then depends on); "" for none.
	reaches string
	// fromObject reads what the object form {type, ...} gives other than the fields (nil: only them).
	fromObject func(v map[string]any, b *Binding) error
	// env is the TypeScript type of env.NAME for a binding b of this kind (`lumier types`);
	// entryOf gives the import specifier of a script of the app's entry module. The registry's
	// Env makes it for a kind whose type does not depend on the binding.
	env func(b Binding, entryOf func(script string) (string, bool)) string
}

// kinds are the types a Worker's bindings may declare: the registry's declared kinds with their
// kindExtras.
var kinds = declaredKinds()

func declaredKinds() map[string]kind {
	out := map[string]kind{}
	for _, r := range bindingkind.Kinds {
		if !r.Declared {
			continue
		}
		k := kindExtras[r.Type]
		k.fields, k.needs = r.Fields, r.Needs
		if k.env == nil && r.Env != "" {
			k.env = envIs(r.Env)
		}
		out[r.Type] = k
	}
	return out
}

// envIs is an env function for a kind whose binding always has the same TypeScript type.
func envIs(typ string) func(Binding, func(string) (string, bool)) string {
	return func(Binding, func(string) (string, bool)) string { return typ }
}

// kindExtras are what the provider adds to a registry kind: how a resource passed by reference
// binds it, the script it reaches, its object form, and its env type when the binding decides it.
var kindExtras = map[string]kind{
	cfapi.BindingDurableObject: {
		resource: "lumier:index:DurableObject", alias: "durable_object", reaches: "scriptName",
		env: func(b Binding, entryOf func(string) (string, bool)) string {
			if module, ok := entryOf(b.host()); ok {
				return "DurableObjectNamespace<" + moduleType(module, deref(b.ClassName)) + ">"
			}
			return "DurableObjectNamespace" // a class of a script outside the app
		},
	},
	cfapi.BindingKVNamespace: {resource: "lumier:index:KvNamespace"},
	cfapi.BindingQueue:       {resource: "lumier:index:Queue"},
	cfapi.BindingD1:          {resource: "lumier:index:D1Database"},
	cfapi.BindingR2Bucket:    {resource: "lumier:index:R2Bucket"},
	cfapi.BindingService: {
		resource: "lumier:index:Worker", alias: "worker", from: map[string]string{"service": "scriptName"},
		reaches: "service",
		env: func(b Binding, entryOf func(string) (string, bool)) string {
			if module, ok := entryOf(deref(b.Service)); ok && deref(b.Entrypoint) != "" {
				return "Service<" + moduleType(module, deref(b.Entrypoint)) + ">"
			}
			return "Fetcher"
		},
	},
	cfapi.BindingWorkflow: {reaches: "scriptName"},
	cfapi.BindingJSON: {
		// JSON text is also a TypeScript type: the literal type of the value the Worker reads.
		env: func(b Binding, _ func(string) (string, bool)) string { return deref(b.JSON) },
		fromObject: func(v map[string]any, b *Binding) error {
			// The object form gives the value itself ({type: "json", value: ...}); the model keeps it as JSON text.
			if val, ok := v["value"]; ok && b.JSON == nil {
				text, err := json.Marshal(val)
				if err != nil {
					return fmt.Errorf("has a value that is not JSON: %w", err)
				}
				b.JSON = ptr(string(text))
			}
			if b.JSON != nil && !json.Valid([]byte(*b.JSON)) {
				return fmt.Errorf("(json) has json %q, which is not JSON text: give the value as value, or valid JSON as json", *b.JSON)
			}
			return nil
		},
	},
}

// bindingField ties a Binding field (by schema name) to its wire field on cfapi.Binding.
type bindingField struct {
	name  string
	field func(b *Binding) **string
	// wire is the string wire field; nil for json, whose wire value is JSON itself.
	wire func(a *cfapi.Binding) *string
}

// getWire reads f's wire field of a.
func (f bindingField) getWire(a cfapi.Binding) string {
	if f.wire == nil {
		return string(a.JSON)
	}
	return *f.wire(&a)
}

// setWire sets f's wire field of a.
func (f bindingField) setWire(a *cfapi.Binding, v string) {
	if f.wire == nil {
		a.JSON = json.RawMessage(v)
		return
	}
	*f.wire(a) = v
}

func fieldNamed(name string) bindingField {
	for _, f := range bindingFields {
		if f.name == name {
			return f
		}
	}
	panic("provider: no binding field " + name) // the registry names only its own fields, all in bindingFields
}

// output is the output of a resource (or object of the kind's alias type) that fills field.
func (k kind) output(field string) string {
	if o, ok := k.from[field]; ok {
		return o
	}
	return field
}

func kindList() string { return bindingkind.DeclaredTypes() }

// kindOfResource is the kind whose resource has token typ.
func kindOfResource(typ string) (string, kind, bool) {
	for name, k := range kinds {
		if k.resource != "" && k.resource == typ {
			return name, k, true
		}
	}
	return "", kind{}, false
}

// kindOfAlias is the binding type an object's `type` names: a binding type, or a kind's alias.
func kindOfAlias(typ string) string {
	for name, k := range kinds {
		if k.alias != "" && k.alias == typ {
			return name
		}
	}
	return typ
}

// resourceList names the resources that can be bound by reference, for messages.
func resourceList() string {
	var names []string
	for _, k := range kinds {
		if k.resource != "" {
			names = append(names, "a "+strings.TrimPrefix(k.resource, "lumier:index:"))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// check reports, as a phrase to follow "binding NAME", a binding whose type is unknown or that lacks a field its type needs.
func (b Binding) check() error {
	k, ok := kinds[b.Type]
	if !ok {
		if b.Type == cfapi.BindingSecretText {
			return fmt.Errorf("is secret text: put it in secrets, which stay encrypted in state")
		}
		return fmt.Errorf("has type %q, which lumier does not support: use one of %s", b.Type, kindList())
	}
	for _, need := range k.needs {
		v := *fieldNamed(need).field(&b)
		if v == nil || (*v == "" && need != "text") {
			return fmt.Errorf("(%s) has no %s: set it", b.Type, need)
		}
	}
	return nil
}

// host is the script that hosts a bound Durable Object class; "" means the Worker's own script.
func (b Binding) host() string { return deref(b.ScriptName) }

// api is the binding as Cloudflare's metadata spells it. A class hosted by script itself is
// bound without script_name, as Cloudflare reports it back.
func (b Binding) api(script string) cfapi.Binding {
	out := cfapi.Binding{Type: b.Type, Name: b.Name}
	for _, name := range kinds[b.Type].fields {
		f := fieldNamed(name)
		f.setWire(&out, deref(*f.field(&b)))
	}
	if (b.Type == cfapi.BindingDurableObject || b.Type == cfapi.BindingWorkflow) && out.ScriptName == script {
		out.ScriptName = ""
	}
	return out
}

// bindingFromAPI is the read-back of one binding Cloudflare reports, in the form Check produces:
// the fields of its kind (Cloudflare also reports a Durable Object binding's namespace id, which
// the binding does not set), an empty one only when the kind needs it.
func bindingFromAPI(a cfapi.Binding) Binding {
	b := Binding{Name: a.Name, Type: a.Type}
	k := kinds[a.Type]
	for _, name := range k.fields {
		f := fieldNamed(name)
		if v := f.getWire(a); v != "" || slices.Contains(k.needs, name) {
			*f.field(&b) = ptr(v)
		}
	}
	return b
}

// normalizeBindings is the comparable form of a binding list: sorted by name, a same-script
// Durable Object binding without scriptName, nil when empty.
func normalizeBindings(bs []Binding, script string) []Binding {
	if len(bs) == 0 {
		return nil
	}
	out := make([]Binding, len(bs))
	for i, b := range bs {
		if b.ScriptName != nil && *b.ScriptName == script {
			b.ScriptName = nil
		}
		out[i] = b
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// apiBindings is the upload's binding list: the bindings, then the secrets, in a stable order.
func apiBindings(args ScriptArgs) []cfapi.Binding {
	var out []cfapi.Binding
	for _, b := range normalizeBindings(args.Bindings, args.ScriptName) {
		out = append(out, b.api(args.ScriptName))
	}
	for _, name := range sortedKeys(args.Secrets) {
		out = append(out, cfapi.Binding{Type: cfapi.BindingSecretText, Name: name, Text: args.Secrets[name]})
	}
	return out
}

// applyReadBindings replaces the bindings in args with what Cloudflare reports. Secret values are
// never returned, so a secret that still exists keeps the value Pulumi knows and a missing one is
// dropped, which the next update puts back.
func applyReadBindings(args *ScriptArgs, reported []cfapi.Binding) {
	secrets := map[string]string{}
	var bindings []Binding
	for _, a := range reported {
		if a.Type == cfapi.BindingSecretText {
			if v, ok := args.Secrets[a.Name]; ok {
				secrets[a.Name] = v
			}
			continue
		}
		bindings = append(bindings, bindingFromAPI(a))
	}
	args.Secrets = emptyAsNil(secrets, args.Secrets)
	args.Bindings = normalizeBindings(bindings, args.ScriptName)
}

func ptr[T any](v T) *T { return &v }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// emptyAsNil returns m, or nil when m is empty and the program had not set the map at all.
func emptyAsNil(m, was map[string]string) map[string]string {
	if len(m) == 0 && was == nil {
		return nil
	}
	return m
}
