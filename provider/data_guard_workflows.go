package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// leavingWorkflow is a workflow an app no longer defines: dropped from the app, or leaving with
// its Worker.
type leavingWorkflow struct {
	title, worker string
	withWorker    bool // its Worker leaves the app too
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
				out = append(out, leavingWorkflow{title: title, worker: name, withWorker: !kept})
			}
		}
	}
	return out
}

// judgeWorkflowsLeaving reads, for each workflow leaving the app, how many of its instances have
// not finished, and refuses the preview when any would be left behind unmanaged or deleted
// against the app's removal: a workflow whose unfinished instances the deploy keeps (removal
// "retain", the default) stays on Cloudflare outside the stack, its runs going on or failing with
// no `up` or `destroy` of this stack reaching them, which is how work is lost unnoticed. One whose
// deploy deletes it (removal "remove") is deleted with its instances: the preview warns. A
// workflow with no unfinished instance leaves quietly.
//
// Which removal decides is the one Pulumi applies: a Worker that leaves is deleted or kept by the
// options it was last deployed with (old's), while a workflow dropped from a Worker that stays is
// deleted or kept by the Worker's update, under this deploy's removal.
//
// It returns the warnings to log and the refusal, if any.
func judgeWorkflowsLeaving(ctx context.Context, c *cfapi.Client, leaving []leavingWorkflow, old, news DataGuardArgs) (warnings []string, refusal error) {
	var kept, deleted []string
	for _, l := range leaving {
		w, err := c.Workflow(ctx, l.title)
		if cfapi.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("app %q: reading workflow %q, which leaves the app: %w", old.App, l.title, err)
		}
		n := w.Unfinished()
		if n == 0 {
			continue
		}
		leaves := fmt.Sprintf("is no longer defined by Worker %q", l.worker)
		removal := news.Removal
		if l.withWorker {
			leaves = fmt.Sprintf("leaves with Worker %q, which is no longer declared", l.worker)
			removal = old.Removal
		}
		subject := fmt.Sprintf("app %q: workflow %q %s, and %d of its instances have not finished (%s)",
			old.App, l.title, leaves, n, unfinishedCounts(w))
		switch {
		case removal == RemovalRemove && news.Removal == RemovalRemove:
			warnings = append(warnings, fmt.Sprintf("%s: removal is %q, so this deploy DELETES the workflow and stops them",
				subject, RemovalRemove))
		case removal == RemovalRemove:
			deleted = append(deleted, subject+".")
		default:
			kept = append(kept, subject+".")
		}
	}
	var msgs []string
	if len(kept) > 0 {
		msgs = append(msgs, strings.Join(kept, "\n")+fmt.Sprintf("\nA workflow that leaves the app under removal %q "+
			"(the default) is not deleted: it stays on Cloudflare with its instances, outside the stack, where no later "+
			"`up` or `destroy` manages it, and an instance whose class the Worker no longer runs fails. Refused so that "+
			"no running work is left behind unnoticed. To keep it, declare it again. Otherwise wait for its instances "+
			"to finish, or terminate them (`wrangler workflows instances terminate <workflow> <id>`), and preview "+
			"again; or deploy removal %q while it is still declared, then remove it: the preview then warns and `up` "+
			"deletes it with its instances.", RemovalRetain, RemovalRemove))
	}
	if len(deleted) > 0 {
		msgs = append(msgs, strings.Join(deleted, "\n")+fmt.Sprintf("\nIts Worker was last deployed under removal %q, "+
			"so this deploy would DELETE the workflow and stop them although the app now says removal %q. Declare it "+
			"again, or set removal %q back to delete it (the preview then warns), or wait for its instances to finish.",
			RemovalRemove, news.Removal, RemovalRemove))
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
