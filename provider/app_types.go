package provider

import (
	"reflect"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Removal policies of an App.
const (
	RemovalRetain = "retain"
	RemovalRemove = "remove"
)

// AppArgs are the inputs of the App component: the whole declaration of a
// `$config({ app, run })`.
type AppArgs struct {
	Name           string             `pulumi:"name"`
	Stage          string             `pulumi:"stage,optional"`
	Protect        []string           `pulumi:"protect,optional"`
	Removal        string             `pulumi:"removal,optional"`
	Workers        []AppWorker        `pulumi:"workers"`
	DurableObjects []AppDurableObject `pulumi:"durableObjects,optional"`
	KvNamespaces   []AppKvNamespace   `pulumi:"kvNamespaces,optional"`
	Queues         []AppQueue         `pulumi:"queues,optional"`
	D1Databases    []AppD1Database    `pulumi:"d1Databases,optional"`
	R2Buckets      []AppR2Bucket      `pulumi:"r2Buckets,optional"`
	Workflows      []AppWorkflow      `pulumi:"workflows,optional"`
}

// Annotate documents AppArgs.
func (a *AppArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.Name, "App name: Workers are named \"<app>-<stage>-<name>\" on Cloudflare.")
	an.Describe(&a.Stage, "Stage being deployed. Defaults to the stack name.")
	an.Describe(&a.Protect, "Stages whose resources are all protected: Pulumi refuses to delete them.")
	an.Describe(&a.Removal, "What happens to Workers and their Durable Object data when they leave the app or the "+
		"stack is destroyed: \"retain\" (the default) keeps them on Cloudflare; \"remove\" deletes them, data included.")
	an.Describe(&a.Workers, "Worker declarations in program order. Declarations with the same name are merged into "+
		"one Worker; options they both set must agree.")
	an.Describe(&a.DurableObjects, "Durable Object declarations; each names the Worker of this app that hosts it. "+
		"Declarations with the same name are merged; options they both set must agree.")
	an.Describe(&a.D1Databases, "D1 databases, named \"<app>-<stage>-<name>\", with their migrations. A Worker "+
		"binds one as {type: \"d1\", name}.")
	an.Describe(&a.KvNamespaces, "Workers KV namespaces, titled \"<app>-<stage>-<name>\". A Worker binds one as "+
		"{type: \"kv_namespace\", name}.")
	an.Describe(&a.Queues, "Queues, named \"<app>-<stage>-<name>\" on Cloudflare. A Worker sends to one with the binding "+
		"{type: \"queue\", name} and consumes one with queueConsumers: [{queue: name}].")
	an.Describe(&a.Workflows, "Workflows, named \"<app>-<stage>-<name>\", each run by a class one of the app's "+
		"Workers exports. The host Worker gets the binding (env.ORDER for \"order\"); another Worker binds one as "+
		"{type: \"workflow\", name}.")
	an.Describe(&a.R2Buckets, "R2 buckets, named \"<app>-<stage>-<name>\". A Worker binds one as "+
		"{type: \"r2_bucket\", name}.")
}

// AppWorker declares a Worker of an App, or adds to the declaration of the same name.
type AppWorker struct {
	Name               string                `pulumi:"name"`
	Entry              string                `pulumi:"entry,optional"`
	WorkersDev         *bool                 `pulumi:"workersDev,optional"`
	Bindings           pulumi.MapInput       `pulumi:"bindings,optional"`
	Secrets            pulumi.StringMapInput `pulumi:"secrets,optional" provider:"secret"`
	CompatibilityDate  string                `pulumi:"compatibilityDate,optional"`
	CompatibilityFlags []string              `pulumi:"compatibilityFlags,optional"`
	Build              *BuildOptions         `pulumi:"build,optional"`
	Crons              []string              `pulumi:"crons,optional"`
	Assets             *Assets               `pulumi:"assets,optional"`
	Rollout            *Rollout              `pulumi:"rollout,optional"`
	QueueConsumers     []QueueConsumer       `pulumi:"queueConsumers,optional"`
	Routes             []any                 `pulumi:"routes,optional"`
	Domains            []string              `pulumi:"domains,optional"`
	At                 string                `pulumi:"at,optional"`
}

