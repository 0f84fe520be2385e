//go:build e2e

package e2e

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// TestVersionMetadataBinding deploys a Worker with a version_metadata binding (the Go helper's
// lumier.VersionMetadata) on the real engine: the Worker answers env.VERSION, whose id is the
// version the deployment runs, as the API reports it; a second up and a refresh change nothing.
func TestVersionMetadataBinding(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := t.TempDir()
	entry := filepath.Join(dir, "index.ts")
	writeFile(t, entry, "export default {\n  fetch(_req: Request, env: { VERSION: unknown }) {\n    return Response.json(env.VERSION);\n  },\n};\n")
	s := inlineStack(t, ctx, c, "ver", "dev", lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "ver"} },
		Run: func(ctx *lumier.Context) error {
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, Bindings: lumier.Bindings{"VERSION": lumier.VersionMetadata()}})
			ctx.Export("url", api.URL())
			return nil
		},
	}.RunFunc())
	res := up(t, ctx, s)

	var deployments struct {
		Result struct {
			Deployments []struct {
				Versions []struct {
					VersionID string `json:"version_id"`
				} `json:"versions"`
			} `json:"deployments"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(apiGet(t, c, "/workers/scripts/ver-dev-api/deployments")), &deployments); err != nil ||
		len(deployments.Result.Deployments) == 0 || len(deployments.Result.Deployments[0].Versions) == 0 {
		t.Fatalf("reading the deployments: %v %+v", err, deployments)
	}
	version := deployments.Result.Deployments[0].Versions[0].VersionID

	status, body, _ := call(t, http.MethodGet, output(t, res.Outputs, "url"), "")
	var meta struct{ ID, Tag, Timestamp string }
	if err := json.Unmarshal([]byte(body), &meta); status != 200 || err != nil {
		t.Fatalf("the Worker answered %d %s (%v), want env.VERSION as JSON", status, body, err)
	}
	if meta.ID != version || meta.Timestamp == "" {
		t.Fatalf("env.VERSION is %s, want the deployed version %s with its timestamp", body, version)
	}
	t.Logf("env.VERSION = %s", body)
	requireNoop(t, ctx, c, s)
	requireNoDrift(t, ctx, c, s)
}
