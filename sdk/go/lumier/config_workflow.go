package lumier

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// WorkflowOptions are a Workflow's options.
type WorkflowOptions struct {
	// Worker is the Worker whose code exports the class; it gets the binding.
	Worker *WorkerRef
	// ClassName is the exported class that extends WorkflowEntrypoint (from "cloudflare:workers").
	ClassName string
	// Binding is the host Worker's env name for it; empty means the name in upper case with '-'
	// as '_' ("order" is env.ORDER).
	Binding string
}

// WorkflowRef is a declared Workflow. It can be used as a binding value of another Worker.
type WorkflowRef struct {
	name string
}

// Name returns the workflow's name in the app.
func (w *WorkflowRef) Name() string { return w.name }

// Workflow declares a Workflow named "<app>-<stage>-<name>", run by a WorkflowEntrypoint class
// opts.Worker exports; that Worker gets the binding (env.ORDER for "order") to create instances
// and read their status.
func (c *Context) Workflow(name string, opts WorkflowOptions) *WorkflowRef {
	w := &WorkflowRef{name: name}
	if opts.Worker == nil || opts.Worker.ctx != c {
		c.errs = append(c.errs, fmt.Errorf("workflow %q has no Worker of this app: set Worker to the *WorkerRef "+
			"that ctx.Worker returned for the Worker that exports %s", name, opts.ClassName))
		return w
	}
	decl := AppWorkflowArgs{Name: pulumi.String(name), Worker: pulumi.String(opts.Worker.name), ClassName: pulumi.String(opts.ClassName)}
	if opts.Binding != "" {
		decl.Binding = pulumi.String(opts.Binding)
	}
	c.workflows = append(c.workflows, decl)
	return w
}
