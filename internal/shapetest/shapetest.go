// Package shapetest compares JSON answers with the Cloudflare response fixtures kept in
// testdata/cloudflare: each fixture is an answer in the shape Cloudflare's own sources give
// (published API schema, cloudflare-go's types, wrangler's types and tests), named in a sidecar
// <endpoint>.source.json. Tests of the client decode the fixtures; tests of the local Cloudflare
// compare its answers with them. Only tests import this package.
package shapetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"
)

// Source is a fixture's sidecar: where its shape comes from, and which fields an answer may omit.
type Source struct {
	// Sources name the repository, path and commit or version each fact was read from.
	Sources []struct {
		Repo string `json:"repo"`
		Path string `json:"path"`
		Ref  string `json:"ref"`
	} `json:"sources"`
	// Optional lists field paths (as Compare prints them, for example "result.items[].foo")
	// that Cloudflare sends only sometimes.
	Optional []string `json:"optional"`
}

// Dir is the directory holding the fixtures.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "testdata", "cloudflare")
}

// Fixture reads testdata/cloudflare/<family>/<endpoint>.json and its sidecar, failing the test
// when either is missing or the sidecar names no source.
func Fixture(t testing.TB, family, endpoint string) ([]byte, Source) {
	t.Helper()
	base := filepath.Join(Dir(), family, endpoint)
	body, err := os.ReadFile(base + ".json")
	if err != nil {
		t.Fatalf("fixture %s/%s: %v", family, endpoint, err)
	}
	var src Source
	sb, err := os.ReadFile(base + ".source.json")
	if err != nil {
		t.Fatalf("fixture %s/%s has no source sidecar: %v", family, endpoint, err)
	}
	if err := json.Unmarshal(sb, &src); err != nil {
		t.Fatalf("fixture %s/%s: reading its sidecar: %v", family, endpoint, err)
	}
	if len(src.Sources) == 0 {
		t.Fatalf("fixture %s/%s names no source", family, endpoint)
	}
	return body, src
}

// Check fails the test when actual (a JSON answer) differs in shape from the fixture.
func Check(t testing.TB, family, endpoint string, actual []byte) {
	t.Helper()
	fixture, src := Fixture(t, family, endpoint)
	diffs, err := Compare(fixture, actual, src.Optional)
	if err != nil {
		t.Fatalf("comparing with fixture %s/%s: %v", family, endpoint, err)
	}
	if len(diffs) > 0 {
		t.Errorf("answer differs in shape from fixture %s/%s:\n  %s\nanswer: %s", family, endpoint,
			strings.Join(diffs, "\n  "), actual)
	}
}

// Compare lists the differences in shape between a fixture and an answer: fields of the answer
// that the fixture lacks (invented), fields of the fixture the answer lacks (unless optional), and
// fields whose JSON types differ. A null on either side matches any type (Cloudflare sends null
// for unset nullable fields); every element of an answer's array is compared with the fixture's
// first element.
func Compare(fixture, actual []byte, optional []string) ([]string, error) {
	var f, a any
	if err := json.Unmarshal(fixture, &f); err != nil {
		return nil, fmt.Errorf("fixture: %w", err)
	}
	if err := json.Unmarshal(actual, &a); err != nil {
		return nil, fmt.Errorf("answer: %w", err)
	}
	var diffs []string
	compare("", f, a, optional, &diffs)
	sort.Strings(diffs)
	return slices.Compact(diffs), nil
}

func compare(path string, f, a any, optional []string, diffs *[]string) {
	if f == nil || a == nil {
		return
	}
	if kind(f) != kind(a) {
		*diffs = append(*diffs, fmt.Sprintf("%s: %s in the fixture, %s in the answer", name(path), kind(f), kind(a)))
		return
	}
	switch fv := f.(type) {
	case map[string]any:
		av := a.(map[string]any)
		for k, v := range av {
			sub := join(path, k)
			fk, ok := fv[k]
			if !ok {
				*diffs = append(*diffs, fmt.Sprintf("%s: not in the fixture", sub))
				continue
			}
			compare(sub, fk, v, optional, diffs)
		}
		for k := range fv {
			sub := join(path, k)
			if _, ok := av[k]; !ok && !slices.Contains(optional, sub) {
				*diffs = append(*diffs, fmt.Sprintf("%s: missing from the answer", sub))
			}
		}
	case []any:
		if len(fv) == 0 {
			return
		}
		for _, e := range a.([]any) {
			compare(path+"[]", fv[0], e, optional, diffs)
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func name(path string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func kind(v any) string {
	switch v.(type) {
	case map[string]any:
		return "object"
	case []any:
		return "array"
	case string:
		return "string"
	case float64:
		return "number"
	case bool:
		return "boolean"
	}
	return "null"
}
