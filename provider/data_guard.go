package provider

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// DataGuard is the custom resource an App registers to list its data resources (KV namespaces,
// R2 buckets, D1 databases, queues). A resource removed from the program is deleted (or, under
// retainOnDelete, dropped from the stack) after the program has run, and a Delete is never
// called at preview; the guard's inputs change in the same deploy, and its Diff, which the
// engine calls at preview with the previous list, sees the entry that disappeared and reads
// from Cloudflare what that resource holds. It makes no API call while the list is unchanged.
//
// The guard also lists the app's Workers, and it is the one resource of an app that is not
// retainOnDelete: when the app leaves the stack (`pulumi destroy`) under removal "retain", its
// Delete is what says which Workers and data stay on Cloudflare and how to delete them.
type DataGuard struct{}

var (
	_ = (infer.CustomResource[DataGuardArgs, DataGuardState])((*DataGuard)(nil))
	_ = (infer.CustomDiff[DataGuardArgs, DataGuardState])((*DataGuard)(nil))
	_ = (infer.CustomUpdate[DataGuardArgs, DataGuardState])((*DataGuard)(nil))
	_ = (infer.CustomDelete[DataGuardState])((*DataGuard)(nil))
	_ = (infer.Annotated)((*DataGuard)(nil))
)

// Annotate sets the token and documents DataGuard.
func (g *DataGuard) Annotate(a infer.Annotator) {
	a.SetToken("index", "DataGuard")
	a.Describe(g, "The list of an App's data resources (KV namespaces, R2 buckets, D1 databases, queues), which "+
		"the App registers for itself: you do not declare one. When a data resource that holds data is no longer "+
		"declared (or is renamed, for the kinds a new name replaces), the preview fails naming it under removal "+
		"\"retain\", and warns that it will be deleted under removal \"remove\". Deleting the guard deletes nothing; "+
		"under removal \"retain\" it warns which Workers and data stay on Cloudflare, and how to delete them.")
}

// DataGuardArgs are the inputs of a DataGuard.
type DataGuardArgs struct {
	App       string                 `pulumi:"app"`
	Removal   string                 `pulumi:"removal"`
	Resources map[string]GuardedData `pulumi:"resources,optional"`
	// Workers are the app's Workers by name in the app.
	Workers map[string]GuardedWorker `pulumi:"workers,optional"`
}

// Annotate documents DataGuardArgs.
func (a *DataGuardArgs) Annotate(an infer.Annotator) {
	an.Describe(&a.App, "The app's name, for messages.")
	an.Describe(&a.Removal, "The app's removal policy, \"retain\" or \"remove\": the one its data resources were "+
		"deployed with.")
	an.Describe(&a.Resources, "The app's data resources by \"<kind>/<name>\" (guardKey), so that a preview "+
		"shows the one that leaves by its key.")
	an.Describe(&a.Workers, "The app's Workers by name in the app, so that the guard can say which stay on "+
		"Cloudflare when the app leaves the stack under removal \"retain\".")
}

// GuardedWorker is one Worker of an App, as its DataGuard lists it.
type GuardedWorker struct {
	ScriptName     string   `pulumi:"scriptName"`
	DurableObjects []string `pulumi:"durableObjects,optional"`
	Workflows      []string `pulumi:"workflows,optional"`
}

// Annotate documents GuardedWorker.
func (w *GuardedWorker) Annotate(a infer.Annotator) {
	a.SetToken("index", "GuardedWorker")
	a.Describe(w, "One Worker of an App as its DataGuard lists it.")
	a.Describe(&w.ScriptName, "Its script name on Cloudflare, \"<app>-<stage>-<name>\".")
	a.Describe(&w.DurableObjects, "The classes of the Durable Objects it hosts, whose data lives with the script.")
	a.Describe(&w.Workflows, "The workflows it defines, by their names on Cloudflare, whose instances live with them.")
}

// GuardedData is one data resource of an App, as its DataGuard lists it.
type GuardedData struct {
	Kind  string `pulumi:"kind"`
	Name  string `pulumi:"name"`
	Title string `pulumi:"title"`
	ID    string `pulumi:"id"`
}

// Annotate documents GuardedData.
func (d *GuardedData) Annotate(a infer.Annotator) {
	a.SetToken("index", "GuardedData")
	a.Describe(d, "One data resource of an App as its DataGuard lists it: what the guard reads from Cloudflare when "+
		"the resource leaves the app.")
	a.Describe(&d.Kind, "The binding type of the resource: kv_namespace, r2_bucket, d1 or queue.")
	a.Describe(&d.Name, "Its name in the app.")
	a.Describe(&d.Title, "Its name on Cloudflare, \"<app>-<stage>-<name>\".")
	a.Describe(&d.ID, "Its resource id, \"<accountId>/<id>\" (the bucket name for R2).")
}

