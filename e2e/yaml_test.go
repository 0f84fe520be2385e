//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestYAML deploys examples/yaml (the counter as a Pulumi YAML program with one lumier:index:App)
// with the CLI and the YAML language host: `pulumi up --yes`,
// the counter counts, a second up changes nothing, refresh finds no drift, destroy removes it.
// The credentials come from the CLOUDFLARE_* environment variables.
func TestYAML(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlExample(t, ctx, c, "yaml", "counter/src")
	pulumi(t, "stack", "init", "dev")
	start := time.Now()
	pulumi(t, "up", "--yes")
	t.Logf("first up: %s", time.Since(start).Round(time.Millisecond))
	url := strings.TrimSpace(pulumi(t, "stack", "output", "url"))
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("url output %q: want the local Cloudflare's http://127.0.0.1:<port>", url)
	}
	const script = "counter-yaml-dev-api" // <app>-<stage>-<name>
	requireScripts(t, c, script)
	if out := pulumi(t, "stack", "output", "counter", "--json"); !jsonHas(out, `"type": "durable_object"`, `"className": "Counter"`, `"name": "counter"`) {
		t.Fatalf("counter output:\n%s", out)
	}

	requireCall(t, http.MethodPost, url, "", 200, `{"count":1}`)
	requireCall(t, http.MethodPost, url, "", 200, `{"count":2}`)
	requireCall(t, http.MethodGet, url, "", 200, `{"count":2}`)

	t.Run("NoopUp", func(t *testing.T) {
		c.ResetCalls()
		// --expect-no-changes makes the engine itself fail the update if anything would change.
		pulumi(t, "up", "--yes", "--expect-no-changes")
		if mutating, uploads := c.mutations(); mutating != 0 || uploads != 0 {
			t.Fatalf("no-op up made %d mutating API calls (%d uploads): %v", mutating, uploads, c.Calls())
		}
		t.Logf("no-op up: API calls %v", c.Calls())
	})

	t.Run("RefreshNoDrift", func(t *testing.T) {
		pulumi(t, "refresh", "--yes", "--expect-no-changes")
		pulumi(t, "preview", "--expect-no-changes")
	})

	t.Run("ResourceTree", func(t *testing.T) {
		urns := pulumi(t, "stack", "--show-urns")
		for _, want := range []string{
			"lumier:index:App$lumier:index:Worker$lumier:index:Script::app-api",
			"lumier:index:App$lumier:index:DurableObject::app-counter",
		} {
			if !strings.Contains(urns, want) {
				t.Errorf("the stack's resources lack %s:\n%s", want, urns)
			}
		}
	})

	t.Run("Destroy", func(t *testing.T) {
		pulumi(t, "destroy", "--yes")
		requireScripts(t, c)
		pulumi(t, "stack", "rm", "--yes")
	})
}

// TestYAMLComponents deploys examples/yaml-components: a Durable Object whose worker is the
// Worker resource itself, bound by another Worker that passes the DurableObject resource itself
// (YAML `${counter}`), so resource references work as binding values.
func TestYAMLComponents(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlExample(t, ctx, c, "yaml-components", "counter/src")
	pulumi(t, "stack", "init", "dev")
	pulumi(t, "up", "--yes")
	requireScripts(t, c, "counter-components-dev-store", "counter-components-dev-web")
	if settings := scriptSettings(t, c, "counter-components-dev-web"); !strings.Contains(settings, `"script_name":"counter-components-dev-store"`) {
		t.Fatalf("web's COUNTER binding does not point at the store script: %s", settings)
	}
	if id := strings.TrimSpace(pulumi(t, "stack", "output", "namespaceId")); id == "" {
		t.Fatal("the DurableObject's namespaceId output is empty: it should come from its Worker")
	}
	url := strings.TrimSpace(pulumi(t, "stack", "output", "url"))
	requireCall(t, http.MethodPost, url, "", 200, `{"count":1}`)
	requireCall(t, http.MethodPost, url, "", 200, `{"count":2}`)
	pulumi(t, "up", "--yes", "--expect-no-changes")
	pulumi(t, "destroy", "--yes")
	requireScripts(t, c)
}

// yamlExample copies a YAML example beside the parts of other examples it uses (uses: paths under
// examples/, e.g. "counter/src" for an entry ../counter/src/index.ts), points it at the provider
// under test, and returns a function that runs the CLI there against c, failing the test when a
// command fails.
func yamlExample(t *testing.T, ctx context.Context, c *cloud, name string, uses ...string) func(t *testing.T, args ...string) string {
	dir := copyExample(t, name)
	for _, u := range uses {
		copyDir(t, filepath.Join(repoRoot, "examples", u), filepath.Join(filepath.Dir(dir), u))
	}
	editFile(t, filepath.Join(dir, "Pulumi.yaml"), "path: ../../bin", "path: "+providerDir)
	return folderPulumi(ctx, dir, c.env(t.TempDir()))
}

// folderPulumi returns a function that runs the CLI in the project folder dir with the extra
// environment, failing the test when a command fails, and returns its output.
func folderPulumi(ctx context.Context, dir string, env map[string]string) func(t *testing.T, args ...string) string {
	return func(t *testing.T, args ...string) string {
		t.Helper()
		out, err := runPulumi(t, ctx, dir, env, args...)
		if err != nil {
			t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return out
	}
}

// jsonHas reports whether the CLI's indented JSON output contains every fragment.
func jsonHas(out string, fragments ...string) bool {
	for _, f := range fragments {
		if !strings.Contains(out, f) {
			return false
		}
	}
	return true
}
