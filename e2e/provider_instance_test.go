//go:build e2e

package e2e

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/apitype"

	"github.com/lumier-dev/lumier/examples/counter/stack"
)

// The resources an App registers (its Workers' Scripts, its data guard) use the provider
// instance that constructs the App, so an update starts the provider plugin once, whatever the
// program's language asked for: a YAML program's resources name no version, the Go SDK's a
// version and a download URL, and the App's children used to ask for the provider's own
// version, a second default provider (another plugin process, configured and started in every
// update). The state shows it: one lumier provider, named by every lumier resource.
func TestOneProviderPerStack(t *testing.T) {
	t.Run("YAML", func(t *testing.T) {
		ctx := testContext(t, 10*time.Minute)
		c := startCloud(t)
		dir := devProject(t)
		env := c.env(t.TempDir())
		for _, args := range [][]string{{"stack", "init", "one"}, {"up", "--yes", "--skip-preview"}} {
			if out, err := runPulumi(t, ctx, dir, env, args...); err != nil {
				t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
			}
		}
		out, err := runPulumi(t, ctx, dir, env, "stack", "export")
		if err != nil {
			t.Fatalf("pulumi stack export: %v\n%s", err, out)
		}
		var dep apitype.UntypedDeployment
		if err := json.Unmarshal([]byte(out), &dep); err != nil {
			t.Fatalf("decoding the export: %v\n%s", err, out)
		}
		requireOneProvider(t, dep.Deployment)
		if out, err := runPulumi(t, ctx, dir, env, "destroy", "--yes", "--skip-preview"); err != nil {
			t.Fatalf("pulumi destroy: %v\n%s", err, out)
		}
	})
	t.Run("Go", func(t *testing.T) {
		ctx := testContext(t, 10*time.Minute)
		c := startCloud(t)
		t.Chdir(copyExample(t, "counter"))
		s := inlineStack(t, ctx, c, "counter", "one", stack.Config.RunFunc())
		up(t, ctx, s)
		exported, err := s.Export(ctx)
		if err != nil {
			t.Fatalf("exporting the stack: %v", err)
		}
		requireOneProvider(t, exported.Deployment)
		destroy(t, ctx, s)
	})
}

// requireOneProvider requires a deployment to hold one lumier provider, named by every custom
// lumier resource.
func requireOneProvider(t *testing.T, deployment json.RawMessage) {
	t.Helper()
	var dep apitype.DeploymentV3
	if err := json.Unmarshal(deployment, &dep); err != nil {
		t.Fatalf("decoding the deployment: %v", err)
	}
	var providers, used []string
	for _, r := range dep.Resources {
		switch {
		case r.Type == "pulumi:providers:lumier":
			providers = append(providers, string(r.URN)+"::"+string(r.ID))
		case r.Custom && strings.HasPrefix(string(r.Type), "lumier:"):
			if !slices.Contains(used, r.Provider) {
				used = append(used, r.Provider)
			}
		}
	}
	if len(providers) != 1 || len(used) != 1 || used[0] != providers[0] {
		t.Fatalf("the stack holds lumier providers %q and its resources use %q: want one provider, used by all", providers, used)
	}
}
