package provider

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/naming"
)

// appDataKind is one kind of data resource an App declares by name (KV namespaces, R2 buckets,
// D1 databases, queues): children titled "<app>-<stage>-<name>" with the app's protect and
// removal (removal "remove" sets deleteData), which a Worker of the app binds as
// {type: binding, name}, resolved to the child's id with the Worker depending on it. A kind is
// one entry in appDataKinds; app_kv.go is the example.
type appDataKind struct {
	// binding is the binding type, and the type a Worker's {type, name} binding names.
	binding string
	// list is the App input that declares them; noun names one in messages.
	list, noun string
	// token is the resource type; field is the binding field its id fills (also how a binding
	// gives the resource directly, bypassing the app's declarations).
	token, field string
	// titleInput is the resource input that takes "<app>-<stage>-<name>".
	titleInput string
	// decls reads the kind's declarations from the App's inputs.
	decls func(args AppArgs) []appDataDecl
	// newResource is the Go view of one registered resource.
	newResource func() appDataResource
	// setOutput sets the App's output of ids by name.
	setOutput func(a *App, ids pulumi.StringMapOutput)
}

// appDataDecl is one declaration: the name in the app and the resource's other inputs.
type appDataDecl struct {
	name   string
	inputs pulumi.Map
}

// appDataResource is a registered data resource whose output fills the binding field.
type appDataResource interface {
	pulumi.CustomResource
	bindingID() pulumi.StringOutput
}

// appDataKinds are the data resources an App declares.
var appDataKinds = []appDataKind{kvAppKind, r2AppKind, d1AppKind, queueAppKind}

// appDataSet is the resources of one kind an app declares.
type appDataSet struct {
	kind  appDataKind
	items map[string]*appData
	order []string // names in declaration order
	// invalid are declared names that make no valid name on Cloudflare (already reported).
	invalid []string
}

// appData is one data resource of an app: its title, inputs, and the resource once created.
type appData struct {
	appDataDecl
	title    string
	resource appDataResource
	merger   merger
}

// merge adds one declaration of the resource: declaring a name again is the same resource, and
// an input both declarations set must be equal.
func (a *appData) merge(d appDataDecl) []error {
	m := a.merger.declaration("")
	for _, key := range sortedKeys(d.inputs) {
		if old, ok := a.inputs[key]; ok {
			if x, y, same := sameValue(old, d.inputs[key]); !same {
				m.conflict(key, x, y)
			}
			continue
		}
		a.inputs[key] = d.inputs[key]
		m.set(key)
	}
	return m.errs
}

// appDataRef is a Worker binding to a data resource of the app.
type appDataRef struct{ binding, name string }

// resolveData checks every kind's declarations and the Workers' bindings that name one,
// recording which resource each binding takes.
func (p *appPlan) resolveData(args AppArgs, workers []*appWorker) []error {
	var errs []error
	p.data = map[string]*appDataSet{}
	for _, k := range appDataKinds {
		set := &appDataSet{kind: k, items: map[string]*appData{}}
		p.data[k.binding] = set
		for _, d := range k.decls(args) {
			title, err := naming.QualifiedName(k.noun, p.app, p.stage, d.name)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s %q: %w", k.noun, d.name, err))
				set.invalid = append(set.invalid, d.name)
				continue
			}
			if had, dup := set.items[d.name]; dup {
				errs = append(errs, had.merge(d)...)
				continue
			}
			set.items[d.name] = &appData{appDataDecl: appDataDecl{name: d.name, inputs: pulumi.Map{}}, title: title,
				merger: newMerger(k.noun, d.name)}
			errs = append(errs, set.items[d.name].merge(d)...)
			set.order = append(set.order, d.name)
		}
	}
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok {
				continue
			}
			typ, _ := m["type"].(string)
			set := p.data[typ]
			if set == nil {
				continue
			}
			if id, _ := m[set.kind.field].(string); id != "" {
				continue // given by id: bound as it is
			}
			name, _ := m["name"].(string)
			if set.items[name] == nil {
				if slices.Contains(set.invalid, name) {
					continue // its declaration's error says what to fix
				}
				errs = append(errs, fmt.Errorf("worker %q binding %s names %s %q, which this app does not "+
					"declare (it declares %s): add {name: %q} to %s, or give %s", w.Name, env, set.kind.noun, name,
					exportList(set.order), name, set.kind.list, set.kind.field))
				continue
			}
			if w.data == nil {
				w.data = map[string]appDataRef{}
			}
			w.data[env] = appDataRef{binding: typ, name: name}
		}
	}
	return errs
}

// createData registers the app's data resources, with the app's protection and removal: under
// "remove" they may be deleted with their data.
func (p *appPlan) createData(ctx *pulumi.Context, app string, a *App, opts []pulumi.ResourceOption) error {
	for _, k := range appDataKinds {
		set := p.data[k.binding]
		ids := pulumi.StringMap{}
		for _, name := range set.order {
			d := set.items[name]
			inputs := pulumi.Map{k.titleInput: pulumi.String(d.title), "deleteData": pulumi.Bool(p.removal == RemovalRemove)}
			for key, v := range d.inputs {
				inputs[key] = v
			}
			d.resource = k.newResource()
			if err := ctx.RegisterResource(k.token, app+"-"+name, inputs, d.resource, append(opts, pulumi.Version(Version))...); err != nil {
				return fmt.Errorf("registering %s %q: %w", k.noun, name, err)
			}
			ids[name] = d.resource.bindingID()
		}
		k.setOutput(a, ids.ToStringMapOutput())
	}
	return nil
}

// bindData points w's bindings to the app's data resources at their ids and returns the
// resources w must deploy after (Cloudflare refuses a binding to a resource that does not exist).
func (p *appPlan) bindData(w *appWorker) []pulumi.Resource {
	var deps []pulumi.Resource
	for _, env := range sortedKeys(w.data) {
		ref := w.data[env]
		set := p.data[ref.binding]
		d := set.items[ref.name]
		w.bindings[env] = pulumi.Map{"type": pulumi.String(ref.binding), set.kind.field: d.resource.bindingID()}
		deps = append(deps, d.resource)
	}
	return deps
}
