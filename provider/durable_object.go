package provider

import (
	"context"
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NewDurableObject constructs the DurableObject component. It checks, once the host is deployed,
// that Cloudflare really has the class on that script with the declared storage.
func NewDurableObject(ctx *pulumi.Context, name string, args DurableObjectArgs, opts ...pulumi.ResourceOption) (*DurableObject, error) {
	d := &DurableObject{}
	if err := ctx.RegisterComponentResource("lumier:index:DurableObject", name, d, opts...); err != nil {
		return nil, err
	}
	if args.ClassName == "" {
		return nil, fmt.Errorf("durable object %q has no className: set it to the exported class name", name)
	}
	if args.Worker == nil {
		return nil, fmt.Errorf("durable object %q has no worker: set it to the scriptName of the Worker that hosts %s",
			name, args.ClassName)
	}
	sqlite := args.SQLite == nil || *args.SQLite
	script := args.Worker.ToStringOutput()
	d.Type = pulumi.String("durable_object").ToStringOutput()
	d.Name = pulumi.String(name).ToStringOutput()
	d.ClassName = pulumi.String(args.ClassName).ToStringOutput()
	d.ScriptName = script
	if ctx.DryRun() {
		// The host may not be deployed yet; the id is known after the update.
		d.NamespaceID = pulumi.UnsafeUnknownOutput(nil).ApplyT(func(any) string { return "" }).(pulumi.StringOutput)
		return d, nil
	}
	goctx := ctx.Context()
	known := pulumi.String("").ToStringOutput()
	if args.NamespaceID != nil {
		known = args.NamespaceID.ToStringOutput()
	}
	d.NamespaceID = pulumi.All(script, known).ApplyTWithContext(goctx, func(goctx context.Context, v []any) (string, error) {
		if id := v[1].(string); id != "" {
			return id, nil
		}
		return lookupNamespace(goctx, v[0].(string), args.ClassName, sqlite)
	}).(pulumi.StringOutput)
	return d, nil
}

// lookupNamespace finds the namespace of class in script, and explains what to declare when the
// host does not have it.
func lookupNamespace(ctx context.Context, script, class string, sqlite bool) (string, error) {
	c, err := clientFrom(ctx)
	if err != nil {
		return "", err
	}
	nss, err := c.Namespaces(ctx)
	if err != nil {
		return "", fmt.Errorf("looking up Durable Object %s of script %q: %w", class, script, err)
	}
	for _, ns := range nss {
		if ns.Script == script && ns.Class == class {
			if ns.SQLite != sqlite {
				return "", storageFlipError(script, class, ns.SQLite)
			}
			return ns.ID, nil
		}
	}
	return "", fmt.Errorf("Durable Object class %q is not hosted by worker script %q: that Worker must declare it in "+
		"durableObjects (the lumier Go helper does this when DurableObject names the Worker in the same stack)", class, script)
}
