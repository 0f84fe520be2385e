package provider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// workflowInputs are a Script's inputs whose entry is code, defining workflow "orders-flow" run
// by class and binding it as ORDER.
func workflowInputs(t *testing.T, code, class string) map[string]property.Value {
	in := counterInputs(t)
	in["entry"] = property.New(writeEntry(t, map[string]string{"src/index.ts": code}))
	in["durableObjects"] = property.New([]property.Value{})
	in["bindings"] = property.New([]property.Value{obj("name", "ORDER", "type", "workflow",
		"workflowName", "orders-flow", "className", class)})
	return in
}

// Preview refuses a workflow whose class the Worker does not export, or exports as something
// other than a class, naming what it exports and how to fix it.
func TestCheckRefusesWorkflowClassNotExported(t *testing.T) {
	s := newTestServer(t)
	const flow = "import { WorkflowEntrypoint } from \"cloudflare:workers\";\n" +
		"export class OrderFlow extends WorkflowEntrypoint { async run(event, step) { return 1; } }\n" + handlers

	in := workflowInputs(t, flow, "OrderFlw")
	assert.Contains(t, joined(reasons(check(t, s, in, nil))),
		`bindings: workflow "orders-flow" (binding ORDER) runs class "OrderFlw", which `+in["entry"].AsString()+
			` does not export (it exports "OrderFlow", "default"): add `+"`export class OrderFlw extends WorkflowEntrypoint "+
			"{ async run(event, step) { ... } }`"+` (WorkflowEntrypoint is imported from "cloudflare:workers") to the entry, or fix className`)

	in = workflowInputs(t, "export function OrderFlow() {}\n"+handlers, "OrderFlow")
	assert.Contains(t, joined(reasons(check(t, s, in, nil))),
		`bindings: workflow "orders-flow" (binding ORDER) runs class "OrderFlow", but export "OrderFlow" of `+
			in["entry"].AsString()+" is a function")

	in = workflowInputs(t, flow, "OrderFlow")
	assert.Empty(t, reasons(check(t, s, in, nil)), "the exported class is accepted")

	// A binding to a workflow another script defines does not need the class here.
	in = workflowInputs(t, handlers, "OrderFlow")
	in["bindings"] = property.New([]property.Value{obj("name", "ORDER", "type", "workflow",
		"workflowName", "orders-flow", "className", "OrderFlow", "scriptName", "orders-host")})
	assert.Empty(t, reasons(check(t, s, in, nil)))
}

// An App gives a workflow's host Worker the binding (env.ORDER for "order"), and another Worker's
// {type: "workflow", name} binding calls it on the host's script, deployed after the host.
func TestAppWorkflowsBindTheirHostAndCallers(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{
		"name":  property.New("shop"),
		"stage": property.New("dev"),
		"workers": list(
			obj("name", "web", "entry", entry, "bindings", obj("ORDERS", obj("type", "workflow", "name", "order"))),
			obj("name", "store", "entry", entry),
		),
		"workflows": list(obj("name", "order", "worker", "store", "className", "OrderFlow")),
	})
	require.NoError(t, err)
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 2)
	store, web := scripts[0].Inputs, scripts[1].Inputs
	assert.Equal(t, "shop-dev-store", store.Get("scriptName").AsString(), "the host deploys first")
	host := store.Get("bindings").AsArray().Get(0).AsMap()
	assert.Equal(t, "ORDER", host.Get("name").AsString())
	assert.Equal(t, "shop-dev-order", host.Get("workflowName").AsString())
	assert.Equal(t, "OrderFlow", host.Get("className").AsString())
	assert.False(t, host.Get("scriptName").IsString(), "the host defines the workflow: no scriptName")
	caller := web.Get("bindings").AsArray().Get(0).AsMap()
	assert.Equal(t, "ORDERS", caller.Get("name").AsString())
	assert.Equal(t, "shop-dev-order", caller.Get("workflowName").AsString())
	assert.Equal(t, "shop-dev-store", caller.Get("scriptName").AsString())
}

func TestAppRefusesBadWorkflows(t *testing.T) {
	entry := counterEntry(t)
	_, _, err := constructApp(t, map[string]property.Value{
		"name": property.New("shop"),
		"workers": list(obj("name", "web", "entry", entry, "bindings", obj(
			"ORDER", "taken", "LATER", obj("type", "workflow", "name", "later")))),
		"workflows": list(
			obj("name", "order", "worker", "web", "className", "OrderFlow"),
			obj("name", "ship", "worker", "api", "className", "ShipFlow"),
		),
	})
	require.Error(t, err)
	msg := err.Error()
	assert.Contains(t, msg, `workflow "order" binds env.ORDER on worker "web", which already has a binding of that name: `+
		"set the workflow's binding to another env name")
	assert.Contains(t, msg, `workflow "ship" names worker "api", which this app does not declare (it declares "web"): `+
		"set worker to the Worker that exports ShipFlow")
	assert.Contains(t, msg, `worker "web" binding LATER names workflow "later", which this app does not declare`)
}
