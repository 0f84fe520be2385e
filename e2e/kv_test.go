//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// kvSource is a Worker that keeps keys in its CACHE binding: PUT /<key> stores the body, GET
// /<key> answers {key, value}.
const kvSource = `import { env } from "cloudflare:workers";

export default {
  async fetch(request: Request): Promise<Response> {
    const key = new URL(request.url).pathname.slice(1);
    if (request.method === "PUT") {
      await env.CACHE.put(key, await request.text());
      return Response.json({ stored: key });
    }
    return Response.json({ key, value: await env.CACHE.get(key) });
  },
};
`

// kvProgram is app "kv": a KV namespace "cache" bound as CACHE by Worker "api".
func kvProgram(entry, removal string) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "kv", Removal: removal} },
		Run: func(ctx *lumier.Context) error {
			cache := ctx.KvNamespace("cache")
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, Bindings: lumier.Bindings{"CACHE": cache}})
			ctx.Export("url", api.URL())
			ctx.Export("cache", cache.ID())
			return nil
		},
	}.RunFunc()
}

// TestKVBindingLifecycle: a Worker writes and reads KV through its binding; a no-op up makes no
// API call; under the default removal destroy leaves the namespace and its keys on Cloudflare;
// under "remove" destroy deletes the namespace.
func TestKVBindingLifecycle(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", kvSource)
	api := cfapi.New(c.URL(), token, accountID)

	// Default removal: retain.
	s := inlineStack(t, ctx, c, "kv", "dev", kvProgram(entry, ""))
	res := up(t, ctx, s)
	url, id := output(t, res.Outputs, "url"), output(t, res.Outputs, "cache")
	requireCall(t, http.MethodPut, url+"/greeting", "hello", 200, `{"stored":"greeting"}`)
	requireCall(t, http.MethodGet, url+"/greeting", "", 200, `{"key":"greeting","value":"hello"}`)
	requireCall(t, http.MethodGet, url+"/missing", "", 200, `{"key":"missing","value":null}`)
	ns, err := api.KV.NamespaceByID(ctx, id)
	if err != nil || ns.Title != "kv-dev-cache" {
		t.Fatalf("namespace %s: %+v, %v; want title kv-dev-cache", id, ns, err)
	}
	requireNoop(t, ctx, c, s)

	destroy(t, ctx, s)
	if v, err := api.KV.Value(ctx, id, "greeting"); err != nil || v != "hello" {
		t.Fatalf("under the default removal the namespace and its keys stay: got %q, %v", v, err)
	}

	// Removal "remove": destroy deletes the namespace, keys and all.
	s2 := inlineStack(t, ctx, c, "kv", "prod", kvProgram(entry, lumier.RemovalRemove))
	res = up(t, ctx, s2)
	url, id2 := output(t, res.Outputs, "url"), output(t, res.Outputs, "cache")
	requireCall(t, http.MethodPut, url+"/k", "v", 200, `{"stored":"k"}`)
	destroy(t, ctx, s2)
	if _, err := api.KV.NamespaceByID(context.Background(), id2); !cfapi.IsNotFound(err) {
		t.Fatalf("removal \"remove\": namespace %s should be deleted, got %v", id2, err)
	}
	if _, err := api.KV.NamespaceByID(ctx, id); err != nil {
		t.Fatalf("the dev stage's retained namespace must be untouched: %v", err)
	}
}

// TestKVNamespaceByReferenceYAML: in YAML a KvNamespace resource is itself the binding value; the
// preview passes before the namespace exists, the deployed script binds its id, and a refresh
// reads the binding back unchanged.
func TestKVNamespaceByReferenceYAML(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlProject(t, ctx, c, "kvref", `
resources:
  cache:
    type: lumier:index:KvNamespace
  api:
    type: lumier:index:Worker
    properties:
      entry: src/index.ts
      durableObjects: [{ className: Counter }]
      bindings:
        CACHE: ${cache}
        COUNTER: { type: durable_object_namespace, className: Counter }
outputs:
  cacheId: ${cache.namespaceId}
`)
	if out, err := pulumi("preview"); err != nil {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	if out, err := pulumi("up", "--yes"); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	id, err := pulumi("stack", "output", "cacheId")
	if err != nil {
		t.Fatalf("stack output: %v\n%s", err, id)
	}
	id = lastLine(id)
	api := cfapi.New(c.URL(), token, accountID)
	ns, err := api.KV.NamespaceByID(ctx, id)
	if err != nil || ns.Title != "kvref-dev-cache" {
		t.Fatalf("namespace %q: %+v, %v; want the default title kvref-dev-cache", id, ns, err)
	}
	settings, err := api.Scripts.Settings(ctx, "kvref-dev-api")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range settings.Bindings {
		found = found || (b.Name == "CACHE" && b.Type == cfapi.BindingKVNamespace && b.NamespaceID == id)
	}
	if !found {
		t.Fatalf("script kvref-dev-api does not bind CACHE to namespace %s: %+v", id, settings.Bindings)
	}
	// The read-back of the binding matches what was deployed: a refresh finds no drift.
	if out, err := pulumi("refresh", "--yes", "--expect-no-changes"); err != nil {
		t.Fatalf("refresh found drift: %v\n%s", err, out)
	}
	if out, err := pulumi("preview", "--expect-no-changes"); err != nil {
		t.Fatalf("preview after refresh found changes: %v\n%s", err, out)
	}
}
