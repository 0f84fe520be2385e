//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTypeScriptUp deploys examples/counter-ts the way a user does: lumier.config.ts, unchanged,
// is the `main` of a `runtime: nodejs` project, and a plain `pulumi up` in the project's folder
// runs it through @pulumi/pulumi's program runner, in a CommonJS project, in an ES module
// project ("type": "module"), and in an ES module project that Node.js runs by itself
// (stripTypes). In each, `lumier types -check` finds the committed Env declarations current, and
// the deployed counter answers 1, 2, then 2.
func TestTypeScriptUp(t *testing.T) {
	const esModule = `{"name": "counter-ts", "private": true, "type": "module"}`
	const esTSConfig = `{
  "compilerOptions": {
    "target": "es2022",
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "strict": true,
    "types": ["node"]
  },
  "files": ["lumier.config.ts"]
}
`
	for _, kind := range []struct {
		name, packageJSON, tsconfig string
		stripTypes                  bool
	}{
		{"CommonJS", `{"name": "counter-ts", "private": true}`, "", false},
		{"ESModule", esModule, esTSConfig, false},
		{"ESModuleNodeStripsTypes", esModule, esTSConfig, true},
	} {
		t.Run(kind.name, func(t *testing.T) {
			ctx := testContext(t, 10*time.Minute)
			c := startCloud(t)
			dir := nodeProjectDir(t, "counter-ts", kind.packageJSON)
			if kind.tsconfig != "" {
				writeFile(t, filepath.Join(dir, "tsconfig.json"), kind.tsconfig)
			}
			if kind.stripTypes {
				stripTypes(t, dir)
				// A type annotation that only Node.js's type stripping removes at run time.
				editFile(t, filepath.Join(dir, "lumier.config.ts"), `entry: "src/index.ts",`, "entry,")
				editFile(t, filepath.Join(dir, "lumier.config.ts"), "export default $config(",
					"const entry: string = \"src/index.ts\";\n\nexport default $config(")
			}
			p := newNodeProject(t, ctx, c, dir, "dev")
			if kind.stripTypes {
				p.env["PATH"] = nodeStrippingTypes(t, ctx) + string(os.PathListSeparator) + p.env["PATH"]
			}

			p.Lumier(t, ctx, "types", "-check")

			outputs := p.Up(t, ctx)
			var workers map[string]struct{ ScriptName, URL string }
			if err := json.Unmarshal(outputs["workers"], &workers); err != nil || workers["api"].URL == "" {
				t.Fatalf("pulumi up deployed no Worker: stack outputs %s, want workers.api.url", mustJSON(outputs))
			}
			requireScripts(t, c, "my-app-dev-api")
			url := workers["api"].URL
			for _, step := range []struct{ method, want string }{
				{http.MethodPost, `{"count":1}`}, {http.MethodPost, `{"count":2}`}, {http.MethodGet, `{"count":2}`},
			} {
				requireCall(t, step.method, url, "", 200, step.want) // logs the call and its answer
			}
		})
	}
}

