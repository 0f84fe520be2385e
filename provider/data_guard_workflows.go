package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// leavingWorkflow is a workflow an app or a script no longer defines: dropped from its Worker,
// or leaving with it.
type leavingWorkflow struct {
	title string
	// by names what defined it, in the messages: `Worker "api"`, or a script's "its bindings".
	by         string
	withWorker bool // its Worker leaves the app too
}

// workflowHolder is what a leaving workflow belonged to, in the words of its messages: an App,
// whose `removal` decides what a deploy deletes, or a standalone Script, whose `deleteData` does.
type workflowHolder struct {
	subject    string // starts each message: `app "orders"`
	keptWhen   string // how a workflow leaves under the default, which keeps it
	keep       string // how the program keeps it defined: "declare it"
	defined    string // "declared"
	removeWith string // the setting under which the deploy deletes it: `removal "remove"`
	removing   string // that setting, in effect: `removal is "remove"`
}

// appHolder is an App's workflows' holder.
func appHolder(app string) workflowHolder {
	return workflowHolder{
		subject:    fmt.Sprintf("app %q", app),
		keptWhen:   fmt.Sprintf("leaves the app under removal %q (the default)", RemovalRetain),
		keep:       "declare it",
		defined:    "declared",
		removeWith: fmt.Sprintf("removal %q", RemovalRemove),
		removing:   fmt.Sprintf("removal is %q", RemovalRemove),
	}
}

// scriptHolder is a standalone Script's workflows' holder: a script defines a workflow with a
// workflow binding naming no other script.
func scriptHolder(script string) workflowHolder {
	return workflowHolder{
		subject:    fmt.Sprintf("script %q", script),
		keptWhen:   "leaves a script whose deleteData is false (the default)",
		keep:       "bind it",
		defined:    "bound",
		removeWith: "deleteData: true",
		removing:   "deleteData is true",
	}
}

// removalOf is the removal a script's deleteData stands for.
func removalOf(deleteData bool) string {
	if deleteData {
		return RemovalRemove
	}
	return RemovalRetain
}

// workflowsLeaving lists, in Worker then title order, the workflows old's Workers define that no
// Worker of news defines.
func workflowsLeaving(old, news DataGuardArgs) []leavingWorkflow {
	stays := map[string]bool{}
	for _, w := range news.Workers {
		for _, title := range w.Workflows {
			stays[title] = true
		}
	}
	var out []leavingWorkflow
	for _, name := range sortedKeys(old.Workers) {
		_, kept := news.Workers[name]
		for _, title := range old.Workers[name].Workflows {
			if !stays[title] {
				out = append(out, leavingWorkflow{title: title, by: fmt.Sprintf("Worker %q", name), withWorker: !kept})
			}
		}
	}
	return out
}

// scriptWorkflowsLeaving lists, by name, the workflows old's bindings define that news's do not.
func scriptWorkflowsLeaving(old, news ScriptArgs) []leavingWorkflow {
	stays := hostedWorkflows(news)
	var out []leavingWorkflow
	for _, name := range sortedKeys(hostedWorkflows(old)) {
		if _, ok := stays[name]; !ok {
			out = append(out, leavingWorkflow{title: name, by: "its bindings"})
		}
	}
	return out
}

// judgeWorkflowsLeaving reads, for each workflow leaving an app or a script, how many of its
// instances have not finished, and refuses the preview when any would be left behind unmanaged
// or deleted against the holder's setting: a workflow whose unfinished instances the deploy
// keeps (removal "retain", a script's deleteData false: the defaults) stays on Cloudflare outside
// the stack, its runs going on or failing with no `up` or `destroy` of this stack reaching them,
// which is how work is lost unnoticed. One whose deploy deletes it (removal "remove", deleteData
// true) is deleted with its instances: the preview warns. A workflow with no unfinished instance
// leaves quietly.
//
// Which removal decides is the one Pulumi applies: a Worker that leaves is deleted or kept by the
// options it was last deployed with (oldRemoval), while a workflow dropped from a Worker that
// stays is deleted or kept by the Worker's update, under this deploy's removal (newRemoval).
//
// It returns the warnings to log and the refusal, if any.
func judgeWorkflowsLeaving(ctx context.Context, c *cfapi.Client, leaving []leavingWorkflow, h workflowHolder, oldRemoval, newRemoval string) (warnings []string, refusal error) {
	var kept, deleted []string
	for _, l := range leaving {
		w, err := c.Workflows.Get(ctx, l.title)
		if cfapi.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: reading workflow %q, which it no longer defines: %w", h.subject, l.title, err)
		}
		n := w.Unfinished()
		if n == 0 {
			continue
		}
		leaves := fmt.Sprintf("is no longer defined by %s", l.by)
		removal := newRemoval
		if l.withWorker {
			leaves = fmt.Sprintf("leaves with %s, which is no longer declared", l.by)
			removal = oldRemoval
		}
		subject := fmt.Sprintf("%s: workflow %q %s, and %d of its instances have not finished (%s)",
			h.subject, l.title, leaves, n, unfinishedCounts(w))
		switch {
		case removal == RemovalRemove && newRemoval == RemovalRemove:
			warnings = append(warnings, fmt.Sprintf("%s: %s, so this deploy DELETES the workflow and stops them",
				subject, h.removing))
		case removal == RemovalRemove:
			deleted = append(deleted, subject+".")
		default:
			kept = append(kept, subject+".")
		}
	}
	var msgs []string
	if len(kept) > 0 {
		msgs = append(msgs, strings.Join(kept, "\n")+fmt.Sprintf("\nA workflow that %s "+
			"is not deleted: it stays on Cloudflare with its instances, outside the stack, where no later "+
			"`up` or `destroy` manages it, and an instance whose class the Worker no longer runs fails. Refused so that "+
			"no running work is left behind unnoticed. To keep it, %s again. Otherwise wait for its instances "+
			"to finish, or terminate them (`wrangler workflows instances terminate <workflow> <id>`), and preview "+
			"again; or deploy %s while it is still %s, then remove it: the preview then warns and `up` "+
			"deletes it with its instances.", h.keptWhen, h.keep, h.removeWith, h.defined))
	}
	if len(deleted) > 0 {
		// Only a workflow leaving with its Worker is judged by the removal it was last deployed
		// with: an App's.
		msgs = append(msgs, strings.Join(deleted, "\n")+fmt.Sprintf("\nIts Worker was last deployed under removal %q, "+
			"so this deploy would DELETE the workflow and stop them although the app now says removal %q. Declare it "+
			"again, or set removal %q back to delete it (the preview then warns), or wait for its instances to finish.",
			RemovalRemove, newRemoval, RemovalRemove))
	}
	if len(msgs) == 0 {
		return warnings, nil
	}
	return warnings, errors.New(strings.Join(msgs, "\n"))
}

// unfinishedCounts is w's unfinished instances by status, e.g. "1 running, 2 waiting".
func unfinishedCounts(w cfapi.Workflow) string {
	var parts []string
	for _, s := range cfapi.UnfinishedStatuses {
		if n := w.Instances[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, s))
		}
	}
	return strings.Join(parts, ", ")
}
