package codegen

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/provider"
)

func loadSchema(t *testing.T) schema.PackageSpec {
	t.Helper()
	raw, err := Schema(context.Background(), provider.DevVersion)
	require.NoError(t, err)
	var spec schema.PackageSpec
	require.NoError(t, json.Unmarshal(raw, &spec))
	return spec
}

func TestSchemaTokens(t *testing.T) {
	spec := loadSchema(t)
	assert.Equal(t, "lumier", spec.Name)
	for _, tok := range []string{"lumier:index:Worker", "lumier:index:DurableObject"} {
		r, ok := spec.Resources[tok]
		require.True(t, ok, "schema lacks %s", tok)
		assert.True(t, r.IsComponent, "%s must be a component", tok)
	}
	assert.Contains(t, spec.Resources, "lumier:index:Script")
	for tok := range spec.Types {
		assert.Regexp(t, `^lumier:index:`, tok, "types belong to the index module")
	}
}

func TestSchemaDescribesEverything(t *testing.T) {
	spec := loadSchema(t)
	for tok, r := range spec.Resources {
		assert.NotEmpty(t, r.Description, "%s has no description", tok)
		for name, prop := range r.InputProperties {
			assert.NotEmpty(t, prop.Description, "input %s.%s has no description", tok, name)
		}
		for name, prop := range r.Properties {
			assert.NotEmpty(t, prop.Description, "output %s.%s has no description", tok, name)
		}
	}
	for tok, typ := range spec.Types {
		assert.NotEmpty(t, typ.Description, "type %s has no description", tok)
		for name, prop := range typ.Properties {
			assert.NotEmpty(t, prop.Description, "type %s.%s has no description", tok, name)
		}
	}
	for name, v := range spec.Config.Variables {
		assert.NotEmpty(t, v.Description, "config %s has no description", name)
	}
}

func TestSchemaDurableObjectOutputShape(t *testing.T) {
	do := loadSchema(t).Resources["lumier:index:DurableObject"]
	for _, key := range []string{"type", "name", "className", "scriptName", "namespaceId"} {
		assert.Contains(t, do.Properties, key)
		assert.Equal(t, "string", do.Properties[key].Type, "%s is a string", key)
		assert.Contains(t, do.Required, key)
	}
	assert.ElementsMatch(t, []string{"worker", "className", "sqlite", "namespaceId"}, keys(do.InputProperties))
}

func TestSchemaSecrets(t *testing.T) {
	spec := loadSchema(t)
	assert.True(t, spec.Config.Variables["apiToken"].Secret, "apiToken must be secret")
	assert.True(t, spec.Resources["lumier:index:Worker"].InputProperties["secrets"].Secret)
	assert.True(t, spec.Resources["lumier:index:Script"].InputProperties["secrets"].Secret)
	assert.True(t, spec.Resources["lumier:index:Script"].Properties["secrets"].Secret)
}

func TestGoSDKGenerates(t *testing.T) {
	raw, err := Schema(context.Background(), provider.DevVersion)
	require.NoError(t, err)
	files, err := GoSDK(raw)
	require.NoError(t, err)
	for _, name := range []string{"worker.go", "durableObject.go", "script.go", "provider.go", "pulumi-plugin.json"} {
		assert.Contains(t, files, name)
	}
	for name, content := range files {
		if name != "pulumi-plugin.json" && name != "doc.go" { // these two carry no header
			assert.True(t, IsGenerated(content), "%s must carry the generator's header", name)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestNodejsAndPythonSDKsGenerate(t *testing.T) {
	raw, err := Schema(context.Background(), provider.DevVersion)
	require.NoError(t, err)
	node, err := NodejsSDK(raw)
	require.NoError(t, err)
	for _, name := range []string{"index.ts", "worker.ts", "durableObject.ts", "script.ts", "package.json", "tsconfig.json"} {
		assert.Contains(t, node, name)
	}
	var pkg struct {
		Name   string `json:"name"`
		Pulumi struct {
			Name string `json:"name"`
		} `json:"pulumi"`
	}
	require.NoError(t, json.Unmarshal(node["package.json"], &pkg))
	assert.Equal(t, "@lumier-dev/lumier", pkg.Name, "npm name from the schema's language section")
	assert.Equal(t, "lumier", pkg.Pulumi.Name, "the plugin the SDK asks the engine for")

	py, err := PythonSDK(raw)
	require.NoError(t, err)
	for _, name := range []string{"lumier/__init__.py", "lumier/worker.py", "lumier/durable_object.py", "pyproject.toml"} {
		assert.Contains(t, py, name)
	}
	assert.NotContains(t, py, ".gitattributes")
}

func TestSDKCheckFindsStaleAndLeftoverFiles(t *testing.T) {
	sdk := SDK{Language: "nodejs", Whole: true}
	files := map[string][]byte{"index.ts": []byte("a"), "types/input.ts": []byte("b")}
	dir := t.TempDir()
	require.NoError(t, sdk.Write(dir, files))
	require.NoError(t, sdk.Check(dir, files))

	// Build outputs are neither generated nor stale.
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "bin"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bin", "index.js"), []byte("x"), 0o644))
	require.NoError(t, sdk.Check(dir, files))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "types", "input.ts"), []byte("edited"), 0o644))
	assert.ErrorContains(t, sdk.Check(dir, files), "input.ts is stale")
	require.NoError(t, sdk.Write(dir, files))

	require.NoError(t, os.WriteFile(filepath.Join(dir, "old.ts"), []byte("gone"), 0o644))
	assert.ErrorContains(t, sdk.Check(dir, files), "old.ts is generated but no longer produced")
	require.NoError(t, sdk.Write(dir, files))
	assert.NoFileExists(t, filepath.Join(dir, "old.ts"))
	assert.FileExists(t, filepath.Join(dir, "bin", "index.js"), "Write leaves build outputs alone")
}

func TestGoSDKWriteKeepsHandWrittenFiles(t *testing.T) {
	sdk := SDK{Language: "go"}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "config.go"), []byte("package lumier\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "old.go"), []byte("// Code generated by lumier-gen; DO NOT EDIT.\n"), 0o644))
	files := map[string][]byte{"worker.go": []byte("// Code generated by lumier-gen; DO NOT EDIT.\npackage lumier\n")}
	assert.ErrorContains(t, sdk.Check(dir, files), "worker.go is stale")
	require.NoError(t, sdk.Write(dir, files))
	require.NoError(t, sdk.Check(dir, files))
	assert.FileExists(t, filepath.Join(dir, "config.go"))
	assert.NoFileExists(t, filepath.Join(dir, "old.go"))
}
