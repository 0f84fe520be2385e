package provider

import (
	"context"
	"net/http"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
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
	// The guard lists the host's workflow, so that removal "retain" names it among what stays.
	guard := reg.of("lumier:index:DataGuard")
	require.Len(t, guard, 1)
	workers := guard[0].Inputs.Get("workers").AsMap()
	assert.Equal(t, "shop-dev-order", workers.Get("store").AsMap().Get("workflows").AsArray().Get(0).AsString())
	_, has := workers.Get("web").AsMap().GetOk("workflows")
	assert.False(t, has, "a Worker defining no workflow lists none")
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

// sleepyFlow is a Worker whose workflow sleeps for an hour, so an instance it starts stays
// unfinished; GET /start starts one.
const sleepyFlow = `import { WorkflowEntrypoint } from "cloudflare:workers";
export class Sleepy extends WorkflowEntrypoint {
  async run(event, step) { await step.sleep("nap", "1 hour"); return "rested"; }
}
export default {
  async fetch(request, env) {
    const instance = await env.NAP.create();
    return Response.json({ id: instance.id });
  },
};
`

// TestWorkflowRemovalRules: a deploy registers the workflow a Worker defines; deleting the
// Worker while an instance has not finished is refused without deleteData and deletes the
// workflow with it; dropping the workflow without deleteData keeps it, instances and all.
func TestWorkflowRemovalRules(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	inputs := workflowInputs(t, sleepyFlow, "Sleepy")
	inputs["bindings"] = property.New([]property.Value{obj("name", "NAP", "type", "workflow",
		"workflowName", "naps", "className", "Sleepy")})
	urn := scriptURN("api")
	create := func() p.CreateResponse {
		created, err := s.Create(p.CreateRequest{Urn: urn, Properties: checked(t, s, inputs, nil)})
		require.NoError(t, err)
		wf, err := api.Workflows.Get(ctx, "naps")
		require.NoError(t, err, "the deploy registers the workflow")
		assert.Equal(t, "my-app-dev-api", wf.ScriptName)
		assert.Equal(t, "Sleepy", wf.ClassName)
		request(t, http.MethodGet, created.Properties.Get("url").AsString()+"/")
		require.Eventually(t, func() bool {
			wf, err := api.Workflows.Get(ctx, "naps")
			return err == nil && wf.Instances["waiting"] == 1
		}, time.Minute, 50*time.Millisecond, "the instance sleeps")
		return created
	}

	created := create()
	err := s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: created.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refusing to delete script "my-app-dev-api": its workflow "naps" has 1 unfinished `+
		`instance(s), which would stop. Wait for them to finish, or set deleteData: true`)
	_, err = api.Workflows.Get(ctx, "naps")
	require.NoError(t, err, "the refused delete keeps the workflow")
	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn,
		Properties: created.Properties.Set("deleteData", property.New(true))}))
	_, err = api.Workflows.Get(ctx, "naps")
	assert.True(t, cfapi.IsNotFound(err), "deleteData deletes the workflow with the script: %v", err)

	created = create()
	dropped := workflowInputs(t, sleepyFlow, "Sleepy")
	dropped["bindings"] = property.New([]property.Value{})
	in := checked(t, s, dropped, inputs)
	_, err = s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in,
		OldInputs: created.Properties})
	require.NoError(t, err)
	wf, err := api.Workflows.Get(ctx, "naps")
	require.NoError(t, err, "a workflow dropped without deleteData is kept")
	assert.Equal(t, 1, wf.Unfinished())
}
