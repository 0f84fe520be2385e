// Package codegen produces schema.json and the Go SDK from the provider itself, in process, so
// neither needs the Pulumi CLI and both stay in step with the provider's Go types.
package codegen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	nodejsgen "github.com/pulumi/pulumi/pkg/v3/codegen/nodejs"
	pythongen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"

	"github.com/lumier-dev/lumier/devtools/bindinggen"
	"github.com/lumier-dev/lumier/provider"
)

// Schema returns the provider's package schema as indented JSON, stamped with version. The
// committed schema and SDKs carry provider.DevVersion, so that they do not change with every
// release; `make release` stamps its own copies.
func Schema(ctx context.Context, version string) ([]byte, error) {
	spec, err := schemaSpec(ctx, version)
	if err != nil {
		return nil, err
	}
	out, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encoding schema: %w", err)
	}
	return append(out, '\n'), nil
}

func schemaSpec(ctx context.Context, version string) (schema.PackageSpec, error) {
	prov, err := provider.New()
	if err != nil {
		return schema.PackageSpec{}, fmt.Errorf("building provider: %w", err)
	}
	spec, err := p.GetSchema(ctx, provider.Name, version, prov)
	if err != nil {
		return schema.PackageSpec{}, fmt.Errorf("reading provider schema: %w", err)
	}
	return spec, nil
}

// GoSDK generates the Go SDK files for the schema in schemaJSON, keyed by path relative to the
// package directory (sdk/go/lumier).
func GoSDK(schemaJSON []byte) (map[string][]byte, error) {
	pkg, err := bindSchema(schemaJSON)
	if err != nil {
		return nil, err
	}
	files, err := gogen.GeneratePackage(generatorName, pkg, nil)
	if err != nil {
		return nil, fmt.Errorf("generating Go SDK: %w", err)
	}
	out := map[string][]byte{}
	for path, content := range files {
		// The generator nests the package under its name; anything else (.gitattributes) is for
		// a standalone SDK repository, which this is not.
		if rel, ok := strings.CutPrefix(path, provider.Name+"/"); ok {
			out[rel] = content
		}
	}
	return out, nil
}

// NodejsSDK generates the TypeScript (Node.js) SDK, keyed by path relative to sdk/nodejs. Its npm
// name comes from the schema's language section (the provider builder's metadata).
func NodejsSDK(schemaJSON []byte) (map[string][]byte, error) {
	pkg, err := bindSchema(schemaJSON)
	if err != nil {
		return nil, err
	}
	files, err := nodejsgen.GeneratePackage(generatorName, pkg, nil, nil, false, noDependencies{})
	if err != nil {
		return nil, fmt.Errorf("generating Node.js SDK: %w", err)
	}
	delete(files, ".gitattributes") // for a standalone SDK repository, which this is not
	return files, nil
}

// PythonSDK generates the Python SDK, keyed by path relative to sdk/python.
func PythonSDK(schemaJSON []byte) (map[string][]byte, error) {
	pkg, err := bindSchema(schemaJSON)
	if err != nil {
		return nil, err
	}
	files, err := pythongen.GeneratePackage(generatorName, pkg, nil, noDependencies{})
	if err != nil {
		return nil, fmt.Errorf("generating Python SDK: %w", err)
	}
	delete(files, ".gitattributes") // for a standalone SDK repository, which this is not
	return files, nil
}

// generatorName is the tool name the generators stamp into each file's header.
const generatorName = "lumier-gen"

