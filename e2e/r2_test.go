//go:build e2e

package e2e

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// r2Index is a Worker that answers with examples/app's R2 area alone.
const r2Index = `import type { Env } from "./env";
import { r2 } from "./r2";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    return (await r2(request, env, path)) ?? Response.json({ error: "no route for " + path }, { status: 404 });
  },
};
`

// r2Program is app "r2": an R2 bucket "files" bound as FILES by Worker "api".
func r2Program(entry, removal string) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "r2", Removal: removal} },
		Run: func(ctx *lumier.Context) error {
			files := ctx.R2Bucket("files")
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, Bindings: lumier.Bindings{"FILES": files}})
			ctx.Export("url", api.URL())
			ctx.Export("files", files.BucketName())
			return nil
		},
	}.RunFunc()
}

// TestR2BindingLifecycle: through examples/app's R2 module a Worker uploads an object with
// custom metadata and a content type, downloads it, heads, lists (with a delimiter and a prefix)
// and deletes; a no-op up makes no API call; under the default removal destroy leaves the bucket
// and its objects on Cloudflare; under "remove" destroy deletes the bucket, objects and all.
func TestR2BindingLifecycle(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	for _, f := range []string{"r2.ts", "env.ts"} {
		src, err := os.ReadFile(filepath.Join(repoRoot, "examples", "app", "src", f))
		if err != nil {
			t.Fatal(err)
		}
		p.write(strings.TrimSuffix(f, ".ts"), string(src))
	}
	entry := p.write("index", r2Index)
	api := cfapi.New(c.URL(), token, accountID)

	// Default removal: retain.
	s := inlineStack(t, ctx, c, "r2", "dev", r2Program(entry, ""))
	res := up(t, ctx, s)
	url, bucket := output(t, res.Outputs, "url"), output(t, res.Outputs, "files")
	if bucket != "r2-dev-files" {
		t.Fatalf("bucket output %q, want r2-dev-files", bucket)
	}
	if _, err := api.R2.BucketByName(ctx, bucket); err != nil {
		t.Fatalf("bucket %s on the local Cloudflare: %v", bucket, err)
	}

	upload := map[string]string{"Content-Type": "text/plain", "X-Meta-Author": "ada"}
	status, body, _ := r2Call(t, http.MethodPut, url+"/r2/docs/hello.txt", "hello world", upload)
	requireR2(t, "PUT", status, body, 200, `{"stored":"docs/hello.txt","size":11,"etag":"5eb63bbbe01eeed093cb22bb8f5acdc3"}`)
	status, body, h := r2Call(t, http.MethodGet, url+"/r2/docs/hello.txt", "", nil)
	if status != 200 || body != "hello world" || h.Get("Content-Type") != "text/plain" || h.Get("X-Meta-Author") != "ada" {
		t.Fatalf("GET docs/hello.txt: %d %q, Content-Type %q, X-Meta-Author %q; want 200 \"hello world\", text/plain, ada",
			status, body, h.Get("Content-Type"), h.Get("X-Meta-Author"))
	}
	status, body, h = r2Call(t, http.MethodHead, url+"/r2/docs/hello.txt", "", nil)
	if status != 200 || body != "" || h.Get("X-Size") != "11" || h.Get("X-Meta-Author") != "ada" || h.Get("Etag") != `"5eb63bbbe01eeed093cb22bb8f5acdc3"` {
		t.Fatalf("HEAD docs/hello.txt: %d %q, headers %v", status, body, h)
	}
	status, body, _ = r2Call(t, http.MethodPut, url+"/r2/top.txt", "x", map[string]string{"Content-Type": "text/plain"})
	requireR2(t, "PUT", status, body, 200, `{"stored":"top.txt","size":1,"etag":"9dd4e461268c8034f5c8564e155c67a6"}`)
	requireCall(t, http.MethodGet, url+"/r2/?delimiter=/", "", 200,
		`{"objects":[{"key":"top.txt","size":1,"etag":"9dd4e461268c8034f5c8564e155c67a6","customMetadata":{}}],"delimitedPrefixes":["docs/"],"truncated":false}`)
	requireCall(t, http.MethodGet, url+"/r2/?prefix=docs/", "", 200,
		`{"objects":[{"key":"docs/hello.txt","size":11,"etag":"5eb63bbbe01eeed093cb22bb8f5acdc3","customMetadata":{"author":"ada"}}],"delimitedPrefixes":[],"truncated":false}`)
	requireCall(t, http.MethodDelete, url+"/r2/top.txt", "", 200, `{"deleted":"top.txt"}`)
	requireCall(t, http.MethodGet, url+"/r2/top.txt", "", 404, `{"error":"no object top.txt"}`)

	requireNoop(t, ctx, c, s)

	destroy(t, ctx, s)
	keys, _, err := api.R2.Objects(ctx, bucket, "", 10)
	if err != nil || len(keys) != 1 || keys[0] != "docs/hello.txt" {
		t.Fatalf("under the default removal the bucket and its objects stay: got %v, %v", keys, err)
	}

	// Removal "remove": destroy deletes the bucket, objects and all.
	s2 := inlineStack(t, ctx, c, "r2", "prod", r2Program(entry, lumier.RemovalRemove))
	res = up(t, ctx, s2)
	url, bucket2 := output(t, res.Outputs, "url"), output(t, res.Outputs, "files")
	status, body, _ = r2Call(t, http.MethodPut, url+"/r2/k", "v", nil)
	requireR2(t, "PUT", status, body, 200, `{"stored":"k","size":1,"etag":"9e3669d19b675bd57058fd4664205d2a"}`)
	destroy(t, ctx, s2)
	if _, err := api.R2.BucketByName(context.Background(), bucket2); !cfapi.IsNotFound(err) {
		t.Fatalf("removal \"remove\": bucket %s should be deleted, got %v", bucket2, err)
	}
	if _, err := api.R2.BucketByName(ctx, bucket); err != nil {
		t.Fatalf("the dev stage's retained bucket must be untouched: %v", err)
	}
}

