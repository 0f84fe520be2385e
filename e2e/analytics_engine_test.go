//go:build e2e

package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// TestAnalyticsEngineBinding deploys a Worker with an analytics_engine binding (the Go helper's
// lumier.AnalyticsEngine) on the real engine: each request writes a data point without awaiting
// it, as Workers do, and the local Cloudflare's sink has them, under the script and dataset; a
// second up and a refresh change nothing.
func TestAnalyticsEngineBinding(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := t.TempDir()
	entry := filepath.Join(dir, "index.ts")
	writeFile(t, entry, `interface Env { EVENTS: { writeDataPoint(point: { blobs?: string[]; doubles?: number[]; indexes?: string[] }): void } }
export default {
  fetch(req: Request, env: Env) {
    const path = new URL(req.url).pathname;
    env.EVENTS.writeDataPoint({ blobs: [path], doubles: [path.length], indexes: ["visitor"] });
    return new Response("counted " + path);
  },
};
`)
	s := inlineStack(t, ctx, c, "ae", "dev", lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "ae"} },
		Run: func(ctx *lumier.Context) error {
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, Bindings: lumier.Bindings{"EVENTS": lumier.AnalyticsEngine("page_views")}})
			ctx.Export("url", api.URL())
			return nil
		},
	}.RunFunc())
	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	for _, path := range []string{"/home", "/pricing"} {
		if status, body, _ := call(t, http.MethodGet, url+path, ""); status != http.StatusOK || body != "counted "+path {
			t.Fatalf("GET %s: %d %q, want 200 \"counted %s\"", path, status, body, path)
		}
	}

	type point struct {
		Script, Dataset, Index1 string
		Blobs                   []string
		Doubles                 []float64
	}
	var points []point
	deadline := time.Now().Add(30 * time.Second) // the write outlives the request: wait for it, not a bound on it
	for len(points) < 2 && time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+c.Addr()+"/__lumier/analytics/page_views", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := httpClient.Do(req)
		if err != nil {
			t.Fatalf("reading the sink: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		var env struct{ Result []point }
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &env) != nil {
			t.Fatalf("reading the sink: %d %s", resp.StatusCode, body)
		}
		points = env.Result
		time.Sleep(100 * time.Millisecond)
	}
	if len(points) != 2 {
		t.Fatalf("the sink has %d data points, want 2: %+v", len(points), points)
	}
	seen := map[string]bool{}
	for _, p := range points {
		if p.Script != "ae-dev-api" || p.Dataset != "page_views" || p.Index1 != "visitor" || len(p.Blobs) != 1 ||
			len(p.Doubles) != 20 || p.Doubles[0] != float64(len(p.Blobs[0])) {
			t.Fatalf("data point %+v, want script ae-dev-api, dataset page_views, index1 visitor, blob1 the path, double1 its length", p)
		}
		seen[p.Blobs[0]] = true
	}
	if !seen["/home"] || !seen["/pricing"] {
		t.Fatalf("data points %+v, want one for /home and one for /pricing", points)
	}
	requireNoop(t, ctx, c, s)
	requireNoDrift(t, ctx, c, s)
}