// DataGuardState is what a DataGuard records: its inputs, the list the next preview compares with.
type DataGuardState struct {
	DataGuardArgs
}

// Create records the list; nothing reaches Cloudflare.
func (g *DataGuard) Create(ctx context.Context, req infer.CreateRequest[DataGuardArgs]) (infer.CreateResponse[DataGuardState], error) {
	return infer.CreateResponse[DataGuardState]{ID: "guard", Output: DataGuardState{req.Inputs}}, nil
}

// Update records the new list; nothing reaches Cloudflare.
func (g *DataGuard) Update(ctx context.Context, req infer.UpdateRequest[DataGuardArgs, DataGuardState]) (infer.UpdateResponse[DataGuardState], error) {
	return infer.UpdateResponse[DataGuardState]{Output: DataGuardState{req.Inputs}}, nil
}

// Delete deletes nothing: the data resources are deleted, or kept, by their own resources.
// Under removal "retain" the app's other resources leave the stack without a Delete of their
// own (retainOnDelete), so this one says what stays on Cloudflare.
func (g *DataGuard) Delete(ctx context.Context, req infer.DeleteRequest[DataGuardState]) (infer.DeleteResponse, error) {
	if msg := retainedMessage(req.State.DataGuardArgs); msg != "" {
		p.GetLogger(ctx).Warning(msg)
	}
	return infer.DeleteResponse{}, nil
}

// subject names the Worker name and its script.
func (w GuardedWorker) subject(name string) string {
	return fmt.Sprintf("Worker %q (script %q)", name, w.ScriptName)
}

// kept says what a Worker left on Cloudflare goes on doing and holding.
func (w GuardedWorker) kept() string {
	s := "it keeps serving"
	if len(w.DurableObjects) > 0 {
		s += ", with the data of its Durable Objects " + strings.Join(quoteAll(w.DurableObjects), ", ")
	}
	if len(w.Workflows) > 0 {
		s += ", and its workflows " + strings.Join(quoteAll(w.Workflows), ", ") + " with their instances"
	}
	return s
}

// deleteCommand is the wrangler command that deletes the Worker's script, its Durable Objects'
// data with it.
func (w GuardedWorker) deleteCommand() string { return "wrangler delete " + w.ScriptName }

// workersLeaving is the warning for each Worker that leaves the app while its last deploy said
// removal "retain": Pulumi drops it from the stack with no Delete, and it stays on Cloudflare.
func workersLeaving(old, news DataGuardArgs) []string {
	if old.Removal == RemovalRemove {
		return nil
	}
	var out []string
	for _, name := range sortedKeys(old.Workers) {
		if _, ok := news.Workers[name]; ok {
			continue
		}
		w := old.Workers[name]
		out = append(out, fmt.Sprintf("app %q: %s is no longer declared and was deployed under removal %q, so it "+
			"leaves the stack and stays on Cloudflare, where no `up` or `destroy` of this stack manages it: %s. "+
			"To delete it, use the Cloudflare dashboard or `%s`; to have a deploy delete a Worker, deploy removal %q "+
			"while it is still declared, then remove it.",
			old.App, w.subject(name), RemovalRetain, w.kept(), w.deleteCommand(), RemovalRemove))
	}
	return out
}

// retainedMessage is the warning for an app that leaves the stack under removal "retain": the
// Workers and data it leaves on Cloudflare, still serving and holding their data, and how to
// delete them. Empty under removal "remove" (everything was deleted) or when nothing stays.
func retainedMessage(a DataGuardArgs) string {
	if a.Removal == RemovalRemove || (len(a.Workers) == 0 && len(a.Resources) == 0) {
		return ""
	}
	var kept, commands []string
	for _, name := range sortedKeys(a.Workers) {
		kept = append(kept, a.Workers[name].subject(name)+": "+a.Workers[name].kept())
		commands = append(commands, a.Workers[name].deleteCommand())
	}
	for _, key := range sortedKeys(a.Resources) {
		d := a.Resources[key]
		kind, ok := dataKinds[d.Kind]
		_, id, _ := strings.Cut(d.ID, "/")
		if !ok || id == "" {
			continue
		}
		kept = append(kept, fmt.Sprintf("%s %q (%q on Cloudflare), with its data", kind.noun, d.Name, d.Title))
		commands = append(commands, kind.deleteCommand(d.Title, id))
	}
	return fmt.Sprintf("app %q left the stack under removal %q (the default), so these stay on Cloudflare "+
		"and no `up` or `destroy` of this stack manages them any more:\n  - %s\n"+
		"To delete them, use the Cloudflare dashboard or wrangler:\n  %s\n"+
		"To have `pulumi destroy` delete an app's Workers and data, set removal %q and run `pulumi up` before "+
		"`pulumi destroy`.",
		a.App, RemovalRetain, strings.Join(kept, "\n  - "), strings.Join(commands, "\n  "), RemovalRemove)
}

