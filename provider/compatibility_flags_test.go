package provider

import (
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// flagsOf is the compatibilityFlags of checked inputs.
func flagsOf(t *testing.T, in property.Map) []string {
	t.Helper()
	v, ok := in.GetOk("compatibilityFlags")
	require.True(t, ok, "compatibilityFlags is spelled out")
	var out []string
	for _, f := range v.AsArray().All {
		out = append(out, f.AsString())
	}
	return out
}

// TestCheckHonoursEmptyCompatibilityFlags: the default ["nodejs_compat"] applies only when the
// option is absent; `compatibilityFlags: []` means no flags.
func TestCheckHonoursEmptyCompatibilityFlags(t *testing.T) {
	s := newTestServer(t)
	in := counterInputs(t)
	resp := check(t, s, in, nil)
	require.Empty(t, reasons(resp))
	assert.Equal(t, []string{"nodejs_compat"}, flagsOf(t, resp.Inputs), "absent: the default")

	in["compatibilityFlags"] = property.New([]property.Value{})
	resp = check(t, s, in, nil)
	require.Empty(t, reasons(resp))
	assert.Empty(t, flagsOf(t, resp.Inputs), "[] is kept as written")
}

// TestCheckRefusesNodeImportWithoutNodejsCompat: code importing node:buffer fails on Cloudflare
// without nodejs_compat (`No such module "node:buffer"`, at up); preview refuses it, naming the
// file that imports it, the module and the flag to add.
func TestCheckRefusesNodeImportWithoutNodejsCompat(t *testing.T) {
	s := newTestServer(t)
	entry := writeEntry(t, map[string]string{
		"src/index.ts": "import { encode } from \"./encode\";\n" +
			"export default { async fetch() { return new Response(encode(\"hi\")); } };\n",
		"src/encode.ts": "import { Buffer } from \"node:buffer\";\n" +
			"export function encode(s: string) { return Buffer.from(s).toString(\"base64\"); }\n",
	})
	encode := filepath.Join(filepath.Dir(entry), "encode.ts")
	in := map[string]property.Value{"scriptName": property.New("web"), "entry": property.New(entry),
		"compatibilityFlags": property.New([]property.Value{property.New("streams_enable_constructors")})}
	assert.Contains(t, joined(reasons(check(t, s, in, nil))), `compatibilityFlags: `+
		encode+` imports "node:buffer", which the Workers runtime provides only with the nodejs_compat compatibility `+
		`flag, and compatibilityFlags is ["streams_enable_constructors"]: add "nodejs_compat" to compatibilityFlags (or `+
		`leave compatibilityFlags unset, which means ["nodejs_compat"]), or remove the import`)

	delete(in, "compatibilityFlags")
	assert.Empty(t, reasons(check(t, s, in, nil)), "the default flags provide node:buffer")
}

// TestAppHonoursEmptyCompatibilityFlags: an App Worker's `compatibilityFlags: []` reaches its
// Script as an empty list (no flags), and an absent option stays absent (Check's default).
func TestAppHonoursEmptyCompatibilityFlags(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{
		"name":  property.New("my-app"),
		"stage": property.New("dev"),
		"workers": list(
			obj("name", "none", "entry", entry, "compatibilityFlags", property.New([]property.Value{})),
			obj("name", "default", "entry", entry),
		),
	})
	require.NoError(t, err)
	none, ok := reg.byName("lumier:index:Script", "my-app-none").Inputs.GetOk("compatibilityFlags")
	require.True(t, ok, "[] is passed on")
	assert.True(t, none.IsArray() && none.AsArray().Len() == 0, "[] stays empty: %v", none)
	_, ok = reg.byName("lumier:index:Script", "my-app-default").Inputs.GetOk("compatibilityFlags")
	assert.False(t, ok, "an absent option stays absent")
}
