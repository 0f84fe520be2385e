// This file is written by hand (the rest of the package is generated): it gives Go programs the
// original tool's `$config({ app, run })` shape.

package lumier

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/naming"
)

// Config is the Go form of the original tool's `$config({ app, run })`.
type Config struct {
	// App names the app and its protected stages. It receives the stage (the stack name).
	App func(AppInput) App
	// Run declares Workers, Durable Objects and bindings, in any order; repeated declarations of
	// a Worker with the same name are merged.
	Run func(ctx *Context) error
}

// AppInput is what App is given.
type AppInput struct {
	// Stage is the stage being deployed: the Pulumi stack name.
	Stage string
}

// App describes the app.
type App struct {
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

// Run runs cfg as a Pulumi program; call it from main.
func Run(cfg Config) { pulumi.Run(cfg.RunFunc()) }

// RunFunc returns cfg as a pulumi.RunFunc, for the Automation API's inline programs.
func (cfg Config) RunFunc() pulumi.RunFunc {
	return func(pctx *pulumi.Context) error {
		if cfg.App == nil || cfg.Run == nil {
			return errors.New("lumier.Config needs both App and Run")
		}
		stage := pctx.Stack()
		app := cfg.App(AppInput{Stage: stage})
		switch app.Removal {
		case "":
			app.Removal = RemovalRetain
		case RemovalRetain, RemovalRemove:
		default:
			return fmt.Errorf("app removal %q is not valid: use %q or %q", app.Removal, RemovalRetain, RemovalRemove)
		}
		ctx := &Context{Context: pctx, app: app, stage: stage, workers: map[string]*WorkerRef{}}
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
	app     App
	stage   string
	workers map[string]*WorkerRef
	order   []*WorkerRef
	objects []*DurableObjectRef
	exports []export
	errs    []error
}

// Stage returns the stage being deployed (the stack name).
func (c *Context) Stage() string { return c.stage }

// AppName returns the app's name.
func (c *Context) AppName() string { return c.app.Name }

// WorkerOptions are a Worker's options, after the original tool's Worker.
type WorkerOptions struct {
	// Entry is the Worker's entry module, relative to the program's directory.
	Entry string
	// URL serves the Worker on its workers.dev URL. Defaults to true.
	URL *bool
	// Bindings by env name: a string or pulumi.StringInput (plain text), a *DurableObjectRef,
	// or Secret(...).
	Bindings Bindings
	// CompatibilityDate defaults to 2025-11-17.
	CompatibilityDate string
	// CompatibilityFlags defaults to ["nodejs_compat"].
	CompatibilityFlags []string
	// Build holds esbuild options.
	Build *BuildOptionsArgs
}

// Bindings maps env names to binding values.
type Bindings map[string]any

// SecretBinding is a secret_text binding; create it with Secret.
type SecretBinding struct{ value pulumi.StringInput }

// Secret makes a binding whose value is kept secret in state and never read back.
func Secret(value pulumi.StringInput) SecretBinding { return SecretBinding{value: value} }

// WorkerRef is a declared Worker. Its resource exists once Run has returned.
type WorkerRef struct {
	ctx      *Context
	name     string
	opts     WorkerOptions
	resource *Worker
}

// Resource returns the Worker component, or nil while Run is still declaring.
func (w *WorkerRef) Resource() *Worker { return w.resource }

// Name returns the Worker's name.
func (w *WorkerRef) Name() string { return w.name }

// ScriptName returns the Worker's script name, "<app>-<stage>-<name>".
func (w *WorkerRef) ScriptName() string { return w.ctx.app.Name + "-" + w.ctx.stage + "-" + w.name }

// URL is the Worker's URL, for Export.
func (w *WorkerRef) URL() Deferred {
	return func() pulumi.Input { return w.resource.Url }
}

// DurableObjectOptions are a Durable Object's options, after the original tool's DurableObject.
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
	name     string
	opts     DurableObjectOptions
	resource *DurableObject
}

// Resource returns the DurableObject component, or nil while Run is still declaring.
func (d *DurableObjectRef) Resource() *DurableObject { return d.resource }

// Output is the seed's DurableObjectOutput: {type: "durable_object", name, className}, plus
// scriptName and namespaceId, for Export.
func (d *DurableObjectRef) Output() Deferred {
	return func() pulumi.Input {
		r := d.resource
		return pulumi.Map{
			"type": r.Type, "name": r.Name, "className": r.ClassName,
			"scriptName": r.ScriptName, "namespaceId": r.NamespaceId,
		}
	}
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

// Worker declares a Worker. Declaring the same name again merges the declarations, so the
// seed's pattern (declare, bind a Durable Object, declare again with bindings) works; two
// declarations that set the same option to different values are an error.
func (c *Context) Worker(name string, opts WorkerOptions) *WorkerRef {
	if w, ok := c.workers[name]; ok {
		c.merge(w, opts)
		return w
	}
	if _, err := naming.ScriptName(c.app.Name, c.stage, name); err != nil {
		c.errs = append(c.errs, fmt.Errorf("worker %q: %w", name, err))
	}
	w := &WorkerRef{ctx: c, name: name, opts: opts}
	c.workers[name] = w
	c.order = append(c.order, w)
	return w
}

func (c *Context) merge(w *WorkerRef, o WorkerOptions) {
	conflict := func(option string, a, b any) {
		c.errs = append(c.errs, fmt.Errorf("worker %q is declared twice with different %s: %v and %v; "+
			"declarations of the same Worker are merged, so they must agree", w.name, option, a, b))
	}
	if o.Entry != "" {
		if w.opts.Entry != "" && w.opts.Entry != o.Entry {
			conflict("entry", quote(w.opts.Entry), quote(o.Entry))
		} else {
			w.opts.Entry = o.Entry
		}
	}
	if o.URL != nil {
		if w.opts.URL != nil && *w.opts.URL != *o.URL {
			conflict("url", *w.opts.URL, *o.URL)
		} else {
			w.opts.URL = o.URL
		}
	}
	if o.CompatibilityDate != "" {
		if w.opts.CompatibilityDate != "" && w.opts.CompatibilityDate != o.CompatibilityDate {
			conflict("compatibilityDate", quote(w.opts.CompatibilityDate), quote(o.CompatibilityDate))
		} else {
			w.opts.CompatibilityDate = o.CompatibilityDate
		}
	}
	if o.CompatibilityFlags != nil {
		if w.opts.CompatibilityFlags != nil && !slices.Equal(w.opts.CompatibilityFlags, o.CompatibilityFlags) {
			conflict("compatibilityFlags", w.opts.CompatibilityFlags, o.CompatibilityFlags)
		} else {
			w.opts.CompatibilityFlags = o.CompatibilityFlags
		}
	}
	if o.Build != nil {
		if w.opts.Build != nil && !reflect.DeepEqual(w.opts.Build, o.Build) {
			conflict("build", "one set of build options", "another")
		} else {
			w.opts.Build = o.Build
		}
	}
	for k, v := range o.Bindings {
		if old, ok := w.opts.Bindings[k]; ok && !sameBinding(old, v) {
			conflict("binding "+k, describe(old), describe(v))
			continue
		}
		if w.opts.Bindings == nil {
			w.opts.Bindings = Bindings{}
		}
		w.opts.Bindings[k] = v
	}
}

// DurableObject declares a Durable Object class hosted by opts.Worker.
func (c *Context) DurableObject(name string, opts DurableObjectOptions) *DurableObjectRef {
	d := &DurableObjectRef{name: name, opts: opts}
	switch {
	case opts.Worker == nil:
		c.errs = append(c.errs, fmt.Errorf("durable object %q has no Worker: set Worker to the Worker that exports %s",
			name, opts.ClassName))
	case opts.Worker.ctx != c || c.workers[opts.Worker.name] != opts.Worker:
		c.errs = append(c.errs, fmt.Errorf("durable object %q names worker %q, which is not declared in this stack: "+
			"declare it with ctx.Worker first", name, opts.Worker.name))
	}
	if opts.ClassName == "" {
		c.errs = append(c.errs, fmt.Errorf("durable object %q has no ClassName: set it to the exported class name", name))
	}
	for _, other := range c.objects {
		if other.name == name {
			c.errs = append(c.errs, fmt.Errorf("durable object %q is declared twice: give each a unique name", name))
		}
		if opts.Worker != nil && other.opts.Worker == opts.Worker && other.opts.ClassName == opts.ClassName {
			c.errs = append(c.errs, fmt.Errorf("durable objects %q and %q both declare class %s on worker %q: declare it once",
				other.name, name, opts.ClassName, opts.Worker.name))
		}
	}
	c.objects = append(c.objects, d)
	return d
}

// register creates the resources: hosts before the Workers that bind their classes, each Worker
// with the classes it hosts, then the Durable Objects.
func (c *Context) register() error {
	ordered, err := c.workerOrder()
	if err != nil {
		return err
	}
	opts := c.resourceOptions()
	for _, w := range ordered {
		args, deps, err := c.workerArgs(w)
		if err != nil {
			return err
		}
		wopts := append(slices.Clone(opts), pulumi.DependsOn(deps))
		w.resource, err = NewWorker(c.Context, w.name, args, wopts...)
		if err != nil {
			return fmt.Errorf("worker %q: %w", w.name, err)
		}
	}
	for _, d := range c.objects {
		host := d.opts.Worker.resource
		args := &DurableObjectArgs{
			Worker:    host.ScriptName,
			ClassName: d.opts.ClassName,
			Sqlite:    d.opts.SQLite,
			// The host already knows the id; passing it saves an API call on every update.
			NamespaceId: host.NamespaceIds.MapIndex(pulumi.String(d.opts.ClassName)),
		}
		d.resource, err = NewDurableObject(c.Context, d.name, args,
			append(slices.Clone(opts), pulumi.DependsOn([]pulumi.Resource{d.opts.Worker.resource}))...)
		if err != nil {
			return fmt.Errorf("durable object %q: %w", d.name, err)
		}
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

// resourceOptions maps the app's protect and removal settings onto Pulumi options.
func (c *Context) resourceOptions() []pulumi.ResourceOption {
	var opts []pulumi.ResourceOption
	if slices.Contains(c.app.Protect, c.stage) {
		opts = append(opts, pulumi.Protect(true))
	}
	if c.app.Removal == RemovalRetain {
		opts = append(opts, pulumi.RetainOnDelete(true))
	}
	return opts
}

func (c *Context) workerArgs(w *WorkerRef) (*WorkerArgs, []pulumi.Resource, error) {
	if w.opts.Entry == "" {
		return nil, nil, fmt.Errorf("worker %q has no Entry: set it to the Worker's entry module, for example \"src/index.ts\"", w.name)
	}
	entry, err := filepath.Abs(w.opts.Entry)
	if err != nil {
		return nil, nil, fmt.Errorf("worker %q: resolving entry: %w", w.name, err)
	}
	if _, err := os.Stat(entry); err != nil {
		return nil, nil, fmt.Errorf("worker %q: entry %s does not exist (resolved from %q against the program directory)",
			w.name, entry, w.opts.Entry)
	}
	args := &WorkerArgs{
		Name:       pulumi.StringRef(w.name),
		ScriptName: pulumi.String(w.ScriptName()),
		Entry:      pulumi.String(entry),
		DeleteData: pulumi.BoolRef(c.app.Removal == RemovalRemove),
		Build:      w.opts.Build,
	}
	if w.opts.URL != nil {
		args.Url = pulumi.BoolPtr(*w.opts.URL)
	}
	if w.opts.CompatibilityDate != "" {
		args.CompatibilityDate = pulumi.StringPtr(w.opts.CompatibilityDate)
	}
	if w.opts.CompatibilityFlags != nil {
		args.CompatibilityFlags = pulumi.ToStringArray(w.opts.CompatibilityFlags)
	}
	classes := ClassArray{}
	for _, d := range c.objects {
		if d.opts.Worker != w {
			continue
		}
		class := ClassArgs{ClassName: pulumi.String(d.opts.ClassName), Name: pulumi.StringPtr(d.name)}
		if d.opts.SQLite != nil {
			class.Sqlite = pulumi.BoolPtr(*d.opts.SQLite)
		}
		if d.opts.RenamedFrom != "" {
			class.RenamedFrom = pulumi.StringPtr(d.opts.RenamedFrom)
		}
		if from := d.opts.TransferredFrom; from != nil {
			class.TransferredFrom = ClassRefArgs{ScriptName: pulumi.String(from.ScriptName()), ClassName: pulumi.String(d.opts.ClassName)}
		}
		classes = append(classes, class)
	}
	var deps []pulumi.Resource
	for _, d := range c.objects {
		if d.opts.Worker == w && d.opts.TransferredFrom != nil && d.opts.TransferredFrom != w {
			deps = append(deps, d.opts.TransferredFrom.resource)
		}
	}
	// Classes leaving w stay declared on it, marked, until the new host's transfer takes them.
	for _, d := range c.objects {
		if d.opts.TransferredFrom == w && d.opts.Worker != w {
			classes = append(classes, ClassArgs{
				ClassName:     pulumi.String(d.opts.ClassName),
				Sqlite:        boolPtrInput(d.opts.SQLite),
				TransferredTo: pulumi.StringPtr(d.opts.Worker.ScriptName()),
			})
		}
	}
	if len(classes) > 0 {
		args.DurableObjects = classes
	}

	bindings := pulumi.Map{}
	secrets := pulumi.StringMap{}
	for _, k := range sortedKeys(w.opts.Bindings) {
		switch v := w.opts.Bindings[k].(type) {
		case string:
			bindings[k] = pulumi.String(v)
		case pulumi.StringInput:
			bindings[k] = v
		case SecretBinding:
			secrets[k] = v.value
		case *DurableObjectRef:
			host := v.opts.Worker
			b := pulumi.Map{"type": pulumi.String("durable_object"), "className": pulumi.String(v.opts.ClassName)}
			if host != w {
				// Cloudflare refuses a binding to a class its host has not migrated yet.
				b["scriptName"] = pulumi.String(host.ScriptName())
				deps = append(deps, host.resource)
			}
			bindings[k] = b
		default:
			return nil, nil, fmt.Errorf("worker %q binding %q has a %T value: use a string, a pulumi.StringInput, "+
				"a Durable Object, or lumier.Secret(...)", w.name, k, v)
		}
	}
	if len(bindings) > 0 {
		args.Bindings = bindings
	}
	if len(secrets) > 0 {
		args.Secrets = secrets
	}
	return args, deps, nil
}

// workerOrder puts every Worker after the Workers whose Durable Objects it binds.
func (c *Context) workerOrder() ([]*WorkerRef, error) {
	var out []*WorkerRef
	state := map[*WorkerRef]int{} // 1 visiting, 2 done
	var visit func(w *WorkerRef, path []string) error
	visit = func(w *WorkerRef, path []string) error {
		switch state[w] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("workers bind each other's Durable Objects in a cycle (%s): Cloudflare needs the host "+
				"deployed before a binding to its class; break the cycle", strings.Join(append(path, w.name), " -> "))
		}
		state[w] = 1
		for _, k := range sortedKeys(w.opts.Bindings) {
			if d, ok := w.opts.Bindings[k].(*DurableObjectRef); ok && d.opts.Worker != nil && d.opts.Worker != w {
				if d.opts.TransferredFrom == w {
					return fmt.Errorf("worker %q binds durable object %q, which moves from it to worker %q in this deploy: "+
						"Cloudflare transfers only unbound classes, so remove the binding now and add it back in a later deploy",
						w.name, d.name, d.opts.Worker.name)
				}
				if err := visit(d.opts.Worker, append(path, w.name)); err != nil {
					return err
				}
			}
		}
		// A transfer's source must drop its own binding before the new host takes the class.
		for _, d := range c.objects {
			if d.opts.Worker == w && d.opts.TransferredFrom != nil && d.opts.TransferredFrom != w {
				if err := visit(d.opts.TransferredFrom, append(path, w.name)); err != nil {
					return err
				}
			}
		}
		state[w] = 2
		out = append(out, w)
		return nil
	}
	for _, w := range c.order {
		if err := visit(w, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func boolPtrInput(b *bool) pulumi.BoolPtrInput {
	if b == nil {
		return nil
	}
	return pulumi.BoolPtr(*b)
}

func sameBinding(a, b any) bool {
	switch av := a.(type) {
	case string:
		bv, ok := b.(string)
		return ok && av == bv
	case *DurableObjectRef:
		bv, ok := b.(*DurableObjectRef)
		return ok && av == bv
	default:
		// Outputs and secrets cannot be compared before deployment; the same value declared
		// twice is still the same Go value.
		return reflect.TypeOf(a) == reflect.TypeOf(b) && reflect.ValueOf(a) == reflect.ValueOf(b)
	}
}

func describe(v any) string {
	switch v := v.(type) {
	case string:
		return quote(v)
	case *DurableObjectRef:
		return "durable object " + quote(v.name)
	default:
		return fmt.Sprintf("a %T", v)
	}
}

func quote(s string) string { return fmt.Sprintf("%q", s) }

func sortedKeys(b Bindings) []string {
	keys := make([]string, 0, len(b))
	for k := range b {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
