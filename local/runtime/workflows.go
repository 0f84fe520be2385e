package runtime

import (
	"maps"
	"slices"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/workerd"
)

// Workflows on the local Cloudflare. A script defines a workflow with a workflow binding that
// names no other script (as wrangler uploads its `workflows` config); workerd runs the workflow
// on an engine of ours in the script's process (local/workerd/workflow.go), whose Durable
// Objects keep every instance in the state directory, so instances survive restarts. The
// Workflows API's registry (local/workflows) records what `PUT /workflows/{name}` said.

// workflowBindingKind is the workflow binding: workerd's own Workflow binding, calling the
// engine of the workflow in the defining script's process.
var workflowBindingKind = bindingKind{
	runtime: func(_ *Runtime, bc bindingContext, b account.Binding) (workerd.Binding, bool) {
		host := cmp(b.ScriptName, bc.script)
		if _, ok := bc.st.Scripts[host]; !ok {
			return workerd.Binding{}, false // the defining script is gone: nothing runs the workflow
		}
		if host == bc.service {
			host = ""
		}
		return workerd.WorkflowBinding(b.Name, b.WorkflowName, host), true
	},
}

// workflowsDefined are the workflows script runs in st, each once: those the registry gives it
// (`PUT /workflows/{name}`) while the script exports the class, and those its bindings define
// that the registry gives no other script (an upload comes before its PUT). One engine runs a
// workflow.
func workflowsDefined(st *account.State, script string, bindings []account.Binding) []workerd.Workflow {
	var out []workerd.Workflow
	exports := st.Scripts[script].Exports
	for _, name := range slices.Sorted(maps.Keys(st.Workflows)) {
		if rec := st.Workflows[name]; rec.ScriptName == script && slices.Contains(exports, rec.ClassName) {
			out = append(out, workerd.Workflow{Name: name, ClassName: rec.ClassName})
		}
	}
	for _, b := range bindings {
		if b.Type != account.BindingWorkflow || (b.ScriptName != "" && b.ScriptName != script) {
			continue
		}
		if rec, ok := st.Workflows[b.WorkflowName]; ok && rec.ScriptName != script {
			continue
		}
		if slices.ContainsFunc(out, func(w workerd.Workflow) bool { return w.Name == b.WorkflowName }) {
			continue
		}
		out = append(out, workerd.Workflow{Name: b.WorkflowName, ClassName: b.ClassName})
	}
	return out
}

// WorkflowHost is the script whose process runs workflow name now: the registry's script, or a
// script that defines it in its bindings.
func WorkflowHost(st *account.State, name string) (string, bool) {
	if rec, ok := st.Workflows[name]; ok {
		if _, live := st.Scripts[rec.ScriptName]; live {
			return rec.ScriptName, true
		}
		return "", false
	}
	for _, script := range st.ScriptNames() {
		for _, w := range workflowsDefined(st, script, st.Scripts[script].Bindings) {
			if w.Name == name {
				return script, true
			}
		}
	}
	return "", false
}
