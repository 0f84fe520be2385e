package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// DurableObjectArgs are the inputs of the DurableObject component, after the `$config` helpers'
// DurableObject options.
type DurableObjectArgs struct {
	Worker      pulumi.AnyOutput   `pulumi:"worker"`
	ClassName   string             `pulumi:"className"`
	SQLite      *bool              `pulumi:"sqlite,optional"`
	NamespaceID pulumi.StringInput `pulumi:"namespaceId,optional"`
}

// Annotate documents DurableObjectArgs.
func (a *DurableObjectArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Worker, "The Worker that hosts the class: the Worker resource itself, or its script name. That "+
		"Worker must list the class in durableObjects (an App does this for you).")
	an.Describe(&a.ClassName, "Durable Object class name, exported by the Worker's entry.")
	an.Describe(&a.SQLite, "Use SQLite storage instead of key-value storage. Defaults to true. Cannot change once deployed.")
	an.Describe(&a.NamespaceID, "The namespace id, when worker is given as a script name (the host Worker's "+
		"namespaceIds output has it). With the Worker resource itself it is read from the Worker.")
}

// DurableObject is the component that stands for one Durable Object namespace. Its outputs are
// the binding value other Workers use: {type: "durable_object", name, className, scriptName}.
type DurableObject struct {
	pulumi.ResourceState
	Type        pulumi.StringOutput `pulumi:"type"`
	Name        pulumi.StringOutput `pulumi:"name"`
	ClassName   pulumi.StringOutput `pulumi:"className"`
	ScriptName  pulumi.StringOutput `pulumi:"scriptName"`
	NamespaceID pulumi.StringOutput `pulumi:"namespaceId"`
}

// Annotate sets the token and documents the outputs.
func (d *DurableObject) Annotate(a infer.Annotator) {
	a.SetToken("index", "DurableObject")
	a.Describe(d, "A Cloudflare Durable Object namespace: a class hosted by a Worker. Pass it in a Worker's "+
		"bindings to bind it.")
	a.Describe(&d.Type, "Always \"durable_object\".")
	a.Describe(&d.Name, "Logical name of the Durable Object.")
	a.Describe(&d.ClassName, "Durable Object class name.")
	a.Describe(&d.ScriptName, "Script that hosts the class.")
	a.Describe(&d.NamespaceID, "Durable Object namespace id on Cloudflare; unknown until the host is deployed.")
}