// Annotate documents AppWorker.
func (w *AppWorker) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppWorker")
	a.Describe(w, "A Worker of an App. Declaring the same name again merges the declarations.")
	a.Describe(&w.Name, "Worker name: lowercase letters, digits and '-'. Its script is \"<app>-<stage>-<name>\".")
	a.Describe(&w.Entry, "Entry module (TypeScript or JavaScript), relative to the Pulumi project. Bundled with esbuild.")
	a.Describe(&w.WorkersDev, "Serve the Worker on its workers.dev URL. Defaults to true.")
	a.Describe(&w.Bindings, "Bindings by env name: a string (plain text); a Durable Object of this app as "+
		"{type: \"durable_object\", name} (its output, or the DurableObject resource itself); a KV namespace of this "+
		"app as {type: \"kv_namespace\", name}; a queue of this app as {type: \"queue\", name} (a producer); a D1 database of this app as {type: \"d1\", name}; an R2 bucket of this app as {type: \"r2_bucket\", name}; or an object {type, ...} with one of Cloudflare's binding types (see "+
		"Binding), such as {type: \"kv_namespace\", namespaceId}.")
	a.Describe(&w.Secrets, "Secret text bindings by env name. Kept encrypted in state and never read back.")
	a.Describe(&w.CompatibilityDate, "Workers runtime compatibility date. Defaults to "+DefaultCompatibilityDate+".")
	a.Describe(&w.CompatibilityFlags, "Workers runtime compatibility flags. Defaults to [\"nodejs_compat\"].")
	a.Describe(&w.Build, "esbuild options: define, external, minify, sourcemap.")
	a.Describe(&w.Crons, cronsDoc)
	a.Describe(&w.Assets, assetsDoc)
	a.Describe(&w.Rollout, rolloutDoc)
	a.Describe(&w.QueueConsumers, queueConsumersDoc+" In an App, queue and deadLetterQueue name queues of the app.")
	a.Describe(&w.Routes, routesDoc)
	a.Describe(&w.Domains, domainsDoc)
	a.Describe(&w.At, atDoc)
}

// atDoc describes the position a language helper records with a declaration.
const atDoc = "Where the program makes this declaration (file:line), named in the App's messages. The Go and " +
	"TypeScript helpers set it; it changes nothing deployed."

// AppDurableObject declares a Durable Object of an App.
type AppDurableObject struct {
	Name            string  `pulumi:"name"`
	Worker          string  `pulumi:"worker"`
	ClassName       string  `pulumi:"className"`
	SQLite          *bool   `pulumi:"sqlite,optional"`
	RenamedFrom     *string `pulumi:"renamedFrom,optional"`
	TransferredFrom *string `pulumi:"transferredFrom,optional"`
	At              string  `pulumi:"at,optional"`
}

// Annotate documents AppDurableObject.
func (d *AppDurableObject) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppDurableObject")
	a.Describe(d, "A Durable Object of an App: a class hosted by one of its Workers. Declaring the same name again "+
		"merges the declarations.")
	a.Describe(&d.Name, "Durable Object name, unique in the app. A new className under the same name is a rename, "+
		"which keeps the data.")
	a.Describe(&d.Worker, "Name of the Worker of this app that hosts the class.")
	a.Describe(&d.ClassName, "Exported class that implements the Durable Object.")
	a.Describe(&d.SQLite, "Use SQLite-backed storage. Defaults to true. Cannot change once deployed.")
	a.Describe(&d.RenamedFrom, "Previous class name; the rename keeps every object and its data.")
	a.Describe(&d.TransferredFrom, "Name of the Worker of this app the class moves from, with its objects and data. "+
		"That Worker must no longer bind it.")
	a.Describe(&d.At, atDoc)
}

// App is the component for a whole app: it creates its Workers and Durable Objects, in order,
// named, protected and retained as the app says.
type App struct {
	pulumi.ResourceState
	Name           pulumi.StringOutput        `pulumi:"name"`
	Stage          pulumi.StringOutput        `pulumi:"stage"`
	Workers        WorkerInfoMapOutput        `pulumi:"workers"`
	DurableObjects DurableObjectInfoMapOutput `pulumi:"durableObjects"`
	KvNamespaces   pulumi.StringMapOutput     `pulumi:"kvNamespaces"`
	Queues         pulumi.StringMapOutput     `pulumi:"queues"`
	D1Databases    pulumi.StringMapOutput     `pulumi:"d1Databases"`
	R2Buckets      pulumi.StringMapOutput     `pulumi:"r2Buckets"`
}

