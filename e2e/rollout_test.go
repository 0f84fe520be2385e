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

// rolloutSource is a Worker that says which version it is and reads a Durable Object counter,
// so that a request shows both the version that answered and that the data is shared.
const rolloutSource = `import { DurableObject } from "cloudflare:workers";

export class Counter extends DurableObject {
  async fetch(request: Request): Promise<Response> {
    const count = ((await this.ctx.storage.get<number>("count")) || 0) + (request.method === "POST" ? 1 : 0);
    await this.ctx.storage.put("count", count);
    return Response.json({ count });
  }
}

export default {
  async fetch(request: Request, env: any): Promise<Response> {
    const res = await env.COUNTER.get(env.COUNTER.idFromName("/")).fetch(request);
    const { count } = (await res.json()) as { count: number };
    return Response.json({ version: "VERSION", count });
  },
};
`

// versionsAnswering sends n GET requests to url and counts the answers by version; every answer
// must carry the count want.
func versionsAnswering(t *testing.T, url string, n, want int) map[string]int {
	t.Helper()
	seen := map[string]int{}
	for range n {
		status, body, _ := call(t, http.MethodGet, url, "")
		var out struct {
			Version string `json:"version"`
			Count   int    `json:"count"`
		}
		if status != http.StatusOK || json.Unmarshal([]byte(body), &out) != nil {
			t.Fatalf("GET %s: %d %s", url, status, body)
		}
		if out.Count != want {
			t.Fatalf("GET %s: count %d, want %d (the versions share the Durable Object's data)", url, out.Count, want)
		}
		seen[out.Version]++
	}
	return seen
}

// TestGradualRollout: a code change with rollout 50% is a new version (versions API, no direct
// upload) answering about half of 200 requests, the previous version the rest, and the preview
// shows the rollout; then rollout 100% moves every request to it with one deployment and no
// upload. The Durable Object's data is the same for both versions.
func TestGradualRollout(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	program := func(version string, rollout float64) pulumi.RunFunc {
		entry := p.write("api", strings.Replace(rolloutSource, "VERSION", version, 1))
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			opts := lumier.WorkerOptions{}
			if rollout > 0 {
				opts.Rollout = &lumier.RolloutArgs{Percentage: pulumi.Float64(rollout)}
			}
			declareCounter(ctx, entry, lumier.DurableObjectOptions{ClassName: "Counter"})
			ctx.Worker("api", opts)
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program("v1", 0))
	url := output(t, up(t, ctx, s).Outputs, "url")
	requireCall(t, http.MethodPost, url, "", 200, `{"version":"v1","count":1}`)

	setProgram(s, program("v2", 50))
	out, err := preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, out)
	}
	requireContains(t, out, "rollout")
	c.ResetCalls()
	up(t, ctx, s)
	if calls := c.Calls(); calls[local.CallUpload] != 0 || calls[local.CallVersionUpload] != 1 || calls[local.CallDeploy] != 1 {
		t.Fatalf("a code change without a migration: want one version upload and one deployment, no direct upload; got %v", calls)
	}
	seen := versionsAnswering(t, url, 200, 1)
	t.Logf("at 50%%: %v", seen)
	if seen["v2"] < 60 || seen["v2"] > 140 || seen["v1"]+seen["v2"] != 200 {
		t.Fatalf("at 50%%, want v2 to answer 60 to 140 of 200 requests and v1 the rest, got %v", seen)
	}

	setProgram(s, program("v2", 100))
	c.ResetCalls()
	up(t, ctx, s)
	if calls := c.Calls(); calls[local.CallUpload] != 0 || calls[local.CallVersionUpload] != 0 || calls[local.CallDeploy] != 1 {
		t.Fatalf("rollout 100 alone: want one deployment and no upload, got %v", calls)
	}
	if seen := versionsAnswering(t, url, 200, 1); seen["v2"] != 200 {
		t.Fatalf("at 100%%, want v2 to answer all 200 requests, got %v", seen)
	}
	requireNoop(t, ctx, c, s)
}

// TestRolloutServesItsOwnAssets: during a rollout each version serves its own static assets: at
// 50%, about half of 200 requests get the new version's index.html and the rest the previous
// version's, and a path no file matches reaches the Worker of the same version that would have
// served the file.
func TestRolloutServesItsOwnAssets(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	program := func(version string, rollout float64) pulumi.RunFunc {
		entry := p.write("web", `export default {
  async fetch(request: Request): Promise<Response> {
    return new Response("worker `+version+` " + new URL(request.url).pathname);
  },
};
`)
		if err := os.MkdirAll(filepath.Join(p.dir, "public"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(p.dir, "public", "index.html"), []byte("assets "+version), 0o644); err != nil {
			t.Fatal(err)
		}
		return app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
			opts := lumier.WorkerOptions{Entry: entry, Assets: &lumier.AssetsOptions{Directory: "public"}}
			if rollout > 0 {
				opts.Rollout = &lumier.RolloutArgs{Percentage: pulumi.Float64(rollout)}
			}
			ctx.Export("url", ctx.Worker("web", opts).URL())
			return nil
		})
	}
	s := inlineStack(t, ctx, c, "life", "dev", program("v1", 0))
	url := output(t, up(t, ctx, s).Outputs, "url")
	if status, body, _ := call(t, http.MethodGet, url+"/", ""); status != 200 || body != "assets v1" {
		t.Fatalf("GET /: %d %q, want the first version's index.html", status, body)
	}

	setProgram(s, program("v2", 50))
	c.ResetCalls()
	up(t, ctx, s)
	if calls := c.Calls(); calls[local.CallUpload] != 0 || calls[local.CallVersionUpload] != 1 {
		t.Fatalf("a code and assets change without a migration: want one version upload, got %v", calls)
	}
	seen := map[string]int{}
	for range 200 {
		_, body, _ := call(t, http.MethodGet, url+"/", "")
		seen[body]++
	}
	t.Logf("GET / at 50%%: %v", seen)
	if seen["assets v2"] < 60 || seen["assets v2"] > 140 || seen["assets v1"]+seen["assets v2"] != 200 {
		t.Fatalf("at 50%%, want the new version's index.html in 60 to 140 of 200 answers and the previous one's in the rest, got %v", seen)
	}
	workers := map[string]int{}
	for range 100 {
		_, body, _ := call(t, http.MethodGet, url+"/api", "")
		workers[body]++
	}
	if workers["worker v1 /api"] == 0 || workers["worker v2 /api"] == 0 || workers["worker v1 /api"]+workers["worker v2 /api"] != 100 {
		t.Fatalf("at 50%%, want both versions' Workers to answer /api, got %v", workers)
	}

	setProgram(s, program("v2", 100))
	up(t, ctx, s)
	for range 20 {
		if _, body, _ := call(t, http.MethodGet, url+"/", ""); body != "assets v2" {
			t.Fatalf("at 100%%: GET / = %q, want the new version's index.html", body)
		}
	}
}
