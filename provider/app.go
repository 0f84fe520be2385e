package provider

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// appType is the App component's type token.
const appType = "lumier:index:App"

// NewApp constructs the App component: it merges the Worker declarations, checks the Durable
// Objects against them, and creates the Workers (hosts first) and Durable Objects as children.
func NewApp(ctx *pulumi.Context, name string, args AppArgs, opts ...pulumi.ResourceOption) (*App, error) {
	a := &App{}
	if err := ctx.RegisterComponentResource(appType, name, a, opts...); err != nil {
		return nil, err
	}
	plan, err := planApp(ctx.Stack(), args)
	if err != nil {
		return nil, fmt.Errorf("app %q: %w", args.Name, err)
	}
	childOpts := []pulumi.ResourceOption{pulumi.Parent(a)}
	if slices.Contains(args.Protect, plan.stage) {
		childOpts = append(childOpts, pulumi.Protect(true))
	}
	// The guard is never retained: its Delete, which deletes nothing, is what says which
	// Workers and data removal "retain" leaves on Cloudflare.
	guardOpts := slices.Clone(childOpts)
	if plan.removal == RemovalRetain {
		childOpts = append(childOpts, pulumi.RetainOnDelete(true))
	}

	if err := plan.createData(ctx, name, a, childOpts); err != nil {
		return nil, fmt.Errorf("app %q: %w", args.Name, err)
	}
	guard, err := plan.registerDataGuard(ctx, name, guardOpts)
	if err != nil {
		return nil, fmt.Errorf("app %q: %w", args.Name, err)
	}
	var workers, objects []any
	for _, w := range plan.order {
		deps := append(append(plan.bindData(w), plan.consumerDeps(w)...), guard)
		for _, other := range w.after {
			deps = append(deps, other.resource)
		}
		wargs := plan.workerArgs(w)
		w.resource, err = NewWorker(ctx, name+"-"+w.Name, wargs, append(slices.Clone(childOpts), pulumi.DependsOn(deps))...)
		if err != nil {
			return nil, fmt.Errorf("app %q: %w", args.Name, err)
		}
		workerName := w.Name
		workers = append(workers, pulumi.All(w.resource.ScriptName, w.resource.URL, w.resource.URLs).ApplyT(func(v []any) WorkerInfo {
			return WorkerInfo{Type: "worker", Name: workerName, ScriptName: v[0].(string), URL: v[1].(string), URLs: v[2].([]string)}
		}))
	}
	for _, d := range plan.objects {
		do, err := newDurableObject(ctx, name+"-"+d.Name, d.Name, DurableObjectArgs{ClassName: d.ClassName, SQLite: d.SQLite},
			d.host.resource, append(slices.Clone(childOpts), pulumi.DependsOn([]pulumi.Resource{d.host.resource}))...)
		if err != nil {
			return nil, fmt.Errorf("app %q: %w", args.Name, err)
		}
		objects = append(objects, pulumi.All(do.Name, do.ClassName, do.ScriptName, do.NamespaceID).ApplyT(
			func(v []any) DurableObjectInfo {
				return DurableObjectInfo{Type: "durable_object", Name: v[0].(string), ClassName: v[1].(string),
					ScriptName: v[2].(string), NamespaceID: v[3].(string)}
			}))
	}
	a.Name = pulumi.String(args.Name).ToStringOutput()
	a.Stage = pulumi.String(plan.stage).ToStringOutput()
	a.Workers = pulumi.All(workers...).ApplyT(func(vs []any) map[string]WorkerInfo {
		out := map[string]WorkerInfo{}
		for _, v := range vs {
			out[v.(WorkerInfo).Name] = v.(WorkerInfo)
		}
		return out
	}).(WorkerInfoMapOutput)
	a.DurableObjects = pulumi.All(objects...).ApplyT(func(vs []any) map[string]DurableObjectInfo {
		out := map[string]DurableObjectInfo{}
		for _, v := range vs {
			out[v.(DurableObjectInfo).Name] = v.(DurableObjectInfo)
		}
		return out
	}).(DurableObjectInfoMapOutput)
	return a, nil
}