func bindSchema(schemaJSON []byte) (*schema.Package, error) {
	var spec schema.PackageSpec
	if err := json.Unmarshal(schemaJSON, &spec); err != nil {
		return nil, fmt.Errorf("decoding schema: %w", err)
	}
	pkg, diags, err := schema.BindSpec(spec, noDependencies{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding schema: %w", err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("binding schema: %s", diags.Error())
	}
	return pkg, nil
}

// Output is where the schema and the SDKs go, and the version they are stamped with.
type Output struct {
	// Version is the version to stamp (x.y.z).
	Version string
	// Schema is the path of schema.json.
	Schema string
	// Dirs is each SDK's directory, by language (see SDK.Language).
	Dirs map[string]string
	// Root is the repository's root, where the files generated from the registries go
	// (bindinggen.Files). Empty writes none: a release stamps the committed ones, which
	// gen-check keeps current.
	Root string
}

// Write writes the schema and every SDK to out.
func Write(ctx context.Context, out Output) error {
	return generate(ctx, out, false)
}

// Check fails, naming the first stale file, when the schema or an SDK in out is not what the
// provider generates.
func Check(ctx context.Context, out Output) error {
	return generate(ctx, out, true)
}

func generate(ctx context.Context, out Output, check bool) error {
	if out.Root != "" {
		if err := bindinggen.Write(out.Root, check); err != nil {
			return err
		}
	}
	schemaJSON, err := Schema(ctx, out.Version)
	if err != nil {
		return err
	}
	if check {
		if have, err := os.ReadFile(out.Schema); err != nil || !bytes.Equal(have, schemaJSON) {
			return fmt.Errorf("%s is stale: run `make gen` and commit the result", out.Schema)
		}
	} else if err := os.WriteFile(out.Schema, schemaJSON, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", out.Schema, err)
	}
	for _, sdk := range SDKs() {
		files, err := sdk.Generate(schemaJSON)
		if err != nil {
			return err
		}
		dir, ok := out.Dirs[sdk.Language]
		if !ok {
			return fmt.Errorf("no directory for the %s SDK", sdk.Language)
		}
		if check {
			err = sdk.Check(dir, files)
		} else {
			err = sdk.Write(dir, files)
		}
		if err != nil {
			return fmt.Errorf("%s SDK: %w", sdk.Language, err)
		}
	}
	return nil
}

// SDK is one generated SDK: where it lives and how to tell its generated files from the rest.
type SDK struct {
	// Language is the generator's language name: "go", "nodejs" or "python".
	Language string
	// Generate produces the files from schema.json, keyed by path relative to the directory.
	Generate func(schemaJSON []byte) (map[string][]byte, error)
	// Whole means the generator owns the whole directory (sdk/nodejs, sdk/python) except build
	// outputs; otherwise only files with the generator's header are its (sdk/go/lumier holds
	// the hand-written config.go too).
	Whole bool
}

// SDKs lists the generated SDKs.
func SDKs() []SDK {
	return []SDK{
		{Language: "go", Generate: GoSDK},
		{Language: "nodejs", Generate: NodejsSDK, Whole: true},
		{Language: "python", Generate: PythonSDK, Whole: true},
	}
}

// Write replaces the generated files in dir with files, leaving the others alone.
func (s SDK) Write(dir string, files map[string][]byte) error {
	have, err := s.generatedIn(dir)
	if err != nil {
		return err
	}
	for _, rel := range have {
		if err := os.Remove(filepath.Join(dir, rel)); err != nil {
			return err
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}

// Check fails, naming the first stale file, when dir does not hold exactly files as its
// generated files.
func (s SDK) Check(dir string, files map[string][]byte) error {
	const fix = "run `make gen` and commit the result"
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		have, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(have, files[name]) {
			return fmt.Errorf("%s is stale: %s", filepath.Join(dir, name), fix)
		}
	}
	have, err := s.generatedIn(dir)
	if err != nil {
		return err
	}
	for _, rel := range have {
		if _, ok := files[rel]; !ok {
			return fmt.Errorf("%s is generated but no longer produced: %s", filepath.Join(dir, rel), fix)
		}
	}
	return nil
}

// generatedIn lists the generated files in dir, relative to it.
func (s SDK) generatedIn(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && path == dir {
			return fs.SkipAll
		}
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if s.Whole && isBuildOutput(rel, d) {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		if !s.Whole {
			content, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if !IsGenerated(content) && d.Name() != "pulumi-plugin.json" {
				return nil
			}
		}
		out = append(out, rel)
		return nil
	})
	return out, err
}

// isBuildOutput reports what building or installing a generated SDK leaves in its directory
// (what the generated .gitignore files list), which is neither generated nor hand-written.
func isBuildOutput(rel string, d fs.DirEntry) bool {
	name := d.Name()
	if d.IsDir() {
		switch name {
		case "node_modules", "bin", "__pycache__", ".mypy_cache", "dist", "build":
			return true
		}
		return strings.HasSuffix(name, ".egg-info")
	}
	return strings.HasSuffix(name, ".pyc") || strings.HasSuffix(name, ".tsbuildinfo")
}

// generatedMarker is the header the Go generator puts on every file it writes.
const generatedMarker = "Code generated by lumier-gen"

// IsGenerated reports whether content was written by the Go generator.
func IsGenerated(content []byte) bool {
	return strings.Contains(string(content), generatedMarker)
}

// noDependencies is the schema loader for a package that references no other package.
type noDependencies struct{}

func (noDependencies) LoadPackage(pkg string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("lumier's schema references package %q; it should reference none", pkg)
}

func (noDependencies) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, fmt.Errorf("lumier's schema references package %q; it should reference none", d.Name)
}

func (noDependencies) LoadPackageReference(pkg string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, fmt.Errorf("lumier's schema references package %q; it should reference none", pkg)
}

func (noDependencies) LoadPackageReferenceV2(_ context.Context, d *schema.PackageDescriptor) (schema.PackageReference, error) {
	return nil, fmt.Errorf("lumier's schema references package %q; it should reference none", d.Name)
}
