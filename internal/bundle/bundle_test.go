package bundle

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeProject lays out a small Worker project (package.json at its root) in a fresh temp dir
// and returns the absolute path of src/index.ts.
func writeProject(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["package.json"]; !ok {
		files["package.json"] = `{"name":"w","private":true,"type":"module"}`
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return filepath.Join(dir, "src", "index.ts")
}

const doWorker = `import { DurableObject } from "cloudflare:workers";
import { greet } from "./greet";

export class Counter extends DurableObject {
  async hello(): Promise<string> { return greet("do"); }
}

export default {
  async fetch(request: Request): Promise<Response> { return new Response(greet("fetch")); },
};
`

const greetModule = `export function greet(who: string): string { return "hello " + who; }
`

func doProject() map[string]string {
	return map[string]string{"src/index.ts": doWorker, "src/greet.ts": greetModule}
}

func TestBundleLocalImportAndExternalRuntime(t *testing.T) {
	res, err := Bundle(Options{Entry: writeProject(t, doProject())})
	require.NoError(t, err)

	code := string(res.Code)
	assert.Equal(t, []string{"Counter", "default"}, res.Exports, "exports")
	assert.Contains(t, code, `from "cloudflare:workers"`, "cloudflare:workers must stay an import")
	assert.Contains(t, code, `"hello " + who`, "the local module must be inlined")
	assert.NotContains(t, code, "./greet", "no import of the local module may remain")
	assert.NotContains(t, code, ": Promise<", "TypeScript types must be stripped")
	assert.Contains(t, code, `__name(this, "Counter")`, "keepNames preserves class names")
	assert.Contains(t, code, "// src/index.ts", "paths are relative to the package.json directory")
	assert.Contains(t, code, "// src/greet.ts", "paths are relative to the package.json directory")
	assert.Equal(t, 64, len(res.Hash), "sha256 hex length")
}

func TestBundleIsDeterministicAcrossDirectories(t *testing.T) {
	for _, sourcemap := range []bool{false, true} {
		a := writeProject(t, doProject())
		b := writeProject(t, doProject())
		ra, err := Bundle(Options{Entry: a, Sourcemap: sourcemap})
		require.NoError(t, err)
		again, err := Bundle(Options{Entry: a, Sourcemap: sourcemap})
		require.NoError(t, err)
		rb, err := Bundle(Options{Entry: b, Sourcemap: sourcemap})
		require.NoError(t, err)

		assert.Equal(t, ra.Hash, again.Hash, "same input, same hash")
		assert.Equal(t, ra.Hash, rb.Hash, "the same project in another directory, same hash")
		assert.NotContains(t, string(ra.Code), filepath.Dir(filepath.Dir(a)), "no absolute path in the bundle")
	}
}

func TestBundleThroughSymlinkMatches(t *testing.T) {
	entry := writeProject(t, doProject())
	link := filepath.Join(t.TempDir(), "link")
	require.NoError(t, os.Symlink(filepath.Dir(filepath.Dir(entry)), link))

	direct, err := Bundle(Options{Entry: entry, Sourcemap: true})
	require.NoError(t, err)
	via, err := Bundle(Options{Entry: filepath.Join(link, "src", "index.ts"), Sourcemap: true})
	require.NoError(t, err)
	assert.Equal(t, direct.Hash, via.Hash, "a symlinked checkout bundles identically")
}

func TestBundleSourcemapIsInline(t *testing.T) {
	res, err := Bundle(Options{Entry: writeProject(t, doProject()), Sourcemap: true})
	require.NoError(t, err)
	const prefix = "//# sourceMappingURL=data:application/json;base64,"
	code := string(res.Code)
	i := strings.LastIndex(code, prefix)
	if i < 0 {
		t.Fatalf("no inline source map in:\n%s", code)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(code[i+len(prefix):]))
	require.NoError(t, err)
	var sm struct {
		Sources []string `json:"sources"`
	}
	require.NoError(t, json.Unmarshal(raw, &sm))
	assert.Equal(t, []string{"src/index.ts", "src/greet.ts"}, sm.Sources, "sources are project-relative")
}

func TestBundleSyntaxErrorReportsFileLineColumn(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "export default {\n  fetch() {\n    let x y = 1;\n  },\n};\n",
	})
	_, err := Bundle(Options{Entry: entry})
	require.ErrorContains(t, err, "bundling "+entry+": ")
	require.ErrorContains(t, err, `src/index.ts:3:11: ERROR: Expected ";" but found "y"`)

	var berr *Error
	if !errors.As(err, &berr) {
		t.Fatalf("want *bundle.Error, got %T", err)
	}
	assert.Equal(t, 1, len(berr.Messages), "one esbuild error")
}

func TestBundleListsEveryError(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "import a from \"./missing-one\";\nimport b from \"./missing-two\";\nexport default { a, b };\n",
	})
	_, err := Bundle(Options{Entry: entry})
	require.ErrorContains(t, err, "2 errors")
	require.ErrorContains(t, err, `src/index.ts:1:15: ERROR: Could not resolve "./missing-one"`)
	require.ErrorContains(t, err, `src/index.ts:2:15: ERROR: Could not resolve "./missing-two"`)
}

func TestBundleMissingEntry(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "src", "nope.ts")
	_, err := Bundle(Options{Entry: missing})
	require.ErrorContains(t, err, "entry file does not exist")
	require.ErrorContains(t, err, "tried "+missing)
}

