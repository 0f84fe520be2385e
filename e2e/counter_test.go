//go:build e2e

package e2e

import (
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"

	"github.com/lumier-dev/lumier/examples/counter/stack"
	"github.com/lumier-dev/lumier/local"
)

// TestCounter deploys examples/counter (the basic usage and its Worker code) through an inline
// program, then: the counter counts; a second up is a no-op; refresh finds no drift; a code
// change updates the script in place and keeps the count; destroy removes the script.
func TestCounter(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "counter")
	t.Chdir(dir) // the program's entry, src/index.ts, is relative to it
	s := inlineStack(t, ctx, c, "counter", "dev", stack.Config.RunFunc())
	const script = "my-app-dev-api"

	res := up(t, ctx, s)
	if n := changes(res.Summary); n["create"] == 0 {
		t.Fatalf("first up created nothing: %v", n)
	}
	url := output(t, res.Outputs, "url")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url output %q: want the local Cloudflare's http://127.0.0.1:<port>", url)
	}
	counter, _ := res.Outputs["counter"].Value.(map[string]any)
	if counter["type"] != "durable_object" || counter["name"] != "counter" || counter["className"] != "Counter" ||
		counter["scriptName"] != script || counter["namespaceId"] == "" {
		t.Fatalf("counter output: %v, want the DurableObjectOutput {type: durable_object, name: counter, className: Counter} plus scriptName and namespaceId", counter)
	}
	requireScripts(t, c, script)

	requireCall(t, http.MethodPost, url, "", 200, `{"count":1}`)
	requireCall(t, http.MethodPost, url, "", 200, `{"count":2}`)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":2}`)

	t.Run("NoopUp", func(t *testing.T) { requireNoop(t, ctx, c, s) })
	t.Run("RefreshNoDrift", func(t *testing.T) { requireNoDrift(t, ctx, c, s) })

	t.Run("CodeChange", func(t *testing.T) {
		entry := filepath.Join(dir, "src", "index.ts")
		editFile(t, entry, "return Response.json({ count });", `return Response.json({ count }, { headers: { "x-counter-version": "2" } });`)
		editFile(t, entry, "    if (request.method === \"POST\") {", "    if (url.pathname === \"/version\") {\n      return Response.json({ version: 2 });\n    }\n\n    if (request.method === \"POST\") {")
		c.ResetCalls()
		res := up(t, ctx, s)
		ops := changes(res.Summary)
		if ops["update"] == 0 || !onlyOps(ops, "same", "update") {
			t.Fatalf("code change: %v, want updates in place and nothing created, deleted or replaced", ops)
		}
		// Without a migration the new code goes out as a version and a deployment of it.
		if calls := c.Calls(); calls[local.CallVersionUpload] != 1 || calls[local.CallDeploy] != 1 || calls[local.CallUpload] != 0 {
			t.Fatalf("code change: %v, want one version upload, one deployment and no direct upload", calls)
		}
		if got := output(t, res.Outputs, "url"); got != url {
			t.Fatalf("url changed from %s to %s", url, got)
		}
		h := requireCall(t, http.MethodGet, url, "", 200, `{"count":2}`) // the Durable Object's data survived
		if v := h.Get("x-counter-version"); v != "2" {
			t.Fatalf("x-counter-version header %q: the new code is not serving", v)
		}
		requireCall(t, http.MethodGet, url+"/version", "", 200, `{"version":2}`)
		requireCall(t, http.MethodPost, url, "", 200, `{"count":3}`)
		requireNoop(t, ctx, c, s)
	})

	t.Run("Destroy", func(t *testing.T) {
		res := destroy(t, ctx, s)
		if ops := changes(res.Summary); ops["delete"] == 0 || !onlyOps(ops, "delete") {
			t.Fatalf("destroy: %v, want only deletes", ops)
		}
		requireScripts(t, c)
		if calls := c.Calls(); calls[local.CallDelete] == 0 {
			t.Fatalf("destroy made no delete call: %v", calls)
		}
		if status, _, _ := callNoFail(http.MethodGet, url); status == 200 {
			t.Fatalf("%s still answers after destroy", url)
		}
	})
}

// TestCounterProtected deploys the counter to the stage the app protects ("production"): destroy is
// refused with the engine's protect message; once unprotected, destroy removes the stack while the
// Worker and its data stay on Cloudflare (production's removal policy is "retain").
func TestCounterProtected(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	t.Chdir(copyExample(t, "counter"))
	s := inlineStack(t, ctx, c, "counter", "production", stack.Config.RunFunc())
	const script = "my-app-production-api"

	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	requireCall(t, http.MethodPost, url, "", 200, `{"count":1}`)

	w := progress(t, "protected destroy")
	_, err := s.Destroy(ctx, optdestroy.ProgressStreams(w), optdestroy.ErrorProgressStreams(w))
	if err == nil {
		t.Fatal("destroy of the protected stage succeeded")
	}
	// The engine's message, whitespace collapsed (it wraps the line).
	const protectMsg = "cannot be deleted because it is protected. To unprotect the resource"
	if msg := strings.Join(strings.Fields(err.Error()), " "); !strings.Contains(msg, protectMsg) ||
		!strings.Contains(msg, "pulumi state unprotect") {
		t.Fatalf("destroy failed without the engine's protect message %q: %v", protectMsg, err)
	}
	t.Logf("destroy refused: %q", protectMsg)
	requireScripts(t, c, script)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":1}`)

	// Clean up the way the engine's message says: unprotect, then destroy.
	out, err := runPulumi(t, ctx, s.Workspace().WorkDir(), s.Workspace().GetEnvVars(),
		"state", "unprotect", "--all", "--yes", "--stack", s.Name())
	if err != nil {
		t.Fatalf("pulumi state unprotect: %v\n%s", err, out)
	}
	destroy(t, ctx, s)
	// Retained: the Worker and its Durable Object data outlive the stack.
	requireScripts(t, c, script)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":1}`)
	c.deleteScript(t, script)
	requireScripts(t, c)
}

// onlyOps reports whether every operation with a non-zero count is one of ops.
func onlyOps(changes map[string]int, ops ...string) bool {
	for op, n := range changes {
		if n > 0 && !slices.Contains(ops, op) {
			return false
		}
	}
	return true
}

// callNoFail is call without failing the test on a connection error (status 0).
func callNoFail(method, url string) (int, string, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	resp.Body.Close()
	return resp.StatusCode, "", nil
}
