//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/local"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// assetsEntry is a Worker in examples/app's style: the assets module answers /assets/..., and
// anything else no file matches gets "worker <path>".
const assetsEntry = `import type { Env } from "./env";
import { assets } from "./assets";

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const path = new URL(request.url).pathname;
    return (await assets(request, env, path)) ?? new Response("worker " + path);
  },
};
`

// assetsProgram is app "site": Worker "web" with examples/app's public/ as its assets, bound as
// ASSETS, with the given not-found handling.
func assetsProgram(entry, notFound string) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig {
			return lumier.AppConfig{Name: "site", Removal: lumier.RemovalRemove}
		},
		Run: func(ctx *lumier.Context) error {
			web := ctx.Worker("web", lumier.WorkerOptions{Entry: entry, Assets: &lumier.AssetsOptions{
				Directory: "public", Binding: "ASSETS", NotFoundHandling: notFound,
			}})
			ctx.Export("url", web.URL())
			return nil
		},
	}.RunFunc()
}

// getAsset fetches a path of the Worker and returns status, body and content type.
func getAsset(t *testing.T, url string) (int, string, string) {
	t.Helper()
	status, body, h := call(t, http.MethodGet, url, "")
	return status, body, h.Get("Content-Type")
}

// TestAssetsServedAndUploadedOnlyWhenChanged: examples/app's front end is served as static
// assets, paths no file has reach the Worker, env.ASSETS reads the files; the first up sends every
// file, a no-op up sends none (and calls nothing), refresh finds no drift, a changed file is sent
// alone, and a preview refuses a missing directory naming it.
func TestAssetsServedAndUploadedOnlyWhenChanged(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	copyDir(t, filepath.Join(repoRoot, "examples", "app", "public"), filepath.Join(p.dir, "public"))
	for _, module := range []string{"assets", "env"} {
		code, err := os.ReadFile(filepath.Join(repoRoot, "examples", "app", "src", module+".ts"))
		if err != nil {
			t.Fatal(err)
		}
		p.write(module, string(code))
	}
	entry := p.write("web", assetsEntry)
	files, _ := os.ReadDir(filepath.Join(p.dir, "public"))

	s := inlineStack(t, ctx, c, "site", "dev", assetsProgram(entry, ""))
	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	if got := c.Calls()[local.CallAssetFile]; got != len(files) {
		t.Fatalf("first up sent %d asset files, want all %d: %v", got, len(files), c.Calls())
	}

	status, body, ct := getAsset(t, url+"/")
	if status != 200 || !strings.Contains(body, "<h1>lumier app</h1>") || !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("GET / = %d %q %q, want public/index.html", status, ct, body)
	}
	if status, body, ct = getAsset(t, url+"/style.css"); status != 200 || !strings.HasPrefix(ct, "text/css") {
		t.Fatalf("GET /style.css = %d %q %q", status, ct, body)
	}
	requireCall(t, http.MethodGet, url+"/assets/hello", "", 200, `{"hello":"from the Worker"}`)
	if status, body, _ = getAsset(t, url+"/api/unknown"); status != 200 || body != "worker /api/unknown" {
		t.Fatalf("a path no file has must reach the Worker: %d %q", status, body)
	}
	var viaBinding struct {
		Status      int    `json:"status"`
		ContentType string `json:"contentType"`
		Body        string `json:"body"`
	}
	_, body, _ = getAsset(t, url+"/assets/file/style.css")
	if err := json.Unmarshal([]byte(body), &viaBinding); err != nil || viaBinding.Status != 200 ||
		!strings.Contains(viaBinding.Body, "font-family") {
		t.Fatalf("env.ASSETS.fetch(/style.css): %s (%v)", body, err)
	}
	_, body, _ = getAsset(t, url+"/assets/file/nothing-here")
	if err := json.Unmarshal([]byte(body), &viaBinding); err != nil || viaBinding.Status != 404 {
		t.Fatalf("env.ASSETS.fetch of a missing file must be a 404: %s (%v)", body, err)
	}

	// Nothing changed: no call at all, so no file either; a refresh finds no drift.
	requireNoop(t, ctx, c, s)
	requireNoDrift(t, ctx, c, s)

	// One file changed: only it goes up, and it is served.
	editFile(t, filepath.Join(p.dir, "public", "style.css"), "margin: 2rem auto", "margin: 3rem auto")
	c.ResetCalls()
	up(t, ctx, s)
	if calls := c.Calls(); calls[local.CallAssetFile] != 1 || calls[local.CallAssetsSession] != 1 {
		t.Fatalf("a changed file: want one session and one file sent, got %v", calls)
	}
	if _, body, _ = getAsset(t, url+"/style.css"); !strings.Contains(body, "3rem") {
		t.Fatalf("the changed file is not served: %q", body)
	}

	// A 404 page and 404-page handling: only the new file goes up, and env.ASSETS answers with it.
	if err := os.WriteFile(filepath.Join(p.dir, "public", "404.html"), []byte("<h1>not here</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	setProgram(s, assetsProgram(entry, "404-page"))
	c.ResetCalls()
	up(t, ctx, s)
	if calls := c.Calls(); calls[local.CallAssetFile] != 1 {
		t.Fatalf("adding 404.html: want it alone sent, got %v", calls)
	}
	_, body, _ = getAsset(t, url+"/assets/file/nothing-here")
	if err := json.Unmarshal([]byte(body), &viaBinding); err != nil || viaBinding.Status != 404 || viaBinding.Body != "<h1>not here</h1>" {
		t.Fatalf("404-page through env.ASSETS: %s (%v)", body, err)
	}

	// A missing directory is refused at preview, naming it.
	if err := os.Rename(filepath.Join(p.dir, "public"), filepath.Join(p.dir, "public-old")); err != nil {
		t.Fatal(err)
	}
	out, err := preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview with the assets directory gone succeeded:\n%s", out)
	}
	requireContains(t, out, "assets directory "+filepath.Join(p.dir, "public")+" does not exist")
	if err := os.Rename(filepath.Join(p.dir, "public-old"), filepath.Join(p.dir, "public")); err != nil {
		t.Fatal(err)
	}
	destroy(t, ctx, s)
}

