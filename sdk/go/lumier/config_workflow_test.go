// This file is written by hand; it tests config_workflow.go.

package lumier

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWorkflowDeclaresAndBinds: ctx.Workflow declares the workflow on its host Worker, and
// another Worker binds it by its name in the app.
func TestWorkflowDeclaresAndBinds(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			api := ctx.Worker("api", WorkerOptions{Entry: counterEntry})
			order := ctx.Workflow("order", WorkflowOptions{Worker: api, ClassName: "OrderWorkflow"})
			ctx.Worker("web", WorkerOptions{Entry: counterEntry, Bindings: Bindings{"ORDERS": order}})
			return nil
		},
	})
	require.NoError(t, err)
	in := reg.apps[0].Inputs
	flows := in["workflows"].ArrayValue()
	require.Len(t, flows, 1)
	flow := flows[0].ObjectValue()
	assert.Equal(t, "order", flow["name"].StringValue())
	assert.Equal(t, "api", flow["worker"].StringValue())
	assert.Equal(t, "OrderWorkflow", flow["className"].StringValue())
	binding := in["workers"].ArrayValue()[1].ObjectValue()["bindings"].ObjectValue()["ORDERS"].ObjectValue()
	assert.Equal(t, "workflow", binding["type"].StringValue())
	assert.Equal(t, "order", binding["name"].StringValue())
}

// TestWorkflowNeedsAWorkerOfTheApp: a Workflow without its Worker fails the program, naming it.
func TestWorkflowNeedsAWorkerOfTheApp(t *testing.T) {
	_, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			ctx.Workflow("order", WorkflowOptions{ClassName: "OrderWorkflow"})
			return nil
		},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `workflow "order" has no Worker of this app: set Worker to the *WorkerRef that `+
		"ctx.Worker returned for the Worker that exports OrderWorkflow")
}
