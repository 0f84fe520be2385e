package provider

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/internal/naming"
)

// AppWorkflow declares a Workflow of an App.
type AppWorkflow struct {
	Name      string  `pulumi:"name"`
	Worker    string  `pulumi:"worker"`
	ClassName string  `pulumi:"className"`
	Binding   *string `pulumi:"binding,optional"`
}

// Annotate documents AppWorkflow.
func (w *AppWorkflow) Annotate(a infer.Annotator) {
	a.SetToken("index", "AppWorkflow")
	a.Describe(w, "A Workflow of an App: durable multi-step runs of a WorkflowEntrypoint class one of its Workers "+
		"exports. It is named \"<app>-<stage>-<name>\" on Cloudflare; the host Worker gets the binding, and other "+
		"Workers of the app bind it as {type: \"workflow\", name}.")
	a.Describe(&w.Name, "Workflow name in the app: lowercase letters, digits and '-'.")
	a.Describe(&w.Worker, "Name of the Worker of this app that exports the class.")
	a.Describe(&w.ClassName, "Exported class that extends WorkflowEntrypoint (from \"cloudflare:workers\").")
	a.Describe(&w.Binding, "Env name of the binding on the host Worker. Defaults to the name in upper case with '-' "+
		"as '_' (\"order\" is env.ORDER).")
}

// appWorkflow is one resolved workflow of an app.
type appWorkflow struct {
	AppWorkflow
	title string
	host  *appWorker
}

// workflowEnv is the default env name of a workflow's binding on its host.
func workflowEnv(name string) string {
	return strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// resolveWorkflows gives each workflow's host Worker its binding, which defines the workflow
// (provider/workflow.go), and turns every Worker binding {type: "workflow", name} into one that
// calls it, deployed after the host. A binding that gives workflowName is bound as it is.
func (p *appPlan) resolveWorkflows(decls []AppWorkflow, workers []*appWorker) error {
	var errs []error
	byName := map[string]*appWorkflow{}
	for _, d := range decls {
		title, err := naming.QualifiedName("workflow", p.app, p.stage, d.Name)
		if err != nil {
			errs = append(errs, fmt.Errorf("workflow %q: %w", d.Name, err))
			continue
		}
		if prev := byName[d.Name]; prev != nil {
			// A repeated declaration is the same workflow when it says the same (as for Workers).
			if prev.Worker != d.Worker || prev.ClassName != d.ClassName || deref(prev.Binding) != deref(d.Binding) {
				errs = append(errs, fmt.Errorf("workflow %q is declared twice with different options (worker %q, className %q "+
					"and worker %q, className %q): declare it once, or give each its own name",
					d.Name, prev.Worker, prev.ClassName, d.Worker, d.ClassName))
			}
			continue
		}
		if d.ClassName == "" {
			errs = append(errs, fmt.Errorf("workflow %q has no className: set it to the exported WorkflowEntrypoint class", d.Name))
			continue
		}
		host := p.workers[d.Worker]
		if host == nil {
			errs = append(errs, fmt.Errorf("workflow %q names worker %q, which this app does not declare (it declares "+
				"%s): set worker to the Worker that exports %s", d.Name, d.Worker, exportList(sortedKeys(p.workers)), d.ClassName))
			continue
		}
		wf := &appWorkflow{AppWorkflow: d, title: title, host: host}
		byName[d.Name] = wf
		p.workflows = append(p.workflows, wf)
		env := workflowEnv(d.Name)
		if d.Binding != nil {
			env = *d.Binding
		}
		if _, taken := host.bindings[env]; taken {
			errs = append(errs, fmt.Errorf("workflow %q binds env.%s on worker %q, which already has a binding of that "+
				"name: set the workflow's binding to another env name", d.Name, env, host.Name))
			continue
		}
		host.bindings[env] = pulumi.Map{"type": pulumi.String(cfapi.BindingWorkflow),
			"workflowName": pulumi.String(title), "className": pulumi.String(d.ClassName)}
	}
	for _, w := range workers {
		for _, env := range sortedKeys(w.bindings) {
			v, known := awaitInput(w.bindings[env])
			m, ok := v.(map[string]any)
			if !known || !ok || m["type"] != cfapi.BindingWorkflow {
				continue
			}
			if given, _ := m["workflowName"].(string); given != "" {
				continue
			}
			name, _ := m["name"].(string)
			wf := byName[name]
			if wf == nil {
				errs = append(errs, fmt.Errorf("worker %q binding %s names workflow %q, which this app does not declare "+
					"(it declares %s): add {name: %q, worker, className} to workflows", w.Name, env, name,
					exportList(sortedKeys(byName)), name))
				continue
			}
			b := pulumi.Map{"type": pulumi.String(cfapi.BindingWorkflow), "workflowName": pulumi.String(wf.title),
				"className": pulumi.String(wf.ClassName)}
			if wf.host != w {
				b["scriptName"] = pulumi.String(wf.host.script)
				w.after = append(w.after, wf.host)
			}
			w.bindings[env] = b
		}
	}
	return errors.Join(errs...)
}