func TestBundleRejectsRelativeEntry(t *testing.T) {
	_, err := Bundle(Options{Entry: "src/index.ts"})
	require.ErrorContains(t, err, "absolute")
}

func TestBundleDefine(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "declare const STAGE: string;\nexport default { fetch() { return new Response(STAGE); } };\n",
	})
	res, err := Bundle(Options{Entry: entry, Define: map[string]string{"STAGE": `"production"`}})
	require.NoError(t, err)
	assert.Contains(t, string(res.Code), `new Response("production")`, "define substitutes")
	assert.NotContains(t, string(res.Code), "STAGE", "define substitutes")
}

func TestBundleExternalOption(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "import { x } from \"some-pkg\";\nimport { Buffer } from \"node:buffer\";\nexport default { fetch() { return new Response(x + Buffer.from(\"a\")); } };\n",
	})
	_, err := Bundle(Options{Entry: entry})
	require.ErrorContains(t, err, `Could not resolve "some-pkg"`)

	res, err := Bundle(Options{Entry: entry, External: []string{"some-pkg"}})
	require.NoError(t, err)
	assert.Contains(t, string(res.Code), `from "some-pkg"`, "External keeps the import")
	assert.Contains(t, string(res.Code), `from "node:buffer"`, "node:* is always external")
}

func TestBundleMinifyKeepsNamesAndExports(t *testing.T) {
	entry := writeProject(t, doProject())
	plain, err := Bundle(Options{Entry: entry})
	require.NoError(t, err)
	min, err := Bundle(Options{Entry: entry, Minify: true})
	require.NoError(t, err)
	if len(min.Code) >= len(plain.Code) {
		t.Errorf("minified %d bytes, plain %d", len(min.Code), len(plain.Code))
	}
	assert.Equal(t, []string{"Counter", "default"}, min.Exports, "exports survive minification")
	assert.Contains(t, string(min.Code), `"Counter"`, "the class keeps its name")
	if plain.Hash == min.Hash {
		t.Error("minified and plain bundles share a hash")
	}
}

func TestBundleEntryNamedLikeTheOutput(t *testing.T) {
	// <root>/index.js is both the entry and esbuild's (never written) outfile.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.js"), []byte("export default { fetch() { return new Response('ok'); } };\n"), 0o644))
	res, err := Bundle(Options{Entry: filepath.Join(dir, "index.js")})
	require.NoError(t, err)
	assert.Equal(t, []string{"default"}, res.Exports, "exports")
}

func TestCounterFixture(t *testing.T) {
	res, err := Bundle(Options{Entry: counterEntry(t)})
	require.NoError(t, err)
	assert.Equal(t, []string{"Counter", "default"}, res.Exports, "exports")
}

func counterEntry(t testing.TB) string {
	t.Helper()
	// The counter, as the example ships it.
	entry, err := filepath.Abs(filepath.Join("..", "..", "examples", "counter", "src", "index.ts"))
	require.NoError(t, err)
	return entry
}

// BenchmarkBundleCounter bundles the counter Worker, the provider's per-Check cost.
func BenchmarkBundleCounter(b *testing.B) {
	entry := counterEntry(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Bundle(Options{Entry: entry}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestBundleSizeAndLargestInputs(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"src/index.ts": "import { big } from \"./big\";\nexport default { fetch() { return new Response(big); } };\n",
		"src/big.ts":   "export const big = \"" + strings.Repeat("lumier ", 20000) + "\";\n",
	})
	b, err := Bundle(Options{Entry: entry})
	require.NoError(t, err)
	require.NotEmpty(t, b.Inputs)
	assert.Equal(t, "src/big.ts", b.Inputs[0].Path, "largest input first")
	assert.Greater(t, b.Inputs[0].Bytes, 140000)
	assert.Less(t, b.GzipSize, len(b.Code)/10, "repetitive code compresses well")
	assert.Greater(t, b.GzipSize, 0)
}

func TestBundleMessagesRelativeToMessageDir(t *testing.T) {
	entry := writeProject(t, map[string]string{
		"infra/Pulumi.yaml": "name: x\n",
		"src/index.ts":      "export default {\n  fetch() {\n    let x y = 1;\n  },\n};\n",
	})
	infra := filepath.Join(filepath.Dir(filepath.Dir(entry)), "infra")
	_, err := Bundle(Options{Entry: entry, MessageDir: infra})
	require.ErrorContains(t, err, `../src/index.ts:3:11: ERROR: Expected ";" but found "y"`,
		"the path the user wrote, relative to the Pulumi project")
}

// SourceMapOut returns a map of the code as uploaded: the code is the same bytes as without it,
// and the map's sources are named relative to MessageDir, like Inputs.
func TestBundleSourceMapOut(t *testing.T) {
	entry := writeProject(t, doProject())
	plain, err := Bundle(Options{Entry: entry})
	require.NoError(t, err)
	dir := filepath.Dir(filepath.Dir(entry))
	res, err := Bundle(Options{Entry: entry, SourceMapOut: true, MessageDir: filepath.Join(dir, "src")})
	require.NoError(t, err)
	assert.Equal(t, plain.Hash, res.Hash, "the code is what is uploaded without a map")
	assert.Nil(t, plain.SourceMap)
	var sm struct {
		Version int      `json:"version"`
		Sources []string `json:"sources"`
	}
	require.NoError(t, json.Unmarshal(res.SourceMap, &sm))
	assert.Equal(t, 3, sm.Version)
	assert.Equal(t, []string{"index.ts", "greet.ts"}, sm.Sources)
}