// Diff compares the list with the one last deployed. Data resources that leave it are judged
// (judgeRemoved): a refusal fails the preview, and the rest is said in warnings and notes.
func (g *DataGuard) Diff(ctx context.Context, req infer.DiffRequest[DataGuardArgs, DataGuardState]) (infer.DiffResponse, error) {
	diff := map[string]p.PropertyDiff{}
	if !reflect.DeepEqual(req.State.Resources, req.Inputs.Resources) {
		diff["resources"] = p.PropertyDiff{Kind: p.Update}
	}
	if req.State.Removal != req.Inputs.Removal {
		diff["removal"] = p.PropertyDiff{Kind: p.Update}
	}
	if req.State.App != req.Inputs.App {
		diff["app"] = p.PropertyDiff{Kind: p.Update}
	}
	// A guard recorded before guards listed Workers has none in its state; the list alone is no
	// change to show (the engine records the new inputs with the unchanged step, and
	// withGuardWorkers hands them to Delete), so upgrading lumier previews no change.
	if req.State.Workers != nil && !reflect.DeepEqual(req.State.Workers, req.Inputs.Workers) {
		diff["workers"] = p.PropertyDiff{Kind: p.Update}
		for _, w := range workersLeaving(req.State.DataGuardArgs, req.Inputs) {
			p.GetLogger(ctx).Warning(w)
		}
		if leaving := workflowsLeaving(req.State.DataGuardArgs, req.Inputs); len(leaving) > 0 {
			c, err := clientFrom(ctx)
			if err != nil {
				return infer.DiffResponse{}, err
			}
			warnings, refusal := judgeWorkflowsLeaving(ctx, c, leaving, appHolder(req.State.App),
				req.State.Removal, req.Inputs.Removal)
			for _, w := range warnings {
				p.GetLogger(ctx).Warning(w)
			}
			if refusal != nil {
				return infer.DiffResponse{}, refusal
			}
		}
	}
	if gone := removedData(req.State.DataGuardArgs, req.Inputs); len(gone) > 0 {
		c, err := clientFrom(ctx)
		if err != nil {
			return infer.DiffResponse{}, err
		}
		urn, _ := ctx.Value(urnKey{}).(presource.URN)
		v, err := judgeRemoved(ctx, c, req.State.DataGuardArgs, req.Inputs, gone)
		if err != nil {
			return infer.DiffResponse{}, err
		}
		log := p.GetLogger(ctx)
		for _, w := range v.warnings {
			log.Warning(w)
		}
		for _, n := range v.notes {
			log.Info(n)
		}
		if err := v.refusal(req.State.DataGuardArgs, req.Inputs, string(urn)); err != nil {
			return infer.DiffResponse{}, err
		}
	}
	return infer.DiffResponse{HasChanges: len(diff) > 0, DetailedDiff: diff}, nil
}

// removedEntry is a data resource leaving an app: no longer declared, or replaced by a new name.
type removedEntry struct {
	GuardedData
	renamedTo string // the new name on Cloudflare when a rename replaces it
}

// guardKey is an entry's key in a DataGuard's resources: "<kind>/<name>".
func guardKey(kind, name string) string { return kind + "/" + name }

// removedData lists, in key order, the entries of old that news no longer has. An entry matches
// by key (kind and name); for the kinds a new name replaces, a changed title is the old resource
// leaving too.
func removedData(old, news DataGuardArgs) []removedEntry {
	var gone []removedEntry
	for _, key := range sortedKeys(old.Resources) {
		d := old.Resources[key]
		now, ok := news.Resources[key]
		switch {
		case !ok:
			gone = append(gone, removedEntry{GuardedData: d})
		case dataKinds[d.Kind].replacedOnRename && now.Title != "" && now.Title != d.Title:
			gone = append(gone, removedEntry{GuardedData: d, renamedTo: now.Title})
		}
	}
	return gone
}

// guardVerdict is what the preview says about the data resources leaving an app.
type guardVerdict struct {
	// retained hold data and would leave the stack kept on Cloudflare (last deployed under
	// "retain"); deleted hold data and would be deleted though the app now says "retain".
	retained, deleted []string
	warnings, notes   []string
}

