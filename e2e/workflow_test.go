//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWorkflow deploys examples/workflow-yaml (an App with a Worker, a Durable Object and a
// Workflow) with `pulumi up`. An instance started from a request runs its steps, its charge is
// retried after a decline, it sleeps, the local Cloudflare restarts mid-sleep, and the instance
// reports complete with its output; one started from the Durable Object completes too. Pause,
// resume and terminate reach the instance through the binding. A second up changes nothing, a
// refresh finds no drift, and destroy (removal "remove") deletes the workflow.
func TestWorkflow(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlExample(t, ctx, c, "workflow-yaml")
	pulumi(t, "stack", "init", "dev")
	out := pulumi(t, "up", "--yes")
	const workflow = "orders-dev-order" // <app>-<stage>-<name>
	if !strings.Contains(out, "created") {
		t.Fatalf("up output:\n%s", out)
	}
	base := strings.TrimSpace(pulumi(t, "stack", "output", "url"))
	if wf := getWorkflow(t, c, workflow); wf["script_name"] != "orders-dev-api" || wf["class_name"] != "OrderWorkflow" {
		t.Fatalf("GET /workflows/%s after up: %v", workflow, wf)
	}

	requireCall(t, http.MethodPost, base+"/orders?id=first&item=lamp&wait=4%20seconds&declineOnce", "", 201, `{"id":"first"}`)
	requireCall(t, http.MethodPost, base+"/desk/orders?id=from-desk&item=chair&wait=1%20second", "", 201, `{"id":"from-desk"}`)
	waitInstance(t, base, "first", "waiting")
	// Restarted here, not in the subtest: the new server stops with the test that started it.
	restartCloud(t, c)

	t.Run("CompleteAfterRestart", func(t *testing.T) {
		got := waitInstance(t, base, "first", "complete")
		if want := `{"item":"lamp","charged":42,"shipped":"shipped lamp"}`; !jsonEqual(string(got["output"]), want) {
			t.Fatalf("output of instance first: %s, want %s", got["output"], want)
		}
		got = waitInstance(t, base, "from-desk", "complete")
		if want := `{"item":"chair","charged":42,"shipped":"shipped chair"}`; !jsonEqual(string(got["output"]), want) {
			t.Fatalf("output of instance from-desk: %s, want %s", got["output"], want)
		}
		counts := getWorkflow(t, c, workflow)["instances"].(map[string]any)
		if counts["complete"] != 2.0 {
			t.Fatalf("GET /workflows/%s counts %v, want 2 complete", workflow, counts)
		}
	})

	t.Run("PauseResumeTerminate", func(t *testing.T) {
		requireCall(t, http.MethodPost, base+"/orders?id=held&wait=2%20seconds", "", 201, `{"id":"held"}`)
		waitInstance(t, base, "held", "waiting")
		requireCall(t, http.MethodPost, base+"/orders/held/pause", "", 200, `{"status":"paused"}`)
		time.Sleep(3 * time.Second) // past its wake time: a paused instance does not run
		requireCall(t, http.MethodGet, base+"/orders/held", "", 200, `{"status":"paused"}`)
		if code, body, _ := call(t, http.MethodPost, base+"/orders/held/resume", ""); code != http.StatusOK {
			t.Fatalf("resume: %d %s", code, body)
		}
		waitInstance(t, base, "held", "complete")

		requireCall(t, http.MethodPost, base+"/orders?id=stopped&wait=1%20hour", "", 201, `{"id":"stopped"}`)
		waitInstance(t, base, "stopped", "waiting")
		requireCall(t, http.MethodPost, base+"/orders/stopped/terminate", "", 200, `{"status":"terminated"}`)
		requireCall(t, http.MethodPost, base+"/orders?id=stopped", "", 400,
			`{"error":"instance.already_exists: workflow instance \"stopped\" already exists"}`)
	})

	t.Run("NoopUpAndRefresh", func(t *testing.T) {
		pulumi(t, "up", "--yes", "--expect-no-changes")
		// The workflow binding reads back as declared.
		pulumi(t, "refresh", "--yes", "--expect-no-changes")
	})

	t.Run("Destroy", func(t *testing.T) {
		pulumi(t, "destroy", "--yes")
		requireScripts(t, c)
		code, body := apiStatus(t, c, "/workflows/"+workflow)
		if code != http.StatusNotFound || !strings.Contains(body, `"code":10200`) {
			t.Fatalf("GET /workflows/%s after destroy: %d %s", workflow, code, body)
		}
	})
}

