package local

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workflows"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
)

// orderWorkflow charges (failing its first attempt, so the retry runs), sleeps, then ships; the
// Worker starts instances and reports their status through its workflow binding.
const orderWorkflow = `import { WorkflowEntrypoint } from "cloudflare:workers";
export class OrderFlow extends WorkflowEntrypoint {
  async run(event, step) {
    const charged = await step.do("charge", { retries: { limit: 2, delay: 10, backoff: "constant" } }, async () => {
      if (!globalThis.failedOnce) { globalThis.failedOnce = true; throw new Error("card declined"); }
      return { amount: event.payload.amount };
    });
    await step.sleep("cool off", event.payload.sleep);
    const shipped = await step.do("ship", async () => "shipped " + event.instanceId);
    return { charged, shipped };
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const id = url.searchParams.get("id");
    if (url.pathname === "/start") {
      try {
        const instance = await env.ORDER.create({ id, params: { amount: 42, sleep: url.searchParams.get("sleep") } });
        return Response.json({ id: instance.id });
      } catch (err) {
        return new Response(err.message, { status: 409 });
      }
    }
    const instance = await env.ORDER.get(id);
    if (url.pathname === "/pause") await instance.pause();
    if (url.pathname === "/resume") await instance.resume();
    if (url.pathname === "/terminate") await instance.terminate();
    return Response.json(await instance.status());
  },
};
`

func workflowBinding(env, workflow, class, script string) map[string]any {
	b := map[string]any{"type": "workflow", "name": env, "workflow_name": workflow, "class_name": class}
	if script != "" {
		b["script_name"] = script
	}
	return b
}

// waitStatus polls the Worker at url for instance id until it reports want, and returns the
// last status it read.
func waitStatus(t *testing.T, url, id, want string) map[string]any {
	t.Helper()
	var got map[string]any
	require.Eventually(t, func() bool {
		code, body := call(t, http.MethodGet, url+"/status?id="+id, "")
		if code != http.StatusOK || json.Unmarshal([]byte(body), &got) != nil {
			return false
		}
		return got["status"] == want
	}, testTimeout, 50*time.Millisecond, "instance %s never reached %q (last: %v)", id, want, got)
	return got
}

// TestWorkflowSurvivesRestart: a Worker starts a workflow instance through its binding; the
// first step fails once and is retried, the instance sleeps, the local Cloudflare restarts
// mid-sleep, and the instance completes after the restart with its steps' output. The Workflows
// API registers the workflow and counts the instance.
func TestWorkflowSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	md := meta(map[string]any{"bindings": []any{workflowBinding("ORDER", "orders-flow", "OrderFlow", "")}})
	mustUpload(t, s, "orders", md, module{Name: "index.js", Src: orderWorkflow})
	c := newClient(s)
	_, err := c.Workflows.Update(ctxT(t), "orders-flow", workflows.WorkflowUpdateParams{AccountID: cloudflare.F(s.AccountID()),
		ScriptName: cloudflare.F("orders"), ClassName: cloudflare.F("OrderFlow")})
	require.NoError(t, err)
	url := enableWorkersDev(t, s, "orders")

	code, body := call(t, http.MethodGet, url+"/start?id=order-1&sleep=3%20seconds", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"id":"order-1"}`, body)
	waitStatus(t, url, "order-1", "waiting")
	code, body = call(t, http.MethodGet, url+"/start?id=order-1&sleep=1", "")
	assert.Equal(t, http.StatusConflict, code, "a second instance with the same id is refused")
	assert.Equal(t, `instance.already_exists: workflow instance "order-1" already exists`, body)

	require.NoError(t, s.Close())
	s = startServer(t, dir, Options{})
	got := waitStatus(t, url, "order-1", "complete")
	assert.Equal(t, map[string]any{"charged": map[string]any{"amount": 42.0}, "shipped": "shipped order-1"}, got["output"])

	wf, err := newClient(s).Workflows.Get(ctxT(t), "orders-flow", workflows.WorkflowGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, "orders", wf.ScriptName)
	assert.Equal(t, 1.0, wf.Instances.Complete)
	assert.Equal(t, 0.0, wf.Instances.Waiting)
}

// TestWorkflowAPIShapes: PUT and GET .../workflows/{name} answer in the fixtures' shapes, and a
// workflow the account does not have is 10200.
func TestWorkflowAPIShapes(t *testing.T) {
	s := sharedServer(t)
	base := "/accounts/" + s.AccountID() + "/workflows/"
	r := raw(t, s, "GET", base+"shapes-missing", s.Token(), "", nil)
	require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
	shapetest.Check(t, "workflows", "workflow-not-found", r.Body)

	r = raw(t, s, "PUT", base+"shapes-flow", s.Token(), "application/json", []byte(`{"script_name":"shapes","class_name":"Flow"}`))
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	shapetest.Check(t, "workflows", "workflow-put", r.Body)
	r = raw(t, s, "GET", base+"shapes-flow", s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	shapetest.Check(t, "workflows", "workflow-get", r.Body)
	r = raw(t, s, "DELETE", base+"shapes-flow", s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status, "%s", r.Body)
	r = raw(t, s, "GET", base+"shapes-flow", s.Token(), "", nil)
	require.Equal(t, http.StatusNotFound, r.Status, "%s", r.Body)
}