// appPlan is an App's declarations merged and checked: what to create, and in which order.
type appPlan struct {
	app, stage, removal string
	workers             map[string]*appWorker
	order               []*appWorker // hosts before the Workers that bind their classes
	objects             []*appObject
	data                map[string]*appDataSet // data resources by binding type (app_data.go)
	workflows           []*appWorkflow         // app_workflow.go
}

// appWorker is one Worker after merging its declarations.
type appWorker struct {
	AppWorker
	script    string
	bindings  pulumi.Map            // env name -> binding value as the Worker component takes it
	secrets   pulumi.StringMap      // env name -> secret text
	after     []*appWorker          // Workers that must deploy first
	data      map[string]appDataRef // env name -> data resource of the app it binds (app_data.go)
	consumes  []string              // queues of the app it consumes (app_queue.go)
	consumers []QueueConsumer       // its queueConsumers with names on Cloudflare (app_queue.go)
	resource  *Worker
	merger    merger
}

// appObject is one Durable Object with its host resolved.
type appObject struct {
	AppDurableObject
	host *appWorker
	from *appWorker // the Worker it transfers from, if any
}

func planApp(stack string, args AppArgs) (*appPlan, error) {
	plan := &appPlan{app: args.Name, stage: args.Stage, removal: args.Removal, workers: map[string]*appWorker{}}
	if plan.stage == "" {
		plan.stage = stack
		// Every name on Cloudflare holds the stage: one error about the stack says it all.
		if err := naming.ValidateNamePart("stage", plan.stage); err != nil {
			return nil, fmt.Errorf("%w. The stage is the stack's name, %q: create a stack with a valid name "+
				"(`pulumi stack init %s`) or rename this one (`pulumi stack rename %s`), or set the app's stage",
				err, stack, naming.Suggest("stage", stack), naming.Suggest("stage", stack))
		}
	}
	switch plan.removal {
	case "":
		plan.removal = RemovalRetain
	case RemovalRetain, RemovalRemove:
	default:
		return nil, fmt.Errorf("removal %q is not valid: use %q (keep removed Workers and their data) or %q (delete them)",
			plan.removal, RemovalRetain, RemovalRemove)
	}
	var errs []error
	var declared []*appWorker
	for _, decl := range args.Workers {
		w, ok := plan.workers[decl.Name]
		if !ok {
			script, err := naming.ScriptName(args.Name, plan.stage, decl.Name)
			if err != nil {
				errs = append(errs, fmt.Errorf("worker %q: %w", decl.Name, err))
				continue
			}
			w = &appWorker{AppWorker: AppWorker{Name: decl.Name}, script: script, bindings: pulumi.Map{}, secrets: pulumi.StringMap{},
				merger: newMerger("Worker", decl.Name)}
			plan.workers[decl.Name] = w
			declared = append(declared, w)
		}
		errs = append(errs, w.merge(decl)...)
	}
	for _, w := range declared {
		if w.Entry == "" {
			errs = append(errs, fmt.Errorf("worker %q%s has no entry: set entry to its entry module, for example \"src/index.ts\"", w.Name, where(w.merger.first)))
		}
	}
	errs = append(errs, plan.resolveObjects(args.DurableObjects)...)
	errs = append(errs, plan.resolveData(args, declared)...)
	errs = append(errs, plan.resolveConsumers(declared)...)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if err := errors.Join(plan.resolveBindings(declared), plan.resolveServices(declared),
		plan.resolveWorkflows(args.Workflows, declared)); err != nil {
		return nil, err
	}
	return plan, plan.sort(declared)
}

// merge adds one declaration of the Worker. Options both declarations set must be equal; so must
// bindings of the same env name, compared by value.
func (w *appWorker) merge(d AppWorker) []error {
	m := w.merger.declaration(d.At)
	w.mergeOptions(m, d) // worker_options_gen.go, from internal/workeroption
	for env, v := range inputEntries(d.Bindings) {
		if isSecret(v) {
			w.mergeSecret(m, env, v)
			continue
		}
		option := "binding " + env
		if old, ok := w.bindings[env]; ok {
			if a, b, same := sameValue(old, v); !same {
				m.conflict(option, a, b)
			}
			continue
		}
		w.bindings[env] = v
		m.set(option)
	}
	for env, v := range inputEntries(d.Secrets) {
		w.mergeSecret(m, env, v)
	}
	return m.errs
}