// getWorkflow reads a workflow through the Workflows API.
func getWorkflow(t *testing.T, c *cloud, name string) map[string]any {
	t.Helper()
	code, body := apiStatus(t, c, "/workflows/"+name)
	var env struct {
		Result map[string]any `json:"result"`
	}
	if code != http.StatusOK || json.Unmarshal([]byte(body), &env) != nil {
		t.Fatalf("GET /workflows/%s: %d %s", name, code, body)
	}
	return env.Result
}

// upWithAHeldOrder deploys the program in dir as a new stack (with env) and starts an order that waits an
// hour, so that its workflow has an unfinished instance; it returns the stack's pulumi and the
// program's url output.
func upWithAHeldOrder(t *testing.T, ctx context.Context, dir string, env map[string]string) (func(t *testing.T, args ...string) string, string) {
	t.Helper()
	pulumi := folderPulumi(ctx, dir, env)
	pulumi(t, "stack", "init", "dev")
	pulumi(t, "up", "--yes")
	base := strings.TrimSpace(pulumi(t, "stack", "output", "url"))
	requireCall(t, http.MethodPost, base+"/orders?id=held&wait=1%20hour", "", 201, `{"id":"held"}`)
	waitInstance(t, base, "held", "waiting")
	return pulumi, base
}

// waitInstance polls the Worker for instance id until its status is want, and returns the
// status it read, each field as JSON.
func waitInstance(t *testing.T, base, id, want string) map[string]json.RawMessage {
	t.Helper()
	return waitStatus(t, "instance "+id, want, func() (int, string) {
		code, body, _ := call(t, http.MethodGet, base+"/orders/"+id, "")
		return code, body
	})
}

// waitStatus polls get, which reads what's status, until the status it answers is want, and
// returns the status it read, each field as JSON.
func waitStatus(t *testing.T, what, want string, get func() (int, string)) map[string]json.RawMessage {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	var last string
	for time.Now().Before(deadline) {
		code, body := get()
		var got map[string]json.RawMessage
		if code == http.StatusOK && json.Unmarshal([]byte(body), &got) == nil && string(got["status"]) == `"`+want+`"` {
			return got
		}
		last = body
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never reached %q; last status: %s", what, want, last)
	return nil
}

// apiStatus is an authenticated GET of path under the account on the local Cloudflare's API.
func apiStatus(t *testing.T, c *cloud, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, c.URL()+"/accounts/"+accountID+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return resp.StatusCode, string(data)
}

// TestWorkflowRemovalUnderRetain: under removal "retain", a `pulumi preview` that drops a
// workflow whose instance is still waiting fails, naming the workflow, its unfinished instances
// and the ways forward, and changes nothing; once the instance has ended, the same preview passes.
func TestWorkflowRemovalUnderRetain(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "workflow-yaml")
	program := filepath.Join(dir, "Pulumi.yaml")
	editFile(t, program, "path: ../../bin", "path: "+providerDir)
	editFile(t, program, "removal: remove", "removal: retain")
	env := c.env(t.TempDir())
	pulumi, base := upWithAHeldOrder(t, ctx, dir, env)

	editFile(t, program, `      workflows:
        - name: order
          worker: api
          className: OrderWorkflow
`, "")
	c.ResetCalls()
	out, err := runPulumi(t, ctx, dir, env, "preview")
	if err == nil {
		t.Fatalf("preview dropping a workflow with a waiting instance under removal \"retain\" passed:\n%s", out)
	}
	requireContains(t, out,
		`app "orders": workflow "orders-dev-order" is no longer defined by Worker "api", and 1 of its instances have not finished (1 waiting).`,
		`A workflow that leaves the app under removal "retain" (the default) is not deleted`,
		"Refused so that no running work is left behind unnoticed.",
		"wrangler workflows instances terminate <workflow> <id>",
		`deploy removal "remove" while it is still declared, then remove it`)
	if mutating, _ := c.mutations(); mutating != 0 {
		t.Fatalf("a refused preview changed the account: %v", c.Calls())
	}
	if wf := getWorkflow(t, c, "orders-dev-order"); wf["instances"].(map[string]any)["waiting"] != 1.0 {
		t.Fatalf("after the refused preview: %v, want the instance still waiting", wf)
	}

	// The instance ended: nothing is left running, and the workflow may leave.
	requireCall(t, http.MethodPost, base+"/orders/held/terminate", "", 200, `{"status":"terminated"}`)
	pulumi(t, "preview")
}

