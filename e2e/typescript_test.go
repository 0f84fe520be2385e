//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCounterTS deploys examples/counter-ts, the basic usage as written (lumier.config.ts)
// with the counter's Worker code, through the Node.js Automation API: e2e/automation/deploy.js runs
// the config's default export as an inline program on the real engine. The counter counts, a
// second up is a no-op with zero API calls, and destroy empties the stack; the config sets
// no removal, so the app's default "retain" keeps the Worker and its data on Cloudflare.
func TestCounterTS(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	ts := newTSStack(t, c, "counter-ts", "dev")
	const script = "my-app-dev-api"

	res := ts.run(t, ctx, "up")
	if res.Summary["create"] == 0 {
		t.Fatalf("first up created nothing: %v", res.Summary)
	}
	var workers map[string]struct {
		Type, Name, ScriptName, URL string
	}
	if err := json.Unmarshal(res.Outputs["workers"], &workers); err != nil {
		t.Fatalf("workers output %s: %v", res.Outputs["workers"], err)
	}
	api := workers["api"]
	if api.Type != "worker" || api.Name != "api" || api.ScriptName != script || !strings.HasPrefix(api.URL, "http://127.0.0.1:") {
		t.Fatalf("workers.api output %+v: want {type: worker, name: api, scriptName: %s, url: http://127.0.0.1:<port>}", api, script)
	}
	var dos map[string]map[string]string
	if err := json.Unmarshal(res.Outputs["durableObjects"], &dos); err != nil {
		t.Fatalf("durableObjects output %s: %v", res.Outputs["durableObjects"], err)
	}
	if do := dos["counter"]; do["type"] != "durable_object" || do["name"] != "counter" || do["className"] != "Counter" || do["namespaceId"] == "" {
		t.Fatalf("durableObjects.counter output %v: want the DurableObjectOutput plus a namespaceId", do)
	}
	requireScripts(t, c, script)

	requireCall(t, http.MethodPost, api.URL, "", 200, `{"count":1}`)
	requireCall(t, http.MethodPost, api.URL, "", 200, `{"count":2}`)
	requireCall(t, http.MethodGet, api.URL, "", 200, `{"count":2}`)

	t.Run("NoopUp", func(t *testing.T) {
		c.ResetCalls()
		res := ts.run(t, ctx, "up")
		if changed := changedOps(res.Summary); len(changed) > 0 {
			t.Fatalf("no-op up changed resources: %v", res.Summary)
		}
		requireOnlyVerify(t, "no-op up", c.Calls())
		t.Logf("no-op up: %v, API calls %v", res.Summary, c.Calls())
	})

	t.Run("Destroy", func(t *testing.T) {
		res := ts.run(t, ctx, "destroy")
		if !onlyOps(res.Summary, "delete") || res.Summary["delete"] == 0 {
			t.Fatalf("destroy: %v, want only deletes", res.Summary)
		}
		// Retained by the default removal policy: the Worker and its data outlive the stack.
		requireScripts(t, c, script)
		requireCall(t, http.MethodGet, api.URL, "", 200, `{"count":2}`)
		c.deleteScript(t, script)
		requireScripts(t, c)
	})
}

// TestChatTS deploys examples/chat-ts (the chat app in the $config shape) the same way and
// exercises it as TestChat does; a second up is a no-op, and destroy (removal "remove" outside
// production) deletes the script.
func TestChatTS(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	ts := newTSStack(t, c, "chat-ts", "dev")

	res := ts.run(t, ctx, "up")
	var workers map[string]struct{ URL string }
	if err := json.Unmarshal(res.Outputs["workers"], &workers); err != nil || workers["api"].URL == "" {
		t.Fatalf("workers output %s: want workers.api.url (%v)", res.Outputs["workers"], err)
	}
	requireScripts(t, c, "chat-dev-api")
	exerciseChat(t, ctx, workers["api"].URL)

	t.Run("NoopUp", func(t *testing.T) {
		c.ResetCalls()
		if res := ts.run(t, ctx, "up"); len(changedOps(res.Summary)) > 0 {
			t.Fatalf("no-op up changed resources: %v", res.Summary)
		}
		requireOnlyVerify(t, "no-op up", c.Calls())
	})

	t.Run("Destroy", func(t *testing.T) {
		ts.run(t, ctx, "destroy")
		requireScripts(t, c)
	})
}

// newTSStack copies examples/<example> and returns its stack on c, with its own file backend.
func newTSStack(t testing.TB, c *cloud, example, stack string) tsStack {
	t.Helper()
	dir := copyExample(t, example)
	// The config imports "lumier" (and the engine's @pulumi/pulumi) from the checkout's packages.
	if err := os.Symlink(filepath.Join(repoRoot, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	return tsStack{dir: dir, config: "lumier.config.ts", stack: stack, env: c.env(t.TempDir())}
}

// tsStack is a stack of a TypeScript config, operated by e2e/automation/deploy.js.
type tsStack struct {
	dir, config, stack string
	env                map[string]string
}

// tsResult is what deploy.js prints: the operation counts and the stack outputs as JSON.
type tsResult struct {
	Summary map[string]int             `json:"summary"`
	Outputs map[string]json.RawMessage `json:"outputs"`
}

// run runs one operation with node; the engine's output is logged if the test fails.
func (s tsStack) run(t testing.TB, ctx context.Context, op string) tsResult {
	t.Helper()
	start := time.Now()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(repoRoot, "e2e", "automation", "deploy.js"), op)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(),
		"LUMIER_PROJECT_DIR="+s.dir, "LUMIER_CONFIG="+s.config, "LUMIER_STACK="+s.stack, "LUMIER_PROVIDER_DIR="+providerDir)
	for k, v := range s.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.WaitDelay = 10 * time.Second
	w := progress(t, op)
	var stdout strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, w
	if err := cmd.Run(); err != nil {
		t.Fatalf("deploy.js %s: %v", op, err)
	}
	var res tsResult
	if err := json.Unmarshal([]byte(lastLine(stdout.String())), &res); err != nil {
		t.Fatalf("deploy.js %s printed %q: %v", op, lastLine(stdout.String()), err)
	}
	logf(t, "%s %s (Node.js Automation API): %v in %s", op, s.stack, res.Summary, time.Since(start).Round(time.Millisecond))
	return res
}
