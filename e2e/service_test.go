//go:build e2e

package e2e

import (
	"net/http"
	"path/filepath"
	"testing"
	"time"
)

// serviceApp is an App of two Workers: api (examples/app's service area) calls auth through a
// service binding by fetch and through its AuthRPC entrypoint by RPC, and reads a json binding.
func serviceApp(app, entrypoint string) string {
	return `
resources:
  app:
    type: lumier:index:App
    properties:
      name: ` + app + `
      removal: remove
      workers:
        - name: auth
          entry: src/auth.ts
        - name: api
          entry: src/service-main.ts
          bindings:
            AUTH: { type: service, name: auth }
            AUTH_RPC: { type: service, name: auth, entrypoint: ` + entrypoint + ` }
            CONFIG: { type: json, value: { greeting: hello, limits: [1, 2] } }
outputs:
  url: ${app.workers["api"].url}
`
}

// TestServiceBindingRPC: on the real engine, a Worker answers what another Worker of its app
// returned through fetch and through an RPC entrypoint method, plus a json binding's parsed
// value; a no-op up makes no API call; an entrypoint the called Worker does not export as a
// class is refused at preview, naming it.
func TestServiceBindingRPC(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	src := filepath.Join(repoRoot, "examples", "app", "src")
	pulumi := yamlProjectFrom(t, ctx, c, src, "svc", serviceApp("svc", "AuthRPC"))
	if out, err := pulumi("up", "--yes"); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	requireScripts(t, c, "svc-dev-api", "svc-dev-auth")
	url, err := pulumi("stack", "output", "url")
	if err != nil {
		t.Fatalf("stack output: %v\n%s", err, url)
	}
	url = lastLine(url)
	requireCall(t, http.MethodGet, url+"/service/ada", "", 200,
		`{"viaFetch":"auth says hi to /ada","viaRPC":{"user":"ada","ok":true},"config":{"greeting":"hello","limits":[1,2]}}`)

	t.Run("NoopUp", func(t *testing.T) {
		c.ResetCalls()
		if out, err := pulumi("up", "--yes", "--expect-no-changes"); err != nil {
			t.Fatalf("no-op up: %v\n%s", err, out)
		}
		if mutating, uploads := c.mutations(); mutating != 0 || uploads != 0 {
			t.Fatalf("no-op up made %d mutating API calls (%d uploads): %v", mutating, uploads, c.Calls())
		}
		if out, err := pulumi("refresh", "--yes", "--expect-no-changes"); err != nil {
			t.Fatalf("refresh found drift in the service and json bindings: %v\n%s", err, out)
		}
	})

	t.Run("EntrypointNotExported", func(t *testing.T) {
		bad := yamlProjectFrom(t, ctx, c, src, "svcbad", serviceApp("svcbad", "AuthRPX"))
		out, err := bad("preview")
		if err == nil {
			t.Fatalf("preview accepted an entrypoint auth does not export:\n%s", out)
		}
		requireContains(t, out, `binding "AUTH_RPC" calls entrypoint "AuthRPX" of script "svcbad-dev-auth"`,
			`does not export it`, `"AuthRPC"`)
	})

	t.Run("Destroy", func(t *testing.T) {
		if out, err := pulumi("destroy", "--yes"); err != nil {
			t.Fatalf("destroy: %v\n%s", err, out)
		}
		requireScripts(t, c)
	})
}