// TestStandaloneScriptWorkflowRemovalAtPreview: a standalone Script (no App) whose program drops
// the workflow binding that defines a workflow with a waiting instance fails at `pulumi preview`,
// by the App's rule in the script's words, and changes nothing; with deleteData: true the preview
// warns that the deploy deletes it; once the instance has ended, the preview passes.
func TestStandaloneScriptWorkflowRemovalAtPreview(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := t.TempDir()
	copyDir(t, filepath.Join(repoRoot, "examples", "workflow-yaml", "src"), filepath.Join(dir, "src"))
	program := filepath.Join(dir, "Pulumi.yaml")
	const orderBinding = `
        - name: ORDER
          type: workflow
          workflowName: script-order
          className: OrderWorkflow`
	writeFile(t, program, `name: orders-script
runtime: yaml
plugins:
  providers:
    - name: lumier
      path: `+providerDir+`
resources:
  api:
    type: lumier:index:Script
    properties:
      scriptName: orders-script-api
      entry: src/index.ts
      durableObjects:
        - className: Desk
      bindings:
        - name: DESK
          type: durable_object_namespace
          className: Desk`+orderBinding+`
outputs:
  url: ${api.url}
`)
	env := c.env(t.TempDir())
	pulumi, base := upWithAHeldOrder(t, ctx, dir, env)

	editFile(t, program, orderBinding, "")
	c.ResetCalls()
	out, err := runPulumi(t, ctx, dir, env, "preview")
	if err == nil {
		t.Fatalf("preview dropping a standalone script's workflow with a waiting instance passed:\n%s", out)
	}
	requireContains(t, out,
		`script "orders-script-api": workflow "script-order" is no longer defined by its bindings, and 1 of its instances have not finished (1 waiting).`,
		`A workflow that leaves a script whose deleteData is false (the default) is not deleted`,
		"Refused so that no running work is left behind unnoticed.",
		"wrangler workflows instances terminate <workflow> <id>",
		"deploy deleteData: true while it is still bound, then remove it")
	if mutating, _ := c.mutations(); mutating != 0 {
		t.Fatalf("a refused preview changed the account: %v", c.Calls())
	}
	if wf := getWorkflow(t, c, "script-order"); wf["instances"].(map[string]any)["waiting"] != 1.0 {
		t.Fatalf("after the refused preview: %v, want the instance still waiting", wf)
	}

	// Under deleteData: true (deployed and kept), the same drop is a warning.
	editFile(t, program, "      entry: src/index.ts\n", "      entry: src/index.ts\n      deleteData: true\n")
	out, err = runPulumi(t, ctx, dir, env, "preview")
	if err != nil {
		t.Fatalf("preview with deleteData: true: %v\n%s", err, out)
	}
	requireContains(t, out, `deleteData is true, so this deploy DELETES the workflow and stops them`)

	// The instance ended: nothing is left running, and the workflow may leave.
	editFile(t, program, "      deleteData: true\n", "")
	requireCall(t, http.MethodPost, base+"/orders/held/terminate", "", 200, `{"status":"terminated"}`)
	pulumi(t, "preview")
}
