//go:build e2e

package e2e

import (
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEmbed runs examples/embed, the Automation API embedding, as a user would against a local
// Cloudflare started separately: `embed up` prints the URL, the counter answers there,
// `embed destroy` removes everything.
func TestEmbed(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	bin := filepath.Join(t.TempDir(), "embed")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./examples/embed")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building examples/embed: %v\n%s", err, out)
	}
	counter := copyExample(t, "counter")
	state := t.TempDir()

	embed := func(command string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin,
			"-api-url", c.URL(), "-token", token, "-account", accountID,
			"-dir", counter, "-state", state, "-plugins", providerDir, "-passphrase", passphrase,
			command)
		cmd.WaitDelay = 10 * time.Second
		var stderr syncBuffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		t.Logf("embed %s: %s", command, strings.TrimSpace(stderr.String()))
		if err != nil {
			t.Fatalf("embed %s: %v\nstdout:\n%s", command, err, out)
		}
		return lastLine(string(out))
	}

	url := embed("up")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("embed up printed %q, want the counter's URL", url)
	}
	requireScripts(t, c, "my-app-dev-api")
	requireCall(t, http.MethodPost, url, "", 200, `{"count":1}`)
	requireCall(t, http.MethodPost, url, "", 200, `{"count":2}`)

	c.ResetCalls()
	if again := embed("up"); again != url {
		t.Fatalf("second embed up printed %q, want %q", again, url)
	}
	if mutating, _ := c.mutations(); mutating != 0 {
		t.Fatalf("second embed up made %d mutating API calls: %v", mutating, c.Calls())
	}

	embed("destroy")
	requireScripts(t, c)
}