// TestTypeScriptUpConfigNeverRun: a project whose main loads a $config but does not export it has
// nothing the runner calls; `pulumi up` must fail with the helper's message, not deploy nothing
// and succeed.
func TestTypeScriptUpConfigNeverRun(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := nodeProjectDir(t, "counter-ts", `{"name": "counter-ts", "private": true}`)
	writeFile(t, filepath.Join(dir, "index.ts"), "import \"./lumier.config\";\n")
	editFile(t, filepath.Join(dir, "Pulumi.yaml"), "main: lumier.config.ts", "main: index.ts")
	p := newNodeProject(t, ctx, c, dir, "dev")

	out, err := runPulumi(t, ctx, p.Dir, p.env, "up", "--yes", "--skip-preview")
	if err == nil {
		t.Fatalf("pulumi up succeeded with a $config nothing ran:\n%s", out)
	}
	const want = "lumier: the $config in lumier.config.ts was loaded but never run"
	if !strings.Contains(out, want) {
		t.Fatalf("pulumi up failed without saying why; want %q in:\n%s", want, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if strings.Contains(line, want) {
			t.Logf("pulumi up: %s", strings.TrimSpace(line))
			break
		}
	}
	requireScripts(t, c)
}

// stripTypes has Pulumi's Node.js runtime load the TypeScript project in dir (an ES module) as it
// is, without ts-node and the TypeScript compiler: Node.js 22.18 and later strip the types of a
// .ts file they import. The program may use only TypeScript that erases to JavaScript (no enums,
// namespaces or parameter properties).
func stripTypes(t testing.TB, dir string) {
	t.Helper()
	editFile(t, filepath.Join(dir, "Pulumi.yaml"), "typescript: true", "typescript: false")
}

// nodeStrippingTypes returns the directory of a node that strips TypeScript's types by itself
// (Node.js 22.18 or later, 23.6 or later): the one on PATH if it does, else the Node.js 22 that
// scripts/tools.sh links into the tools' bin directory (LUMIER_TOOLS_BIN) as node22.
func nodeStrippingTypes(t testing.TB, ctx context.Context) string {
	t.Helper()
	var tried []string
	candidates := []string{filepath.Join(toolsBin, "node22", "node")}
	if node, err := exec.LookPath("node"); err == nil {
		candidates = append([]string{node}, candidates...)
	}
	for _, node := range candidates {
		ok, version := stripsTypes(ctx, node)
		if ok {
			return filepath.Dir(node)
		}
		tried = append(tried, node+": "+version)
	}
	t.Fatalf("no Node.js that strips TypeScript's types (22.18 or later; scripts/tools.sh links one into %s as node22): %s",
		toolsBin, strings.Join(tried, "; "))
	return ""
}

// stripsTypes reports whether the node binary strips TypeScript's types by default, and its
// version (or why it has none).
func stripsTypes(ctx context.Context, node string) (bool, string) {
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return false, err.Error()
	}
	version := strings.TrimSpace(string(out))
	var major, minor int
	if _, err := fmt.Sscanf(version, "v%d.%d", &major, &minor); err != nil {
		return false, version
	}
	return major > 23 || major == 23 && minor >= 6 || major == 22 && minor >= 18, version
}

// nodeProjectDir copies examples/<example> into a project folder of its own with the given
// package.json, the checkout's node_modules, and the provider under test as its plugin.
func nodeProjectDir(t testing.TB, example, packageJSON string) string {
	t.Helper()
	dir := copyExample(t, example)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(packageJSON+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(repoRoot, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		t.Fatal(err)
	}
	editFile(t, filepath.Join(dir, "Pulumi.yaml"), "path: ../../bin", "path: "+providerDir)
	return dir
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestTypeScriptUpTranspilesOnly: the TypeScript examples' tsconfig.json has `pulumi up` run the
// program without type checking it (ts-node's transpileOnly), which took most of a no-op
// update's time, while `tsc --noEmit` (the editor, make typecheck) still checks it. A type error
// that changes nothing at run time: tsc reports it, `pulumi up` deploys.
func TestTypeScriptUpTranspilesOnly(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := nodeProjectDir(t, "counter-ts", `{"name": "counter-ts", "private": true}`)
	editFile(t, filepath.Join(dir, "lumier.config.ts"), "export default $config(",
		"const notANumber: number = \"one\";\nexport default $config(")

	tsc := exec.CommandContext(ctx, filepath.Join(repoRoot, "node_modules", ".bin", "tsc"), "--noEmit", "-p", dir)
	out, err := tsc.CombinedOutput()
	const want = "error TS2322: Type 'string' is not assignable to type 'number'."
	if err == nil || !strings.Contains(string(out), want) {
		t.Fatalf("tsc --noEmit on the example with a type error: %v, want %q in:\n%s", err, want, out)
	}

	p := newNodeProject(t, ctx, c, dir, "dev")
	p.Up(t, ctx)
	requireScripts(t, c, "my-app-dev-api")
}
