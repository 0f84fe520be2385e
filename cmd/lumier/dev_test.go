package main

import (
	"bytes"
	"encoding/json"
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
