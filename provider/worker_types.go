package provider

import (
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkerArgs are the inputs of the Worker component, after the `$config` helpers' Worker options.
type WorkerArgs struct {
	Name               string                  `pulumi:"name,optional"`
	ScriptName         string                  `pulumi:"scriptName,optional"`
	Entry              string                  `pulumi:"entry"`
	WorkersDev         pulumi.BoolInput        `pulumi:"workersDev,optional"`
	Bindings           pulumi.MapInput         `pulumi:"bindings,optional"`
	Secrets            pulumi.StringMapInput   `pulumi:"secrets,optional" provider:"secret"`
	DurableObjects     []Class                 `pulumi:"durableObjects,optional"`
	CompatibilityDate  pulumi.StringInput      `pulumi:"compatibilityDate,optional"`
	CompatibilityFlags pulumi.StringArrayInput `pulumi:"compatibilityFlags,optional"`
	Build              *BuildOptions           `pulumi:"build,optional"`
	DeleteData         bool                    `pulumi:"deleteData,optional"`
	Crons              pulumi.StringArrayInput `pulumi:"crons,optional"`
	Assets             *Assets                 `pulumi:"assets,optional"`
	Rollout            *Rollout                `pulumi:"rollout,optional"`
	QueueConsumers     []QueueConsumer         `pulumi:"queueConsumers,optional"`
	Routes             []any                   `pulumi:"routes,optional"`
	Domains            []string                `pulumi:"domains,optional"`
}

// Annotate documents WorkerArgs.
func (a *WorkerArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Name, "Logical name of the Worker. Defaults to the resource name.")
	an.Describe(&a.ScriptName, "Script name on Cloudflare. Defaults to \"<project>-<stack>-<name>\"; an App names its "+
		"Workers \"<app>-<stage>-<name>\".")
	an.Describe(&a.Entry, "Entry module of the Worker (TypeScript or JavaScript), relative to the Pulumi project. "+
		"Bundled with esbuild.")
	an.Describe(&a.WorkersDev, "Serve the Worker on its workers.dev URL (on the local Cloudflare: a port on 127.0.0.1). "+
		"Defaults to true.")
	an.Describe(&a.Bindings, "Bindings by env name. A string becomes plain text; a DurableObject (the resource itself, "+
		"or its output {type: \"durable_object\", className, scriptName?}) becomes a Durable Object namespace "+
		"binding; a KvNamespace, Queue, D1Database or R2Bucket (the resource itself) becomes a kv_namespace, queue (producer), d1 or r2_bucket binding; an object {type, ...} with one "+
		"of Cloudflare's binding types (see Binding, e.g. {type: \"kv_namespace\", namespaceId}) is passed as it is.")
	an.Describe(&a.Secrets, "Secret text bindings by env name. Kept encrypted in state and never read back.")
	an.Describe(&a.DurableObjects, "Durable Object classes this Worker hosts. Migrations are computed for you.")
	an.Describe(&a.CompatibilityDate, "Workers runtime compatibility date. Defaults to "+DefaultCompatibilityDate+".")
	an.Describe(&a.CompatibilityFlags, "Workers runtime compatibility flags. Defaults to [\"nodejs_compat\"].")
	an.Describe(&a.Build, "esbuild options: define, external, minify, sourcemap.")
	an.Describe(&a.Crons, cronsDoc)
	an.Describe(&a.Assets, assetsDoc)
	an.Describe(&a.Rollout, rolloutDoc)
	an.Describe(&a.QueueConsumers, queueConsumersDoc)
	an.Describe(&a.Routes, routesDoc)
	an.Describe(&a.Domains, domainsDoc)
	an.Describe(&a.DeleteData, "Allow deleting Durable Object data when a hosted class is removed or the Worker is deleted.")
}

// Worker is the component that deploys one Worker script.
type Worker struct {
	pulumi.ResourceState
	Type         pulumi.StringOutput      `pulumi:"type"`
	Name         pulumi.StringOutput      `pulumi:"name"`
	ScriptName   pulumi.StringOutput      `pulumi:"scriptName"`
	URL          pulumi.StringOutput      `pulumi:"url"`
	NamespaceIDs pulumi.StringMapOutput   `pulumi:"namespaceIds"`
	URLs         pulumi.StringArrayOutput `pulumi:"urls"`
}

// Annotate sets the token and documents the outputs.
func (w *Worker) Annotate(a infer.Annotator) {
	a.SetToken("index", "Worker")
	a.Describe(w, "A Cloudflare Worker: bundles the entry with esbuild and uploads it with its bindings and the "+
		"Durable Object classes it hosts.")
	a.Describe(&w.Type, "Always \"worker\".")
	a.Describe(&w.Name, "Logical name of the Worker.")
	a.Describe(&w.ScriptName, "Script name on Cloudflare.")
	a.Describe(&w.URL, "URL the Worker answers at; empty when workersDev is false.")
	a.Describe(&w.NamespaceIDs, "Durable Object namespace id of each hosted class, by class name.")
	a.Describe(&w.URLs, "The URLs the Worker can be called at: its workers.dev URL (when on), \"https://<hostname>/\" for each custom domain, and for each route whose host has no wildcard the route's pattern as a URL without its trailing \"*\" (https unless the pattern names http: \"example.com/api/*\" is \"https://example.com/api/\"); a route such as \"*.example.com/*\" names no one URL and is not listed.")
}