func (w *appWorker) mergeSecret(m *declMerge, env string, v pulumi.Input) {
	option := "secret " + env
	if old, ok := w.secrets[env]; ok {
		if _, _, same := sameValue(old, v); !same {
			m.conflict(option, "one secret value", "another")
		}
		return
	}
	m.set(option)
	w.secrets[env] = pulumi.ToOutput(v).ApplyT(func(x any) (string, error) {
		s, ok := x.(string)
		if !ok {
			return "", fmt.Errorf("worker %q secret %s is a %s: secret bindings are strings", w.Name, env, describeValue(x))
		}
		return s, nil
	}).(pulumi.StringOutput)
}

// merger merges the declarations of one thing of an app (a Worker, a Durable Object, a data
// resource): the same name declared again adds to it, and an option both declarations set must
// be equal. It remembers where each option was set, for messages.
type merger struct {
	what, noun string            // `worker "api"`; "Worker"
	first      string            // where the first declaration is
	at         map[string]string // option -> where the declaration that set it is
}

func newMerger(noun, name string) merger {
	return merger{what: fmt.Sprintf("%s %q", strings.ToLower(noun), name), noun: noun, at: map[string]string{}}
}

// declaration starts merging one declaration, made at at ("" where the language gives no position).
func (m *merger) declaration(at string) *declMerge {
	if m.first == "" {
		m.first = at
	}
	return &declMerge{merger: m, here: at}
}

// declMerge is one declaration being merged, and the conflicts it has with the earlier ones.
type declMerge struct {
	*merger
	here string
	errs []error
}

func (d *declMerge) set(option string) { d.at[option] = d.here }

func (d *declMerge) conflict(option string, a, b any) {
	d.errs = append(d.errs, fmt.Errorf("%s is declared twice with different %s: %v%s and %v%s; declarations of the "+
		"same %s are merged, so they must agree", d.what, option, a, where(d.at[option]), b, where(d.here), d.noun))
}

// where is a declaration's position for a message: " (file:line)", or nothing when unknown.
func where(at string) string {
	if at == "" {
		return ""
	}
	return " (" + at + ")"
}

// mergeOption sets *dst to v when v is set, reporting a conflict when both are set and differ.
func mergeOption[T any](d *declMerge, dst *T, v T, option string) {
	mergeValue(d, reflect.ValueOf(dst).Elem(), reflect.ValueOf(v), option)
}

// mergeValue sets dst to v when v is set, reporting a conflict when both are set and differ.
func mergeValue(d *declMerge, dst, v reflect.Value, option string) {
	if v.IsZero() {
		return
	}
	if !dst.IsZero() && !reflect.DeepEqual(dst.Interface(), v.Interface()) {
		d.conflict(option, describeOption(dst.Interface()), describeOption(v.Interface()))
		return
	}
	if dst.IsZero() {
		d.set(option)
	}
	dst.Set(v)
}

func describeOption(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		v = rv.Elem().Interface()
	}
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	if _, ok := v.(BuildOptions); ok {
		return "one set of build options"
	}
	if a, ok := v.(Assets); ok {
		return fmt.Sprintf("assets (directory %q)", a.Directory)
	}
	return fmt.Sprintf("%v", v)
}

// sameValue compares two binding values by what they resolve to. Values not known yet (at
// preview) are taken as equal: the deploy compares them again once they are known.
func sameValue(a, b pulumi.Input) (any, any, bool) {
	av, aKnown := awaitInput(a)
	bv, bKnown := awaitInput(b)
	if !aKnown || !bKnown {
		return av, bv, true
	}
	return describeBinding(av), describeBinding(bv), reflect.DeepEqual(av, bv)
}

func describeBinding(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	if m, ok := v.(map[string]any); ok && m["type"] == "durable_object" {
		return fmt.Sprintf("durable object %q", m["name"])
	}
	if m, ok := v.(map[string]any); ok && m["type"] == cfapi.BindingService {
		return fmt.Sprintf("service %q entrypoint %q", m["name"], m["entrypoint"])
	}
	return describeValue(v)
}