// judgeRemoved reads what each leaving resource holds and decides. What Pulumi does with a
// resource that leaves the program follows its state from the last deploy, i.e. old's removal:
// under "retain" the App set retainOnDelete, so Pulumi drops it from the stack without calling
// Delete and it stays on Cloudflare, data included; under "remove" it is deleted with its data
// (deleteData). A resource that holds data is refused unless both the last deploy and this one
// say "remove", and then the preview warns; one that holds nothing, or is already gone, passes.
func judgeRemoved(ctx context.Context, c *cfapi.Client, old, news DataGuardArgs, gone []removedEntry) (guardVerdict, error) {
	var v guardVerdict
	for _, e := range gone {
		kind, ok := dataKinds[e.Kind]
		if !ok {
			continue // a kind this provider version does not know holds nothing it can read
		}
		_, id, _ := strings.Cut(e.ID, "/")
		if id == "" {
			continue // never created: nothing to lose
		}
		subject := fmt.Sprintf("app %q: %s %q (%q on Cloudflare)", old.App, kind.noun, e.Name, e.Title)
		leaves := "is no longer declared"
		if e.renamedTo != "" {
			leaves = fmt.Sprintf("is renamed to %q, which replaces it with a new %s", e.renamedTo, kind.noun)
		}
		held, err := kind.held(ctx, c, id)
		if cfapi.IsNotFound(err) {
			v.notes = append(v.notes, fmt.Sprintf("%s %s and is already gone from Cloudflare", subject, leaves))
			continue
		}
		if err != nil {
			return guardVerdict{}, fmt.Errorf("%s %s; reading what it holds: %w", subject, leaves, err)
		}
		deletes := old.Removal == RemovalRemove
		switch {
		case held.empty() && deletes:
			v.notes = append(v.notes, fmt.Sprintf("%s %s and holds nothing: this deploy deletes it", subject, leaves))
		case held.empty():
			v.notes = append(v.notes, fmt.Sprintf("%s %s and holds nothing: under removal %q it leaves the stack "+
				"and stays on Cloudflare, empty", subject, leaves, old.Removal))
		case deletes && news.Removal == RemovalRemove:
			v.warnings = append(v.warnings, fmt.Sprintf("%s %s and removal is %q: this deploy DELETES it and all it "+
				"holds: %s", subject, leaves, RemovalRemove, held))
		case deletes:
			v.deleted = append(v.deleted, fmt.Sprintf("%s %s, and it holds %s.", subject, leaves, held))
		default:
			v.retained = append(v.retained, fmt.Sprintf("%s %s, and it holds %s.", subject, leaves, held))
		}
	}
	return v, nil
}

// refusal is the preview's error when data resources holding data would leave the stack: each
// named with what it holds, then why, and the ways forward. Nil when nothing is refused.
func (v guardVerdict) refusal(old, news DataGuardArgs, guardURN string) error {
	if len(v.retained) == 0 && len(v.deleted) == 0 {
		return nil
	}
	var b strings.Builder
	if len(v.retained) > 0 {
		b.WriteString(strings.Join(v.retained, "\n"))
		fmt.Fprintf(&b, "\nUnder removal %q (the app's default) the App marks its data resources retainOnDelete, so "+
			"Pulumi would not delete them: it would drop them from the stack and leave them on Cloudflare with their "+
			"data, where no later `up` or `destroy` of this stack manages them. Refused so that nothing leaves "+
			"unnoticed.", old.Removal)
		if news.Removal == RemovalRemove {
			fmt.Fprintf(&b, " Setting removal %q in this same deploy does not reach them: a resource that leaves the "+
				"program is deleted or kept by the options it was last deployed with.", RemovalRemove)
		}
		fmt.Fprintf(&b, " To keep one, declare it again. To delete it with its data, deploy removal %q while it is "+
			"still declared (that lifts retainOnDelete and sets deleteData), then remove it: the preview then warns "+
			"and `up` deletes it. To leave it on Cloudflare outside the stack, empty it first", RemovalRemove)
		if guardURN != "" {
			fmt.Fprintf(&b, ", or run `pulumi state delete '%s'` (this check then starts over from the app's "+
				"current declarations)", guardURN)
		}
		b.WriteString(".")
	}
	if len(v.deleted) > 0 {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString(strings.Join(v.deleted, "\n"))
		fmt.Fprintf(&b, "\nThey were last deployed under removal %q, so this deploy would DELETE them with their "+
			"data although the app now says removal %q. Declare them again, or set removal %q back to delete them "+
			"(the preview then warns), or empty them first.", RemovalRemove, news.Removal, RemovalRemove)
	}
	return errors.New(b.String())
}

// withGuardWorkers gives a DataGuard's Delete the Workers its inputs list when its state has none:
// a guard recorded before guards listed Workers keeps its old state through every unchanged step
// (its Diff shows no change for the list alone), while the engine records the new inputs.
func withGuardWorkers(prov p.Provider) p.Provider {
	del := prov.Delete
	prov.Delete = func(ctx context.Context, req p.DeleteRequest) error {
		if req.Urn.Type() == "lumier:index:DataGuard" {
			_, has := req.Properties.GetOk("workers")
			if workers, ok := req.OldInputs.GetOk("workers"); ok && !has {
				req.Properties = req.Properties.Set("workers", workers)
			}
		}
		return del(ctx, req)
	}
	return prov
}
