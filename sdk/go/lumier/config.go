// This file is written by hand (the rest of the package is generated): it gives Go programs the
// `$config({ app, run })` shape. It only records declarations, verbatim, in order, with where the
// program makes them; the App component in the provider alone merges, deduplicates, checks and
// names them, orders the Workers and wires the Durable Objects, as for TypeScript and YAML.

package lumier

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Config is the Go form of the `$config({ app, run })`.
type Config struct {
	// App names the app and its protected stages. It receives the stage (the stack name).
	App func(AppContext) AppConfig
	// Run declares Workers, Durable Objects and bindings, in any order; repeated declarations of
	// a Worker with the same name are merged.
	Run func(ctx *Context) error
}

// AppContext is what Config.App is given.
type AppContext struct {
	// Stage is the stage being deployed: the Pulumi stack name.
	Stage string
}

// AppConfig describes the app. (The App component it becomes is lumier.App.)
type AppConfig struct {
	// Name is the app name; script names are "<app>-<stage>-<worker>".
	Name string
	// Protect lists the stages whose resources are all protected from deletion.
	Protect []string
	// Removal is what happens to removed resources: "retain" (the default) keeps the Workers on
	// Cloudflare and their Durable Object data; "remove" deletes them, data included.
	Removal string
}

// Removal policies.
const (
	RemovalRetain = "retain"
	RemovalRemove = "remove"
)

// RunFunc returns cfg as a pulumi.RunFunc, for the Automation API's inline programs.
func (cfg Config) RunFunc() pulumi.RunFunc {
	return func(pctx *pulumi.Context) error {
		if cfg.App == nil || cfg.Run == nil {
			return errors.New("lumier.Config needs both App and Run")
		}
		stage := pctx.Stack()
		ctx := &Context{Context: pctx, app: cfg.App(AppContext{Stage: stage}), stage: stage, workers: map[string]*WorkerRef{}}
		if err := cfg.Run(ctx); err != nil {
			return err
		}
		if err := errors.Join(ctx.errs...); err != nil {
			return err
		}
		return ctx.register()
	}
}

// Context is what Run declares resources on. It embeds the Pulumi context.
type Context struct {
	*pulumi.Context
	app       AppConfig
	stage     string
	workers   map[string]*WorkerRef
	decls     AppWorkerArray
	objects   AppDurableObjectArray
	kvs       AppKvNamespaceArray
	queues    AppQueueArray
	d1        AppD1DatabaseArray // config_d1.go
	r2s       AppR2BucketArray   // config_r2.go
	workflows AppWorkflowArray   // config_workflow.go
	exports   []export
	errs      []error
	resource  *App
}

// Stage returns the stage being deployed (the stack name).
func (c *Context) Stage() string { return c.stage }

// AppName returns the app's name.
func (c *Context) AppName() string { return c.app.Name }

// Bindings maps env names to binding values.
type Bindings map[string]any

// SecretBinding is a secret_text binding; create it with Secret.
type SecretBinding struct{ value pulumi.StringInput }

// Secret makes a binding whose value is kept secret in state and never read back.
func Secret(value pulumi.StringInput) SecretBinding { return SecretBinding{value: value} }

// WorkerRef is a declared Worker.
type WorkerRef struct {
	ctx  *Context
	name string
}

// Name returns the Worker's name.
func (w *WorkerRef) Name() string { return w.name }

// ScriptName is the Worker's script name on Cloudflare, as the App names it, for Export.
func (w *WorkerRef) ScriptName() Deferred {
	return func() pulumi.Input {
		return w.ctx.resource.Workers.MapIndex(pulumi.String(w.name)).ScriptName()
	}
}

// URL is the Worker's URL, for Export.
func (w *WorkerRef) URL() Deferred {
	return func() pulumi.Input {
		return w.ctx.resource.Workers.MapIndex(pulumi.String(w.name)).Url()
	}
}

