//go:build e2e

package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/blackhole"
)

// TestUpAgainstSilentAPIFailsWithinTimeout: `pulumi up` against an API URL that accepts
// connections and never answers fails after lumier:requestTimeout with a message naming the
// URL and the settings to change, instead of hanging.
func TestUpAgainstSilentAPIFailsWithinTimeout(t *testing.T) {
	ctx := testContext(t, 5*time.Minute)
	hole := blackhole.Start(t)
	apiURL := "http://" + hole.Addr() + "/client/v4"
	dir := filepath.Join(t.TempDir(), "silent")
	copyDir(t, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(dir, "src"))
	project := `name: silent
runtime: yaml
plugins:
  providers:
    - name: lumier
      path: ` + providerDir + `
resources:
  api:
    type: lumier:index:Script
    properties:
      scriptName: silent-dev-api
      entry: src/index.ts
`
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(project), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PULUMI_BACKEND_URL":       "file://" + t.TempDir(),
		"PULUMI_CONFIG_PASSPHRASE": passphrase,
		"CLOUDFLARE_API_TOKEN":     token,
		"CLOUDFLARE_ACCOUNT_ID":    accountID,
	}
	pulumi := func(args ...string) (string, error) { return runPulumi(t, ctx, dir, env, args...) }
	for _, args := range [][]string{
		{"stack", "init", "dev"},
		{"config", "set", "lumier:apiUrl", apiURL},
		{"config", "set", "lumier:requestTimeout", "5s"},
	} {
		if out, err := pulumi(args...); err != nil {
			t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	start := time.Now()
	out, err := pulumi("up", "--yes")
	elapsed := time.Since(start)
	if err == nil {
		t.Fatalf("up against a silent API succeeded:\n%s", out)
	}
	want := "no answer from the Cloudflare API at " + apiURL + " within 5s: check lumier:apiUrl (or " +
		"CLOUDFLARE_BASE_URL), or allow more time with lumier:requestTimeout"
	if !strings.Contains(strings.Join(strings.Fields(out), " "), want) {
		t.Fatalf("up output does not say %q:\n%s", want, out)
	}
	// The preview's first call (the workers.dev subdomain read) waits out its timeout and the up
	// fails there: no further call, each of which would open a connection of its own. (A hang
	// would run into the test's context.)
	if elapsed < 5*time.Second {
		t.Fatalf("up failed after %s, before the 5s timeout", elapsed)
	}
	if n := hole.Connections(t); n != 1 {
		t.Fatalf("up opened %d connections to the silent API; want the one call whose timeout fails it", n)
	}
	t.Logf("up failed after %s: %s", elapsed.Round(time.Millisecond), want)
}
