package provider

import (
	"fmt"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/naming"
)

// AppKvNamespace declares a Workers KV namespace of an App.
type AppKvNamespace struct {
	Name string `pulumi:"name"`
}

// Annotate documents AppKvNamespace.
func (k *AppKvNamespace) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppKvNamespace")
	a.Describe(k, "A Workers KV namespace of an App. Its title is \"<app>-<stage>-<name>\"; the app's protect and "+
		"removal apply to it and its keys.")
	a.Describe(&k.Name, "Namespace name in the app: lowercase letters, digits and '-'.")
}

// appKV is one KV namespace of an app: its title, and the resource once created.
type appKV struct {
	name, title string
	resource    *kvNamespaceResource
}

// kvNamespaceResource is the Go view of a registered KvNamespace, for reading its id.
type kvNamespaceResource struct {
	pulumi.CustomResourceState
	NamespaceID pulumi.StringOutput `pulumi:"namespaceId"`
}

// resolveKV checks the KV declarations and the Workers' kv_namespace bindings that name one,
// recording which namespace each binding takes.
func (p *appPlan) resolveKV(decls []AppKvNamespace, workers []*appWorker) []error {
	var errs []error
	p.kv = map[string]*appKV{}
	for _, d := range decls {
		title, err := naming.ScriptName(p.app, p.stage, d.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("kv namespace %q: %w", d.Name, err))
			continue
		}
		if _, dup := p.kv[d.Name]; dup {
			errs = append(errs, fmt.Errorf("kv namespace %q is declared twice: give each namespace its own name", d.Name))
			continue
		}
		p.kv[d.Name] = &appKV{name: d.Name, title: title}
		p.kvOrder = append(p.kvOrder, d.Name)
	}
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != kvKindType {
				continue
			}
			if id, _ := m["namespaceId"].(string); id != "" {
				continue // a namespace given by id: bound as it is
			}
			name, _ := m["name"].(string)
			if p.kv[name] == nil {
				errs = append(errs, fmt.Errorf("worker %q binding %s names kv namespace %q, which this app does not "+
					"declare (it declares %s): add {name: %q} to kvNamespaces, or give namespaceId", w.Name, env, name,
					exportList(p.kvOrder), name))
				continue
			}
			if w.kv == nil {
				w.kv = map[string]string{}
			}
			w.kv[env] = name
		}
	}
	return errs
}

// createKV registers the app's KvNamespace resources, with the app's protection and removal:
// under "remove" they may be deleted with their keys.
func (p *appPlan) createKV(ctx *pulumi.Context, app string, opts []pulumi.ResourceOption) ([]*appKV, error) {
	var out []*appKV
	for _, name := range p.kvOrder {
		kv := p.kv[name]
		kv.resource = &kvNamespaceResource{}
		err := ctx.RegisterResource("lumier:index:KvNamespace", app+"-"+name, pulumi.Map{
			"title":      pulumi.String(kv.title),
			"deleteData": pulumi.Bool(p.removal == RemovalRemove),
		}, kv.resource, append(opts, pulumi.Version(Version))...)
		if err != nil {
			return nil, fmt.Errorf("registering kv namespace %q: %w", name, err)
		}
		out = append(out, kv)
	}
	return out, nil
}

// bindKV points w's bindings to app namespaces at their ids and returns the namespaces w must
// deploy after (Cloudflare refuses a binding to a namespace that does not exist).
func (p *appPlan) bindKV(w *appWorker) []pulumi.Resource {
	var deps []pulumi.Resource
	for _, env := range sortedKeys(w.kv) {
		kv := p.kv[w.kv[env]]
		w.bindings[env] = pulumi.Map{"type": pulumi.String(kvKindType), "namespaceId": kv.resource.NamespaceID}
		deps = append(deps, kv.resource)
	}
	return deps
}

// kvIDs is the App's kvNamespaces output: namespace ids by name.
func kvIDs(kvs []*appKV) pulumi.StringMapOutput {
	m := pulumi.StringMap{}
	for _, kv := range kvs {
		m[kv.name] = kv.resource.NamespaceID
	}
	return m.ToStringMapOutput()
}
