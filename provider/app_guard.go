package provider

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// guardedResource is one data resource of an app as its DataGuard lists it.
type guardedResource struct {
	kind, name, title string
	resource          pulumi.CustomResource
}

// guarded lists the app's data resources once registered (createData), kind by kind in
// appDataKinds order, each in declaration order.
func (p *appPlan) guarded() []guardedResource {
	var out []guardedResource
	for _, k := range appDataKinds {
		set := p.data[k.binding]
		if set == nil {
			continue
		}
		for _, name := range set.order {
			d := set.items[name]
			out = append(out, guardedResource{k.binding, name, d.title, d.resource})
		}
	}
	return out
}

// registerDataGuard registers the app's DataGuard (data_guard.go), named like the app, after its
// data resources (their ids are its inputs), so that a preview that removes one can say what it
// holds, with the app's Workers, so that its Delete can say what removal "retain" leaves. Every app has one, even with no data resources, so that removing the last one is seen.
// The Workers deploy after it, so that a refused deploy (an `up` without a preview) changes
// none of them either.
func (p *appPlan) registerDataGuard(ctx *pulumi.Context, app string, opts []pulumi.ResourceOption) (pulumi.Resource, error) {
	entries := pulumi.Map{}
	for _, g := range p.guarded() {
		entries[guardKey(g.kind, g.name)] = pulumi.Map{
			"kind": pulumi.String(g.kind), "name": pulumi.String(g.name), "title": pulumi.String(g.title),
			"id": g.resource.ID().ToStringOutput(),
		}
	}
	workers := pulumi.Map{}
	for _, w := range p.order {
		var classes pulumi.StringArray
		for _, o := range p.objects {
			if o.host == w {
				classes = append(classes, pulumi.String(o.ClassName))
			}
		}
		guarded := pulumi.Map{"scriptName": pulumi.String(w.script), "durableObjects": classes}
		var flows pulumi.StringArray
		for _, wf := range p.workflows {
			if wf.host == w {
				flows = append(flows, pulumi.String(wf.title))
			}
		}
		if len(flows) > 0 {
			guarded["workflows"] = flows // absent when none, so guards deployed before workflows see no change
		}
		workers[w.Name] = guarded
	}
	guard := &pulumi.CustomResourceState{}
	err := ctx.RegisterResource("lumier:index:DataGuard", app, pulumi.Map{
		"app": pulumi.String(p.app), "removal": pulumi.String(p.removal), "resources": entries, "workers": workers,
	}, guard, append(opts, pulumi.Version(Version))...)
	if err != nil {
		return nil, fmt.Errorf("registering the data guard: %w", err)
	}
	return guard, nil
}