// WorkerInfo is what an App reports of one of its Workers.
type WorkerInfo struct {
	Type       string   `pulumi:"type"`
	Name       string   `pulumi:"name"`
	ScriptName string   `pulumi:"scriptName"`
	URL        string   `pulumi:"url"`
	URLs       []string `pulumi:"urls"`
}

// Annotate documents WorkerInfo.
func (w *WorkerInfo) Annotate(a infer.Annotator) {
	a.SetToken("index", "WorkerInfo")
	a.Describe(w, "A Worker of an App, as its outputs report it.")
	a.Describe(&w.Type, "Always \"worker\".")
	a.Describe(&w.Name, "Worker name in the app.")
	a.Describe(&w.ScriptName, "Script name on Cloudflare.")
	a.Describe(&w.URL, "URL the Worker answers at; empty when workersDev is false.")
	a.Describe(&w.URLs, "The URLs the Worker can be called at: its workers.dev URL (when on), \"https://<hostname>/\" for each custom domain, and for each route whose host has no wildcard the route's pattern as a URL without its trailing \"*\" (https unless the pattern names http: \"example.com/api/*\" is \"https://example.com/api/\"); a route such as \"*.example.com/*\" names no one URL and is not listed.")
}

// DurableObjectInfo is the DurableObjectOutput ({type, name, className}) plus where the
// class runs; it is also a binding value.
type DurableObjectInfo struct {
	Type        string `pulumi:"type"`
	Name        string `pulumi:"name"`
	ClassName   string `pulumi:"className"`
	ScriptName  string `pulumi:"scriptName"`
	NamespaceID string `pulumi:"namespaceId"`
}

// Annotate documents DurableObjectInfo.
func (d *DurableObjectInfo) Annotate(a infer.Annotator) {
	a.SetToken("index", "DurableObjectInfo")
	a.Describe(d, "A Durable Object of an App: {type: \"durable_object\", name, className}, plus the script hosting it "+
		"and its namespace id. Usable as a binding value.")
	a.Describe(&d.Type, "Always \"durable_object\".")
	a.Describe(&d.Name, "Durable Object name in the app.")
	a.Describe(&d.ClassName, "Class name.")
	a.Describe(&d.ScriptName, "Script that hosts the class.")
	a.Describe(&d.NamespaceID, "Durable Object namespace id on Cloudflare; unknown until the host is deployed.")
}

// WorkerInfoMapOutput and DurableObjectInfoMapOutput give the App's outputs their types in the
// schema, so that every language (YAML included) can read their fields.
type (
	WorkerInfoMapOutput        struct{ *pulumi.OutputState }
	DurableObjectInfoMapOutput struct{ *pulumi.OutputState }
)

// ElementType is the Go type the output resolves to.
func (WorkerInfoMapOutput) ElementType() reflect.Type {
	return reflect.TypeFor[map[string]WorkerInfo]()
}

// ElementType is the Go type the output resolves to.
func (DurableObjectInfoMapOutput) ElementType() reflect.Type {
	return reflect.TypeFor[map[string]DurableObjectInfo]()
}

func init() {
	pulumi.RegisterOutputType(WorkerInfoMapOutput{})
	pulumi.RegisterOutputType(DurableObjectInfoMapOutput{})
}

// Annotate sets the token and documents the outputs.
func (a *App) Annotate(an infer.Annotator) {
	an.SetToken("index", "App")
	an.Describe(a, "An app: its Workers and Durable Objects, declared the way `$config({ app, run })` declares "+
		"them. Repeated Worker declarations are merged, each Durable Object is hosted by its Worker, Workers deploy "+
		"after the hosts of the classes they bind, and the stage decides protection and removal.")
	an.Describe(&a.Name, "App name.")
	an.Describe(&a.Stage, "Stage deployed.")
	an.Describe(&a.Workers, "Workers by name: {type: \"worker\", name, scriptName, url, urls}.")
	an.Describe(&a.DurableObjects, "Durable Objects by name: {type: \"durable_object\", name, className, scriptName, "+
		"namespaceId}, usable as binding values.")
	an.Describe(&a.KvNamespaces, "KV namespace ids by name.")
	an.Describe(&a.Queues, "Queue names on Cloudflare by name in the app.")
	an.Describe(&a.D1Databases, "D1 database ids by name.")
	an.Describe(&a.R2Buckets, "R2 bucket names by name.")
}
