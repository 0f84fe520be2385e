//go:build e2e

package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	appstack "github.com/lumier-dev/lumier/examples/app/stack"
	counter "github.com/lumier-dev/lumier/examples/counter/stack"
)

// recordedVersion is the provider release whose stacks testdata/upgrade/<version>/ holds: each
// file is `pulumi stack export` after `up` of an example with that provider and its SDK, the local
// Cloudflare's URL replaced by {{cloud}} and the example's directory (Worker entries are recorded
// as absolute paths) by {{dir}}.
const recordedVersion = "v0.1.0"

// TestUpgradeFromRecordedState is the recorded-state upgrade test: each example's stack, as the
// previous release left it, is imported into a fresh backend and previewed by this provider and
// SDK with the example's program unchanged. The preview must plan nothing: an upgrade alone must
// not update, replace or delete anything a user deployed.
func TestUpgradeFromRecordedState(t *testing.T) {
	t.Run("YAML", func(t *testing.T) {
		ctx := testContext(t, 10*time.Minute)
		c := startCloud(t)
		pulumi := yamlExample(t, ctx, c, "yaml", "counter/src")
		pulumi(t, "stack", "init", "dev")
		file := filepath.Join(t.TempDir(), "state.json")
		if err := os.WriteFile(file, recordedState(t, c, "yaml", ""), 0o644); err != nil {
			t.Fatal(err)
		}
		pulumi(t, "stack", "import", "--file", file)
		// --expect-no-changes makes the engine fail the preview if anything would change.
		out := pulumi(t, "preview", "--expect-no-changes", "--diff")
		t.Logf("preview:\n%s", out)
	})
	t.Run("Counter", func(t *testing.T) { previewRecordedGo(t, "counter", counter.Config.RunFunc()) })
	t.Run("App", func(t *testing.T) { previewRecordedGo(t, "app", appstack.Config.RunFunc()) })
}

// previewRecordedGo imports the recorded stack of the Go example name and previews it with the
// example's program: nothing may change.
func previewRecordedGo(t *testing.T, name string, program pulumi.RunFunc) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, name)
	t.Chdir(dir)
	s := inlineStack(t, ctx, c, name, "dev", program)
	var deployment apitype.UntypedDeployment
	if err := json.Unmarshal(recordedState(t, c, name, dir), &deployment); err != nil {
		t.Fatalf("recorded state: %v", err)
	}
	if err := s.Import(ctx, deployment); err != nil {
		t.Fatalf("importing the recorded state: %v", err)
	}
	w := progress(t, "preview")
	prev, err := s.Preview(ctx, optpreview.Diff(), optpreview.ProgressStreams(w), optpreview.ErrorProgressStreams(w))
	if err != nil {
		t.Fatalf("preview: %v", err)
	}
	previewed := map[string]int{}
	for op, n := range prev.ChangeSummary {
		previewed[string(op)] = n
	}
	if changed := changedOps(previewed); len(changed) > 0 {
		t.Fatalf("the recorded %s stack of %s previews changes: %v\n%s", name, recordedVersion, prev.ChangeSummary, prev.StdOut)
	}
	if previewed[string(apitype.OpSame)] == 0 {
		t.Fatalf("the preview saw no resource of the recorded stack: %v", prev.ChangeSummary)
	}
	t.Logf("preview of the recorded %s stack: %v", name, prev.ChangeSummary)
}

// recordedState is the recorded export of example, pointed at c and at the example's copy in dir.
func recordedState(t *testing.T, c *cloud, example, dir string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, "e2e", "testdata", "upgrade", recordedVersion, example+".json"))
	if err != nil {
		t.Fatalf("recorded state: %v", err)
	}
	return []byte(strings.NewReplacer("{{cloud}}", c.URL(), "{{dir}}", dir).Replace(string(data)))
}