// inputEntries lists the entries of a map input. A map that is one output as a whole (rather
// than entry by entry) is resolved; when it is not known yet (at preview) it has no entries.
func inputEntries(in pulumi.Input) map[string]pulumi.Input {
	out := map[string]pulumi.Input{}
	switch m := in.(type) {
	case nil:
	case pulumi.Map:
		for k, v := range m {
			out[k] = v
		}
	case pulumi.StringMap:
		for k, v := range m {
			out[k] = v
		}
	default:
		if reflect.ValueOf(in).Kind() == reflect.Map && reflect.ValueOf(in).IsNil() {
			return out
		}
		v, known := awaitInput(in)
		if !known {
			return out
		}
		secret := isSecret(in)
		for k, x := range reflect.ValueOf(v).Seq2() {
			var entry pulumi.Input = pulumi.Any(x.Interface())
			if secret {
				entry = pulumi.ToSecret(entry)
			}
			out[k.String()] = entry
		}
	}
	return out
}

// mergeObjects merges the Durable Object declarations of the same name, in declaration order.
func mergeObjects(decls []AppDurableObject) ([]AppDurableObject, []error) {
	var (
		out     []AppDurableObject
		errs    []error
		merging = map[string]*merger{}
		index   = map[string]int{}
	)
	for _, d := range decls {
		if d.Name == "" {
			errs = append(errs, fmt.Errorf("a durable object%s has no name: give each a unique name", where(d.At)))
			continue
		}
		m, ok := merging[d.Name]
		if !ok {
			merging[d.Name] = ptr(newMerger("Durable Object", d.Name))
			m = merging[d.Name]
			index[d.Name] = len(out)
			out = append(out, AppDurableObject{Name: d.Name})
		}
		o := &out[index[d.Name]]
		dm := m.declaration(d.At)
		mergeOption(dm, &o.Worker, d.Worker, "worker")
		mergeOption(dm, &o.ClassName, d.ClassName, "className")
		mergeOption(dm, &o.SQLite, d.SQLite, "sqlite")
		mergeOption(dm, &o.RenamedFrom, d.RenamedFrom, "renamedFrom")
		mergeOption(dm, &o.TransferredFrom, d.TransferredFrom, "transferredFrom")
		if o.At == "" {
			o.At = d.At
		}
		errs = append(errs, dm.errs...)
	}
	return out, errs
}

// resolveObjects checks each Durable Object against the Workers and attaches it to its host.
func (p *appPlan) resolveObjects(decls []AppDurableObject) []error {
	merged, errs := mergeObjects(decls)
	hosted := map[string]string{} // "<worker>/<class>" -> durable object
	for _, d := range merged {
		o := &appObject{AppDurableObject: d}
		if d.ClassName == "" {
			errs = append(errs, fmt.Errorf("durable object %q%s has no className: set it to the exported class name", d.Name, where(d.At)))
			continue
		}
		o.host = p.workers[d.Worker]
		if o.host == nil {
			errs = append(errs, fmt.Errorf("durable object %q%s names worker %q, which this app does not declare (it declares %s): "+
				"declare the Worker, or fix worker", d.Name, where(d.At), d.Worker, exportList(sortedKeys(p.workers))))
			continue
		}
		key := d.Worker + "/" + d.ClassName
		if other, dup := hosted[key]; dup {
			errs = append(errs, fmt.Errorf("durable objects %q and %q both declare class %s on worker %q: declare it once",
				other, d.Name, d.ClassName, d.Worker))
			continue
		}
		hosted[key] = d.Name
		if from := deref(d.TransferredFrom); from != "" {
			o.from = p.workers[from]
			if o.from == nil {
				errs = append(errs, fmt.Errorf("durable object %q%s transfers from worker %q, which this app does not declare: "+
					"keep that Worker declared until the transfer has run", d.Name, where(d.At), from))
				continue
			}
		}
		p.objects = append(p.objects, o)
	}
	return errs
}

