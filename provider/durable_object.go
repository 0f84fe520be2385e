package provider

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// NewDurableObject constructs the DurableObject component. It makes no API calls: the host
// Worker, a Worker of the same stack, reports the namespace id, and the checks against the host's
// declaration run at preview.
func NewDurableObject(ctx *pulumi.Context, name string, args DurableObjectArgs, opts ...pulumi.ResourceOption) (*DurableObject, error) {
	return newDurableObject(ctx, name, name, args, nil, opts...)
}

// newDurableObject is NewDurableObject with the host Worker given directly and a logical name
// apart from the resource name, as an App creates them.
func newDurableObject(ctx *pulumi.Context, resource, name string, args DurableObjectArgs, host *Worker,
	opts ...pulumi.ResourceOption,
) (*DurableObject, error) {
	d := &DurableObject{}
	if err := ctx.RegisterComponentResource("lumier:index:DurableObject", resource, d, opts...); err != nil {
		return nil, err
	}
	if args.ClassName == "" {
		return nil, fmt.Errorf("durable object %q has no className: set it to the exported class name", name)
	}
	if args.Worker.OutputState == nil && host == nil {
		return nil, fmt.Errorf("durable object %q has no worker: set it to the Worker that hosts %s", name, args.ClassName)
	}
	d.Type = pulumi.String("durable_object").ToStringOutput()
	d.Name = pulumi.String(name).ToStringOutput()
	d.ClassName = pulumi.String(args.ClassName).ToStringOutput()

	if host != nil {
		d.ScriptName = host.ScriptName
		d.NamespaceID = host.NamespaceIDs.MapIndex(pulumi.String(args.ClassName))
		return d, nil
	}
	view := args.Worker.ApplyT(func(v any) (hostView, error) {
		return resolveHost(ctx, name, args, v)
	})
	d.ScriptName = view.ApplyT(func(h any) string { return h.(hostView).script }).(pulumi.StringOutput)
	d.NamespaceID = view.ApplyT(func(h any) string { return h.(hostView).namespaceID }).(pulumi.StringOutput)
	if args.NamespaceID != nil {
		d.NamespaceID = args.NamespaceID.ToStringOutput()
	}
	return d, nil
}

// hostView is what a DurableObject needs of its host: the script and the class's namespace id.
type hostView struct {
	script      string
	namespaceID string
}

// resolveHost reads the host from a Worker passed by reference or by script name, and checks at
// preview that a Worker of this stack hosts the class with the same storage.
func resolveHost(ctx *pulumi.Context, name string, args DurableObjectArgs, v any) (hostView, error) {
	var h hostView
	switch w := v.(type) {
	case pulumi.Resource:
		outputs, typ, err := referencedOutputs(ctx, w)
		if err != nil {
			return h, fmt.Errorf("durable object %q: %w", name, err)
		}
		if typ != "lumier:index:Worker" {
			return h, fmt.Errorf("durable object %q: worker is a %s; pass a lumier Worker or its script name", name, typ)
		}
		h.script, _ = outputs["scriptName"].(string)
		if ids, ok := outputs["namespaceIds"].(map[string]any); ok {
			h.namespaceID, _ = ids[args.ClassName].(string)
		}
	case string:
		h.script = w
	default:
		return h, fmt.Errorf("durable object %q: worker is a %s; pass the Worker resource or its script name", name, describeValue(v))
	}
	host, ok := workerOf(h.script)
	if !ok {
		return h, fmt.Errorf("durable object %q names worker script %q, which no Worker of this stack deploys: declare "+
			"that Worker in this stack and pass it as worker", name, h.script)
	}
	c, ok := host.hosts(args.ClassName)
	if !ok {
		return h, fmt.Errorf("durable object %q: worker %q (script %q) does not host class %q: add {className: %q} to "+
			"its durableObjects (an App does this for you)", name, host.resource, h.script, args.ClassName, args.ClassName)
	}
	want := args.SQLite == nil || *args.SQLite
	if c.sqlite() != want {
		return h, fmt.Errorf("durable object %q says sqlite: %t, but worker %q declares class %q with sqlite: %t: make "+
			"them agree (the storage of a class cannot change once deployed)", name, want, host.resource, args.ClassName, c.sqlite())
	}
	return h, nil
}