// TestAssetsYAMLApp: a YAML App declares a Worker's assets; its files are served, a POST still
// reaches the Worker (the counter), and a second up sends no file and uploads nothing.
func TestAssetsYAMLApp(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	public := filepath.Join(t.TempDir(), "public")
	copyDir(t, filepath.Join(repoRoot, "examples", "app", "public"), public)
	pulumi := yamlProject(t, ctx, c, "siteyaml", `
resources:
  app:
    type: lumier:index:App
    properties:
      name: siteyaml
      removal: remove
      workers:
        - name: api
          entry: src/index.ts
          assets: { directory: "`+public+`", htmlHandling: drop-trailing-slash }
          bindings:
            COUNTER: { type: durable_object, name: counter }
      durableObjects:
        - { name: counter, worker: api, className: Counter }
outputs:
  url: ${app.workers["api"].url}
`)
	if out, err := pulumi("up", "--yes"); err != nil {
		t.Fatalf("up: %v\n%s", err, out)
	}
	files, _ := os.ReadDir(public)
	if got := c.Calls()[local.CallAssetFile]; got != len(files) {
		t.Fatalf("up sent %d asset files, want %d: %v", got, len(files), c.Calls())
	}
	out, err := pulumi("stack", "output", "url")
	if err != nil {
		t.Fatalf("stack output: %v\n%s", err, out)
	}
	url := lastLine(out)
	if status, body, _ := getAsset(t, url+"/"); status != 200 || !strings.Contains(body, "<h1>lumier app</h1>") {
		t.Fatalf("GET / = %d %q, want public/index.html", status, body)
	}
	if status, _, ct := getAsset(t, url+"/app.js"); status != 200 || !strings.Contains(ct, "javascript") {
		t.Fatalf("GET /app.js = %d %q", status, ct)
	}
	requireCall(t, http.MethodPost, url+"/", "", 200, `{"count":1}`)

	c.ResetCalls()
	if out, err := pulumi("up", "--yes"); err != nil {
		t.Fatalf("second up: %v\n%s", err, out)
	}
	if calls := c.Calls(); calls[local.CallAssetFile] != 0 || calls[local.CallUpload] != 0 || c.MutatingCalls() != 0 {
		t.Fatalf("an unchanged App sent files or uploaded: %v", calls)
	}
	if out, err := pulumi("destroy", "--yes"); err != nil {
		t.Fatalf("destroy: %v\n%s", err, out)
	}
}