// resolveBindings turns each Durable Object binding, given by the Durable Object's name, into the
// binding the Worker takes, and records that the Worker deploys after the class's host.
func (p *appPlan) resolveBindings(workers []*appWorker) error {
	byName := map[string]*appObject{}
	for _, o := range p.objects {
		byName[o.Name] = o
	}
	var errs []error
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != "durable_object" {
				continue
			}
			name, _ := m["name"].(string)
			o := byName[name]
			if o == nil {
				errs = append(errs, fmt.Errorf("worker %q binding %s names durable object %q, which this app does not "+
					"declare (it declares %s)", w.Name, env, name, exportList(sortedKeys(byName))))
				continue
			}
			if class, ok := m["className"].(string); ok && class != "" && class != o.ClassName {
				errs = append(errs, fmt.Errorf("worker %q binding %s says className %q, but durable object %q is class %q: "+
					"drop className or make it agree", w.Name, env, class, name, o.ClassName))
				continue
			}
			if o.from == w && o.host != w {
				errs = append(errs, fmt.Errorf("worker %q binds durable object %q, which moves from it to worker %q in this "+
					"deploy: Cloudflare transfers only unbound classes, so remove the binding now and add it back in a "+
					"later deploy", w.Name, name, o.host.Name))
				continue
			}
			b := pulumi.Map{"type": pulumi.String("durable_object"), "className": pulumi.String(o.ClassName)}
			if o.host != w {
				// Cloudflare refuses a binding to a class its host has not migrated yet.
				b["scriptName"] = pulumi.String(o.host.script)
				w.after = append(w.after, o.host)
			}
			w.bindings[env] = b
		}
	}
	for _, o := range p.objects {
		if o.from != nil && o.from != o.host {
			// The source drops its own binding before the new host takes the class.
			o.host.after = append(o.host.after, o.from)
		}
	}
	return errors.Join(errs...)
}

// sort orders the Workers so that each deploys after the Workers in its after list.
func (p *appPlan) sort(workers []*appWorker) error {
	state := map[*appWorker]int{} // 1 visiting, 2 done
	var visit func(w *appWorker, path []string) error
	visit = func(w *appWorker, path []string) error {
		switch state[w] {
		case 2:
			return nil
		case 1:
			return fmt.Errorf("workers bind each other in a cycle (%s): Cloudflare needs a Durable Object's host, or a "+
				"service binding's Worker, deployed before the binding to it; break the cycle", strings.Join(append(path, w.Name), " -> "))
		}
		state[w] = 1
		for _, dep := range w.after {
			if err := visit(dep, append(path, w.Name)); err != nil {
				return err
			}
		}
		state[w] = 2
		p.order = append(p.order, w)
		return nil
	}
	for _, w := range workers {
		if err := visit(w, nil); err != nil {
			return err
		}
	}
	return nil
}

// workerArgs are the Worker component's inputs for w: its classes, including those on their way
// out (kept, marked, until the new host's transfer takes them), bindings and secrets.
func (p *appPlan) workerArgs(w *appWorker) WorkerArgs {
	args := WorkerArgs{
		Name:       w.Name,
		ScriptName: w.script,
		DeleteData: p.removal == RemovalRemove,
	}
	copyOptions(w.AppWorker, &args) // worker_options_gen.go, from internal/workeroption
	args.QueueConsumers = w.consumers
	for _, o := range p.objects {
		if o.host == w {
			c := Class{ClassName: o.ClassName, Name: ptr(o.Name), SQLite: o.SQLite, RenamedFrom: o.RenamedFrom}
			if o.from != nil && o.from != w {
				c.TransferredFrom = &ClassRef{ScriptName: o.from.script, ClassName: o.ClassName}
			}
			args.DurableObjects = append(args.DurableObjects, c)
		}
	}
	for _, o := range p.objects {
		if o.from == w && o.host != w {
			args.DurableObjects = append(args.DurableObjects, Class{ClassName: o.ClassName, SQLite: o.SQLite,
				TransferredTo: ptr(o.host.script)})
		}
	}
	if len(w.bindings) > 0 {
		args.Bindings = w.bindings
	}
	if len(w.secrets) > 0 {
		args.Secrets = w.secrets
	}
	return args
}
