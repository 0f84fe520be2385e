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

// guarded lists the app's data resources once registered, in a stable order.
func (p *appPlan) guarded() []guardedResource {
	var out []guardedResource
	for _, name := range p.kvOrder {
		out = append(out, guardedResource{kvKindType, name, p.kv[name].title, p.kv[name].resource})
	}
	for _, name := range p.r2Order {
		out = append(out, guardedResource{r2KindType, name, p.r2[name].bucket, p.r2[name].resource})
	}
	for _, name := range p.d1Order {
		out = append(out, guardedResource{d1KindType, name, p.d1[name].dbName, p.d1[name].resource})
	}
	for _, name := range p.queueOrder {
		out = append(out, guardedResource{queueKindType, name, p.queues[name].full, p.queues[name].resource})
	}
	return out
}

// registerDataGuard registers the app's DataGuard (data_guard.go), named like the app, after its
// data resources (their ids are its inputs), so that a preview that removes one can say what it
// holds. Every app has one, even with no data resources, so that removing the last one is seen.
func (p *appPlan) registerDataGuard(ctx *pulumi.Context, app string, opts []pulumi.ResourceOption) error {
	entries := pulumi.Array{}
	for _, g := range p.guarded() {
		entries = append(entries, pulumi.Map{
			"kind": pulumi.String(g.kind), "name": pulumi.String(g.name), "title": pulumi.String(g.title),
			"id": g.resource.ID().ToStringOutput(),
		})
	}
	var guard pulumi.CustomResourceState
	err := ctx.RegisterResource("lumier:index:DataGuard", app, pulumi.Map{
		"app": pulumi.String(p.app), "removal": pulumi.String(p.removal), "resources": entries,
	}, &guard, append(opts, pulumi.Version(Version))...)
	if err != nil {
		return fmt.Errorf("registering the data guard: %w", err)
	}
	return nil
}