// r2Call sends a request with headers and returns the status, body and response headers.
func r2Call(t *testing.T, method, url, body string, headers map[string]string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, url, err)
	}
	t.Logf("%s %s -> %d %s", method, url, resp.StatusCode, data)
	return resp.StatusCode, strings.TrimSpace(string(data)), resp.Header
}

func requireR2(t *testing.T, what string, status int, body string, wantStatus int, wantJSON string) {
	t.Helper()
	if status != wantStatus || !jsonEqual(body, wantJSON) {
		t.Fatalf("%s: got %d %s, want %d %s", what, status, body, wantStatus, wantJSON)
	}
}

// TestR2BucketByReferenceYAML: in YAML an R2Bucket resource is itself the binding value; the
// deployed script binds its bucket, and a refresh reads the bucket and the binding back unchanged.
func TestR2BucketByReferenceYAML(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlProject(t, ctx, c, "r2ref", `
resources:
  files:
    type: lumier:index:R2Bucket
    properties: { locationHint: weur }
  api:
    type: lumier:index:Worker
    properties:
      entry: src/index.ts
      durableObjects: [{ className: Counter }]
      bindings:
        FILES: ${files}
        COUNTER: { type: durable_object_namespace, className: Counter }
outputs:
  bucket: ${files.bucketName}
`)
	if out, err := pulumi("up", "--yes"); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	out, err := pulumi("stack", "output", "bucket")
	if err != nil {
		t.Fatalf("stack output: %v\n%s", err, out)
	}
	if bucket := lastLine(out); bucket != "r2ref-dev-files" {
		t.Fatalf("bucket %q, want the default name r2ref-dev-files", bucket)
	}
	api := cfapi.New(c.URL(), token, accountID)
	if b, err := api.R2.BucketByName(ctx, "r2ref-dev-files"); err != nil || b.Location != "weur" {
		t.Fatalf("bucket r2ref-dev-files: %+v, %v; want location weur", b, err)
	}
	settings, err := api.Scripts.Settings(ctx, "r2ref-dev-api")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, b := range settings.Bindings {
		found = found || (b.Name == "FILES" && b.Type == cfapi.BindingR2Bucket && b.BucketName == "r2ref-dev-files")
	}
	if !found {
		t.Fatalf("script r2ref-dev-api does not bind FILES to bucket r2ref-dev-files: %+v", settings.Bindings)
	}
	if out, err := pulumi("refresh", "--yes", "--expect-no-changes"); err != nil {
		t.Fatalf("refresh found drift: %v\n%s", err, out)
	}
	if out, err := pulumi("preview", "--expect-no-changes"); err != nil {
		t.Fatalf("preview after refresh found changes: %v\n%s", err, out)
	}
}
