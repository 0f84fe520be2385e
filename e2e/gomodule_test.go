//go:build e2e

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestGoModuleOutsideTheRepo builds the counter program as a user would: in a module of its own
// that requires the Go SDK (replaced by this checkout's sdk/), and checks that the program pulls in
// neither esbuild nor the Pulumi engine packages, which only the provider needs.
func TestGoModuleOutsideTheRepo(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dir := t.TempDir()
	writeCounterModule(t, dir)

	run := func(args ...string) string {
		t.Helper()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	run("build", "-o", filepath.Join(dir, "counter"), ".")
	deps := run("list", "-deps", ".")
	if !strings.Contains(deps, "github.com/lumier-dev/lumier/sdk/go/lumier") {
		t.Fatalf("the program does not use the SDK:\n%s", deps)
	}
	for _, banned := range []string{"github.com/evanw/esbuild", "github.com/pulumi/pulumi/pkg/v3", "github.com/lumier-dev/lumier/provider"} {
		if strings.Contains(deps, banned) {
			t.Errorf("the program depends on %s", banned)
		}
	}
	t.Logf("the counter program depends on %d packages", strings.Count(deps, "\n"))
}

// writeCounterModule writes the counter's Go program (examples/counter's main.go and stack
// package) into dir as a module of its own, example.com/counter, that requires the Go SDK
// replaced by this checkout's sdk/. Its go.mod lists the SDK only: build it with GOFLAGS=-mod=mod.
func writeCounterModule(t *testing.T, dir string) {
	t.Helper()
	gomod := "module example.com/counter\n\ngo 1.26\n\nrequire github.com/lumier-dev/lumier/sdk v0.0.0\n\n" +
		"replace github.com/lumier-dev/lumier/sdk => " + filepath.Join(repoRoot, "sdk") + "\n"
	write := func(name, content string) { writeInto(t, dir, name, content) }
	read := func(rel string) string { return repoFile(t, rel) }
	write("go.mod", gomod)
	write("go.sum", read("sdk/go.sum"))
	write("stack/stack.go", read("examples/counter/stack/stack.go"))
	write("main.go", strings.ReplaceAll(read("examples/counter/main.go"),
		"github.com/lumier-dev/lumier/examples/counter/stack", "example.com/counter/stack"))
}

// writeInto writes content to dir/name, making the folders it needs.
func writeInto(t *testing.T, dir, name, content string) {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, content)
}

// repoFile is the content of a file of the checkout, rel to its root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
