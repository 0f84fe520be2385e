//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// toolsDir is the directory holding the test-only language hosts (e2e/nodehost built as
// pulumi-language-nodejs, e2e/gohost built as pulumi-language-go) and the lumier CLI, built once
// by buildTools: put first on PATH, it gives the engine the hosts of `runtime: nodejs` and
// `runtime: go` projects.
var (
	toolsOnce sync.Once
	toolsDir  string
	toolsErr  error
)

// buildTools builds the language hosts and cmd/lumier into toolsDir.
func buildTools(t testing.TB) string {
	t.Helper()
	toolsOnce.Do(func() {
		toolsDir = filepath.Join(harnessDir, "tools")
		for _, b := range [][2]string{{"pulumi-language-nodejs", "./e2e/nodehost"}, {"pulumi-language-go", "./e2e/gohost"}, {"lumier", "./cmd/lumier"}} {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(toolsDir, b[0]), b[1])
			cmd.Dir = repoRoot
			out, err := cmd.CombinedOutput()
			cancel()
			if err != nil {
				toolsErr = fmt.Errorf("building %s: %w\n%s", b[1], err, out)
				return
			}
		}
	})
	if toolsErr != nil {
		t.Fatal(toolsErr)
	}
	return toolsDir
}

// NodeProject is a Node.js Pulumi project folder (Pulumi.yaml with `runtime: nodejs`, its
// node_modules in place) run by the pulumi CLI in that folder, as a user runs it: the engine starts
// pulumi-language-nodejs (the test-only host, first on PATH), which starts @pulumi/pulumi's program
// runner on the project's `main`. Its stack lives in a file backend of its own, on cloud c.
type NodeProject struct {
	Dir, Stack string
	env        map[string]string
}

// newNodeProject selects (creating it) stack in the project folder dir, against c.
func newNodeProject(t testing.TB, ctx context.Context, c *cloud, dir, stack string) NodeProject {
	t.Helper()
	bin := buildTools(t)
	env := c.env(t.TempDir())
	env["PATH"] = bin + string(os.PathListSeparator) + os.Getenv("PATH")
	p := NodeProject{Dir: dir, Stack: stack, env: env}
	p.Pulumi(t, ctx, "stack", "select", "--create", stack)
	return p
}

// Pulumi runs `pulumi <args>` in the project folder and returns its output; a failure fails t.
func (p NodeProject) Pulumi(t testing.TB, ctx context.Context, args ...string) string {
	t.Helper()
	out, err := runPulumi(t, ctx, p.Dir, p.env, args...)
	if err != nil {
		t.Fatalf("pulumi %s in %s: %v\n%s", strings.Join(args, " "), p.Dir, err, out)
	}
	return out
}

// Up runs `pulumi up` and returns the stack outputs (`pulumi stack output --json`).
func (p NodeProject) Up(t testing.TB, ctx context.Context) map[string]json.RawMessage {
	t.Helper()
	p.Pulumi(t, ctx, "up", "--yes", "--skip-preview")
	return p.Outputs(t, ctx)
}

// Outputs reads the stack outputs.
func (p NodeProject) Outputs(t testing.TB, ctx context.Context) map[string]json.RawMessage {
	t.Helper()
	out := p.Pulumi(t, ctx, "stack", "output", "--json")
	outputs := map[string]json.RawMessage{}
	if err := json.Unmarshal([]byte(out), &outputs); err != nil {
		t.Fatalf("pulumi stack output --json printed %q: %v", out, err)
	}
	return outputs
}

// Lumier runs the lumier CLI in the project folder; a failure fails t.
func (p NodeProject) Lumier(t testing.TB, ctx context.Context, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, filepath.Join(buildTools(t), "lumier"), args...)
	cmd.Dir = p.Dir
	// lumier types plans with the provider plugin under test, found on PATH.
	cmd.Env = append(os.Environ(), "PATH="+providerDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("lumier %s in %s: %v\n%s", strings.Join(args, " "), p.Dir, err, out)
	}
	return string(out)
}