// DurableObjectOptions are a Durable Object's options, after the `$config` helpers' DurableObject.
type DurableObjectOptions struct {
	// Worker hosts the class.
	Worker *WorkerRef
	// ClassName is the exported class.
	ClassName string
	// SQLite selects SQLite storage; defaults to true.
	SQLite *bool
	// RenamedFrom is the class's previous name; the rename keeps the data.
	RenamedFrom string
	// TransferredFrom moves the class, with its objects and data, from this other Worker of the
	// app, which must not bind it any more.
	TransferredFrom *WorkerRef
}

// DurableObjectRef is a declared Durable Object. It can be used as a binding value.
type DurableObjectRef struct {
	ctx  *Context
	name string
}

// Output is the DurableObjectOutput: {type: "durable_object", name, className}, plus
// scriptName and namespaceId, for Export.
func (d *DurableObjectRef) Output() Deferred {
	return func() pulumi.Input { return d.ctx.resource.DurableObjects.MapIndex(pulumi.String(d.name)) }
}

// Deferred is a value available once Run has returned, such as a Worker's URL.
type Deferred func() pulumi.Input

// Export exports a stack output. value may be a Deferred (WorkerRef.URL, DurableObjectRef.Output)
// or any pulumi.Input.
func (c *Context) Export(name string, value any) {
	c.exports = append(c.exports, export{name, value})
}

type export struct {
	name  string
	value any
}

// Worker declares a Worker. Declaring the same name again adds to the same Worker, so the basic
// usage's pattern (declare, bind a Durable Object, declare again with bindings) works; the App refuses
// two declarations that set an option to different values.
func (c *Context) Worker(name string, opts WorkerOptions) *WorkerRef {
	w, ok := c.workers[name]
	if !ok {
		w = &WorkerRef{ctx: c, name: name}
		c.workers[name] = w
	}
	decl := AppWorkerArgs{Name: pulumi.String(name), At: position()}
	if opts.Entry != "" {
		decl.Entry = pulumi.String(absolute(opts.Entry))
	}
	optionsDecl(opts, &decl) // config_options_gen.go, from the registry of Worker options
	if opts.Assets != nil {
		decl.Assets = opts.Assets.args()
	}
	if len(opts.Consumers) > 0 {
		decl.QueueConsumers = c.consumersInput(name, opts.Consumers)
	}
	if err := routingDecl(name, opts, &decl); err != nil {
		c.errs = append(c.errs, err)
	}
	bindings, secrets := pulumi.Map{}, pulumi.StringMap{}
	for k, v := range opts.Bindings {
		switch v := v.(type) {
		case string:
			bindings[k] = pulumi.String(v)
		case pulumi.StringInput:
			bindings[k] = v
		case SecretBinding:
			secrets[k] = v.value
		case *DurableObjectRef:
			bindings[k] = pulumi.Map{"type": pulumi.String("durable_object"), "name": pulumi.String(v.name)}
		case *R2BucketRef:
			bindings[k] = pulumi.Map{"type": pulumi.String("r2_bucket"), "name": pulumi.String(v.name)}
		case *KvNamespaceRef:
			bindings[k] = pulumi.Map{"type": pulumi.String("kv_namespace"), "name": pulumi.String(v.name)}
		case *QueueRef:
			bindings[k] = pulumi.Map{"type": pulumi.String("queue"), "name": pulumi.String(v.name)}
		case *D1DatabaseRef:
			bindings[k] = d1Binding(v)
		case *WorkerRef:
			bindings[k] = serviceBinding(v, "")
		case ServiceBinding:
			bindings[k] = serviceBinding(v.worker, v.entrypoint)
		case *WorkflowRef:
			bindings[k] = pulumi.Map{"type": pulumi.String("workflow"), "name": pulumi.String(v.name)}
		case KindBinding:
			bindings[k] = v.input()
		case JSONBinding:
			bindings[k] = pulumi.Map{"type": pulumi.String("json"), "value": pulumi.Any(v.value)}
		default:
			c.errs = append(c.errs, fmt.Errorf("worker %q binding %q has a %T value: use a string, a pulumi.StringInput, "+
				"a Durable Object, a KV namespace, an R2 bucket, a Queue, a D1 database, a Workflow, a Worker, lumier.Service(...), "+
				"lumier.JSON(...), lumier.Kind(...), lumier.VersionMetadata() or lumier.Secret(...)", name, k, v))
		}
	}
	if len(bindings) > 0 {
		decl.Bindings = bindings
	}
	if len(secrets) > 0 {
		// The generated SDK marks only top-level secret inputs as secret; this one is nested.
		decl.Secrets = pulumi.ToSecret(secrets).(pulumi.StringMapOutput)
	}
	c.decls = append(c.decls, decl)
	return w
}

