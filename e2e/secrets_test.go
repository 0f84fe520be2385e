//go:build e2e

package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// TestSecretsStayEncrypted deploys a Worker with a secret binding: the Worker reads the value,
// while the stack's state and config hold neither it nor the API token in plain text.
func TestSecretsStayEncrypted(t *testing.T) {
	const secret = "s3cret-binding-value-7f3a"
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", `export default {
  async fetch(request: Request, env: any): Promise<Response> {
    return Response.json({ length: env.API_KEY.length, greeting: env.GREETING });
  },
};
`)
	s := inlineStack(t, ctx, c, "life", "dev", app(lumier.RemovalRemove, func(ctx *lumier.Context) error {
		api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, Bindings: lumier.Bindings{
			"API_KEY":  lumier.Secret(pulumi.String(secret)),
			"GREETING": "hello",
		}})
		ctx.Export("url", api.URL())
		return nil
	}))
	url := output(t, up(t, ctx, s).Outputs, "url")
	requireCall(t, http.MethodGet, url, "", 200, `{"length":25,"greeting":"hello"}`)

	// The state as the file backend stores it (the Automation API's Export decrypts secrets).
	backend := strings.TrimPrefix(s.Workspace().GetEnvVars()["PULUMI_BACKEND_URL"], "file://")
	var stored strings.Builder
	err := filepath.WalkDir(backend, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		data, err := os.ReadFile(path)
		stored.Write(data)
		return err
	})
	if err != nil || stored.Len() == 0 {
		t.Fatalf("reading the stack's state under %s: %v", backend, err)
	}
	raw := stored.String()
	for name, plain := range map[string]string{"the secret binding": secret, "the API token": token} {
		if strings.Contains(raw, plain) {
			t.Fatalf("the stack's state holds %s in plain text", name)
		}
	}
	if !strings.Contains(raw, "4dabf18193072939515e22adb298388d") { // the engine's secret signature
		t.Fatal("the state has no secret values at all; the secret binding was not recorded as a secret")
	}
	config, err := os.ReadFile(filepath.Join(s.Workspace().WorkDir(), "Pulumi.dev.yaml"))
	if err != nil {
		t.Fatalf("reading the stack config: %v", err)
	}
	if strings.Contains(string(config), token) {
		t.Fatal("the stack config holds the API token in plain text")
	}
	settings := scriptSettings(t, c, "life-dev-api")
	if strings.Contains(settings, secret) {
		t.Fatal("the API returned the secret binding's value")
	}
}
