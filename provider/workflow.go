package provider

import (
	"context"
	"fmt"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// A Workflow is defined by the script whose upload carries its binding without a scriptName (or
// with its own), as wrangler's `workflows` config does: the script exports the class, and after
// the upload the Workflows API registers the workflow (`PUT /accounts/{a}/workflows/{name}` with
// the script and class, docs/cloudflare-api.md "Workflows"). A binding with another scriptName
// only calls a workflow that script defines.

// hostedWorkflow is one workflow a script defines.
type hostedWorkflow struct{ name, class, binding string }

// hostedWorkflows are the workflows args defines, by name.
func hostedWorkflows(args ScriptArgs) map[string]hostedWorkflow {
	out := map[string]hostedWorkflow{}
	for _, b := range args.Bindings {
		if b.Type != cfapi.BindingWorkflow || (b.host() != "" && b.host() != args.ScriptName) {
			continue
		}
		out[deref(b.WorkflowName)] = hostedWorkflow{name: deref(b.WorkflowName), class: deref(b.ClassName), binding: b.Name}
	}
	return out
}

// checkWorkflows refuses, at preview, two bindings defining one workflow with different classes
// and a workflow name Cloudflare would refuse.
func checkWorkflows(args ScriptArgs) []p.CheckFailure {
	var failures []p.CheckFailure
	seen := map[string]Binding{}
	for _, b := range args.Bindings {
		if b.Type != cfapi.BindingWorkflow || b.WorkflowName == nil {
			continue
		}
		name := *b.WorkflowName
		if err := cfapi.ValidateWorkflowName(name); err != nil {
			failures = append(failures, p.CheckFailure{Property: "bindings", Reason: fmt.Sprintf("binding %q: %v", b.Name, err)})
			continue
		}
		if other, ok := seen[name]; ok && (deref(other.ClassName) != deref(b.ClassName) || other.host() != b.host()) {
			failures = append(failures, p.CheckFailure{Property: "bindings", Reason: fmt.Sprintf(
				"bindings %q and %q both name workflow %q but differ in className or scriptName: one workflow runs one "+
					"class of one script, so give both the same, or name two workflows", other.Name, b.Name, name)})
		}
		seen[name] = b
	}
	return failures
}

// checkWorkflowExports requires the class of each workflow the script defines to be exported as
// a class: Cloudflare runs a workflow by constructing its WorkflowEntrypoint and calling run().
func checkWorkflowExports(args *ScriptArgs, b *bundle.Result) []p.CheckFailure {
	var failures []p.CheckFailure
	hosted := hostedWorkflows(*args)
	for _, name := range sortedKeys(hosted) {
		w := hosted[name]
		fix := fmt.Sprintf("add `export class %s extends WorkflowEntrypoint { async run(event, step) { ... } }` "+
			"(WorkflowEntrypoint is imported from \"cloudflare:workers\") to the entry, or fix className", w.class)
		if !slices.Contains(b.Exports, w.class) {
			failures = append(failures, p.CheckFailure{Property: "bindings", Reason: fmt.Sprintf(
				"workflow %q (binding %s) runs class %q, which %s does not export (it exports %s): %s",
				name, w.binding, w.class, args.Entry, exportList(b.Exports), fix)})
			continue
		}
		if kind := b.ExportKinds[w.class]; kind != bundle.KindClass && kind != bundle.KindUnknown && kind != "" {
			failures = append(failures, p.CheckFailure{Property: "bindings", Reason: fmt.Sprintf(
				"workflow %q (binding %s) runs class %q, but export %q of %s is %s: %s",
				name, w.binding, w.class, w.class, args.Entry, article(kind), fix)})
		}
	}
	return failures
}

// deployWorkflows registers the workflows news defines after its upload, as wrangler deploy
// does, and retires the ones old defined and news no longer does (retireWorkflows).
func deployWorkflows(ctx context.Context, c *cfapi.Client, old *ScriptArgs, news ScriptArgs) error {
	hosted := hostedWorkflows(news)
	for _, name := range sortedKeys(hosted) {
		if err := c.Workflows.Put(ctx, name, news.ScriptName, hosted[name].class); err != nil {
			return err
		}
	}
	if old == nil {
		return nil
	}
	var dropped []string
	for name := range hostedWorkflows(*old) {
		if _, ok := hosted[name]; !ok {
			dropped = append(dropped, name)
		}
	}
	slices.Sort(dropped)
	return retireWorkflows(ctx, c, news.ScriptName, dropped, news.DeleteData)
}

// judgeScriptWorkflowsLeaving judges, at preview, the workflows a standalone script's bindings
// no longer define, by the App's rule (judgeWorkflowsLeaving) with deleteData as the removal: one
// with unfinished instances is refused unless deleteData is true, which the preview warns of. An
// App's scripts are left to the App's data guard, which judges its workflows with the app's
// removal (and those leaving with their Worker), so a preview says it once.
func judgeScriptWorkflowsLeaving(ctx context.Context, old, news ScriptArgs) error {
	if urn, _ := ctx.Value(urnKey{}).(presource.URN); underApp(urn) {
		return nil
	}
	leaving := scriptWorkflowsLeaving(old, news)
	if len(leaving) == 0 {
		return nil
	}
	c, err := clientFrom(ctx)
	if err != nil {
		return err
	}
	warnings, refusal := judgeWorkflowsLeaving(ctx, c, leaving, scriptHolder(news.ScriptName),
		removalOf(old.DeleteData), removalOf(news.DeleteData))
	for _, w := range warnings {
		p.GetLogger(ctx).Warning(w)
	}
	return refusal
}

// underApp reports a resource whose URN has an App among its parents.
func underApp(urn presource.URN) bool {
	if !urn.IsValid() {
		return false
	}
	parents := strings.Split(string(urn.QualifiedType()), "$")
	return slices.Contains(parents[:len(parents)-1], appType)
}

// retireWorkflows handles workflows a script no longer defines. Without deleteData (an App's
// removal "retain") each is kept on Cloudflare with its instances, and the deploy says so,
// loudly when instances have not finished (queued, running, paused, waiting); with it each is
// deleted, its instances with it.
func retireWorkflows(ctx context.Context, c *cfapi.Client, script string, names []string, deleteData bool) error {
	for _, name := range names {
		w, err := c.Workflows.Get(ctx, name)
		if cfapi.IsNotFound(err) {
			continue
		}
		if err != nil {
			return err
		}
		if n := w.Unfinished(); !deleteData && n > 0 {
			p.GetLogger(ctx).Warningf("workflow %q is no longer defined by script %q, but %d of its instances have not "+
				"finished: it is KEPT on Cloudflare with them (removal \"retain\"). Define it again to "+
				"manage it; delete it with `wrangler workflows delete %s`, or set removal "+
				"\"remove\" (deleteData: true) before dropping it to delete it with the deploy", name, script, n, name)
			continue
		} else if !deleteData {
			p.GetLogger(ctx).Infof("workflow %q is no longer defined by script %q: it is kept on Cloudflare with its "+
				"finished instances (removal \"retain\"); delete it with `wrangler workflows delete %s`", name, script, name)
			continue
		}
		if n := w.Unfinished(); n > 0 {
			p.GetLogger(ctx).Warningf("workflow %q of script %q is deleted with its %d unfinished instance(s) "+
				"(deleteData is true)", name, script, n)
		}
		if err := c.Workflows.Delete(ctx, name); err != nil {
			return err
		}
	}
	return nil
}

// deleteWorkflowsOf retires every workflow a script being deleted defines, and refuses, naming
// them, while any has unfinished instances and deleteData is not set: their runs need the script.
func deleteWorkflowsOf(ctx context.Context, c *cfapi.Client, state ScriptArgs) error {
	hosted := hostedWorkflows(state)
	names := sortedKeys(hosted)
	if !state.DeleteData {
		for _, name := range names {
			w, err := c.Workflows.Get(ctx, name)
			if cfapi.IsNotFound(err) {
				continue
			}
			if err != nil {
				return err
			}
			if n := w.Unfinished(); n > 0 {
				return fmt.Errorf("refusing to delete script %q: its workflow %q has %d unfinished instance(s), which "+
					"would stop. Wait for them to finish, or set deleteData: true on the Worker (or removal: \"remove\" "+
					"in the app) and run `pulumi up` before deleting", state.ScriptName, name, n)
			}
		}
	}
	return retireWorkflows(ctx, c, state.ScriptName, names, true)
}