// DurableObject declares a Durable Object class hosted by opts.Worker.
func (c *Context) DurableObject(name string, opts DurableObjectOptions) *DurableObjectRef {
	d := &DurableObjectRef{ctx: c, name: name}
	if opts.Worker == nil || opts.Worker.ctx != c {
		c.errs = append(c.errs, fmt.Errorf("durable object %q has no Worker of this app: set Worker to the *WorkerRef "+
			"that ctx.Worker returned for the Worker that exports %s", name, opts.ClassName))
		return d
	}
	decl := AppDurableObjectArgs{
		Name:      pulumi.String(name),
		Worker:    pulumi.String(opts.Worker.name),
		ClassName: pulumi.String(opts.ClassName),
		At:        position(),
	}
	if opts.SQLite != nil {
		decl.Sqlite = pulumi.Bool(*opts.SQLite)
	}
	if opts.RenamedFrom != "" {
		decl.RenamedFrom = pulumi.String(opts.RenamedFrom)
	}
	if opts.TransferredFrom != nil {
		decl.TransferredFrom = pulumi.String(opts.TransferredFrom.name)
	}
	c.objects = append(c.objects, decl)
	return d
}

// KvNamespaceRef is a declared Workers KV namespace. It can be used as a binding value.
type KvNamespaceRef struct {
	ctx  *Context
	name string
}

// Name returns the namespace's name in the app.
func (k *KvNamespaceRef) Name() string { return k.name }

// ID is the namespace id Cloudflare assigned, for Export.
func (k *KvNamespaceRef) ID() Deferred {
	return func() pulumi.Input { return k.ctx.resource.KvNamespaces.MapIndex(pulumi.String(k.name)) }
}

// KvNamespace declares a Workers KV namespace titled "<app>-<stage>-<name>". Declaring the same
// name again is the same namespace (the App merges the declarations).
func (c *Context) KvNamespace(name string) *KvNamespaceRef {
	c.kvs = append(c.kvs, AppKvNamespaceArgs{Name: pulumi.String(name)})
	return &KvNamespaceRef{ctx: c, name: name}
}

// position is where the program called the declaration that calls position: "file:line",
// relative to the working directory when it is under it, for the App's messages.
func position() pulumi.StringPtrInput {
	_, file, line, ok := runtime.Caller(2)
	if !ok {
		return nil
	}
	if wd, err := os.Getwd(); err == nil {
		if rel, err := filepath.Rel(wd, file); err == nil && !strings.HasPrefix(rel, "..") {
			file = rel
		}
	}
	return pulumi.StringPtr(fmt.Sprintf("%s:%d", file, line))
}

// absolute is a path of the program's, relative to its directory, made absolute: the provider
// reads it from its own working directory, which need not be the program's.
func absolute(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// register creates the App from the declarations, then the exports.
func (c *Context) register() error {
	args := &AppArgs{
		Name:           c.app.Name,
		Stage:          &c.stage,
		Protect:        pulumi.ToStringArray(c.app.Protect),
		Workers:        c.decls,
		DurableObjects: c.objects,
		KvNamespaces:   c.kvs,
		Queues:         c.queues,
		D1Databases:    c.d1,
		R2Buckets:      c.r2s,
		Workflows:      c.workflows,
	}
	if c.app.Removal != "" {
		args.Removal = &c.app.Removal
	}
	var err error
	if c.resource, err = NewApp(c.Context, c.app.Name, args); err != nil {
		return err
	}
	for _, e := range c.exports {
		switch v := e.value.(type) {
		case Deferred:
			c.Context.Export(e.name, v())
		case pulumi.Input:
			c.Context.Export(e.name, v)
		default:
			return fmt.Errorf("export %q: %T is not a pulumi.Input", e.name, e.value)
		}
	}
	return nil
}
