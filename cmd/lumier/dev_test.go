package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestSourcePathsFindsEntriesAssetsAndMigrationsAtAnyDepth(t *testing.T) {
	var inputs map[string]any
	err := json.Unmarshal([]byte(`{
		"entry": "src/index.ts",
		"assets": {"directory": "public", "notFoundHandling": "none"},
		"workers": [{"name": "api", "entry": "../api/index.ts"}],
		"databases": [{"name": "db", "migrationsDir": "migrations"}],
		"scriptName": "app-dev-api"
	}`), &inputs)
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	sourcePaths(inputs, func(key, path string) { found = append(found, key+"="+path) })
	slices.Sort(found)
	want := []string{"directory=public", "entry=../api/index.ts", "entry=src/index.ts", "migrationsDir=migrations"}
	if !slices.Equal(found, want) {
		t.Fatalf("source paths = %v, want %v", found, want)
	}
}

func TestDevOutsideAProjectSaysWhereToRunIt(t *testing.T) {
	var stdout, stderr bytes.Buffer
	dir := t.TempDir()
	if code := run(t.Context(), []string{"dev", "-dir", dir}, &stdout, &stderr); code != 2 {
		t.Fatalf("exit code %d, want 2 (misuse); stderr: %s", code, stderr.String())
	}
	if want := dir + " has no Pulumi.yaml: run lumier dev in a Pulumi project, or pass -dir"; !strings.Contains(stderr.String(), want) {
		t.Fatalf("stderr %q does not say %q", stderr.String(), want)
	}
}

func TestUsageListsDev(t *testing.T) {
	var stdout bytes.Buffer
	run(t.Context(), []string{"help"}, &stdout, &stdout)
	if !strings.Contains(stdout.String(), "  dev ") {
		t.Fatalf("usage does not list dev:\n%s", stdout.String())
	}
}

func TestSourceFilesWatchesTheEntryDirectoryButInstalledPackagesAndState(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"index.ts", "lib/counter.ts", "node_modules/dep/index.js", ".lumier/state/stack.json", "lib/.cache/x"} {
		path := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, f := range sourceFiles(dir) {
		rel, _ := filepath.Rel(dir, f)
		got = append(got, filepath.ToSlash(rel))
	}
	if want := []string{"index.ts", "lib/counter.ts"}; !slices.Equal(got, want) {
		t.Fatalf("watched %q, want %q", got, want)
	}
}

// Without an account and a token no tail can be started.
func TestTailClientNeedsAccountAndToken(t *testing.T) {
	t.Setenv("CLOUDFLARE_API_TOKEN", "")
	t.Setenv("CLOUDFLARE_ACCOUNT_ID", "")
	if tailClient(map[string]string{"CLOUDFLARE_API_TOKEN": "t"}) != nil {
		t.Fatal("a client without an account")
	}
	if tailClient(map[string]string{"CLOUDFLARE_API_TOKEN": "t", "CLOUDFLARE_ACCOUNT_ID": "0123456789abcdef0123456789abcdef"}) == nil {
		t.Fatal("no client with both")
	}
}

// A bundle's modules are watched with the files beside them, wherever they are relative to the
// entry; installed packages and esbuild's virtual modules are not.
func TestModuleFilesWatchesEveryModulesDirectoryButInstalledPackages(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"app/src/index.ts", "common/util.ts", "common/new.ts", "common/.swp", "common/deep/x.ts", "node_modules/dep/index.js", "node_modules/dep/other.js"} {
		path := filepath.Join(root, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	project := filepath.Join(root, "app")
	sources := []string{"src/index.ts", "../common/util.ts", "../node_modules/dep/index.js", "<define:process.env.X>"}
	var got []string
	for _, f := range moduleFiles(project, sources) {
		rel, _ := filepath.Rel(root, f)
		got = append(got, filepath.ToSlash(rel))
	}
	slices.Sort(got)
	got = slices.Compact(got)
	if want := []string{"app/src/index.ts", "common/new.ts", "common/util.ts"}; !slices.Equal(got, want) {
		t.Fatalf("watched %q, want %q", got, want)
	}
}
