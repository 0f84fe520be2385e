package provider

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// writeEntry writes a Worker entry into a fresh directory and returns its path.
func writeEntry(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return filepath.Join(dir, "src", "index.ts")
}

const handlers = "export default { async fetch() { return new Response(\"ok\"); } };\n"

func TestCheckRefusesDurableObjectThatIsNotAClass(t *testing.T) {
	s := newTestServer(t)
	cases := []struct {
		name, code, className, want string
	}{{
		name:      "function",
		code:      "export function Counter(state, env) {}\n" + handlers,
		className: "Counter",
		want: `Durable Object class "Counter" must be a class, but export "Counter" of %s is a function: ` +
			"Cloudflare constructs Durable Objects with `new` and calls their methods. Declare it as " +
			"`export class Counter extends DurableObject { ... }`",
	}, {
		name:      "object",
		code:      "export const Counter = { fetch() {} };\n" + handlers,
		className: "Counter",
		want:      `Durable Object class "Counter" must be a class, but export "Counter" of %s is an object`,
	}, {
		name:      "bare class",
		code:      "export class Counter {}\n" + handlers,
		className: "Counter",
		want: `Durable Object class "Counter" of %s extends nothing and has no methods, so it has nothing to answer ` +
			"a request or a call with. Declare it as `export class Counter extends DurableObject { ... }`",
	}, {
		name:      "default handlers",
		code:      handlers,
		className: "default",
		want: `Durable Object class "default" must be a class, but the default export of %s is an object: ` +
			"Cloudflare constructs Durable Objects with `new` and calls their methods. Export the class under its own name",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			entry := writeEntry(t, map[string]string{"src/index.ts": tc.code})
			in := counterInputs(t)
			in["entry"] = property.New(entry)
			in["durableObjects"] = property.New([]property.Value{property.New(map[string]property.Value{"className": property.New(tc.className)})})
			in["bindings"] = property.New([]property.Value{})
			resp := check(t, s, in, nil)
			assert.Contains(t, joined(reasons(resp)), "durableObjects: "+sprintf(tc.want, entry))
		})
	}

	t.Run("class accepted", func(t *testing.T) {
		entry := writeEntry(t, map[string]string{"src/index.ts": "import { DurableObject } from \"cloudflare:workers\";\n" +
			"class Impl extends DurableObject {}\nexport const Counter = Impl;\n" + handlers})
		in := counterInputs(t)
		in["entry"] = property.New(entry)
		assert.Empty(t, reasons(check(t, s, in, nil)))
	})
}

// randomModule is an entry whose bundle holds n random base64 characters: about 3/4 of n after
// gzip, since random data does not compress beyond its 6 bits per character.
func randomModule(t *testing.T, n int) string {
	t.Helper()
	raw := make([]byte, n*3/4)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return writeEntry(t, map[string]string{
		"src/index.ts": "import { blob } from \"./blob\";\nexport default { fetch() { return new Response(blob); } };\n",
		"src/blob.ts":  "export const blob = \"" + base64.StdEncoding.EncodeToString(raw) + "\";\n",
	})
}

func TestCheckRefusesBundleOverThePlanLimit(t *testing.T) {
	big := randomModule(t, 14*mib) // ~10.5 MiB after gzip: over every plan's limit
	mid := randomModule(t, 5*mib)  // ~3.75 MiB: over Free's 3 MiB, under Paid's 10 MiB
	inputs := func(entry string) map[string]property.Value {
		// workersDev off: the free server's API does not answer, and only the size check is tested.
		return map[string]property.Value{"scriptName": property.New("my-app-dev-api"), "entry": property.New(entry),
			"workersDev": property.New(false)}
	}

	paid, err := configureWith(t, map[string]property.Value{"workersPlan": property.New("paid")}, "http://127.0.0.1:1/client/v4")
	require.NoError(t, err)
	got := joined(reasons(check(t, paid, inputs(big), nil)))
	assert.Contains(t, got, "entry: "+big+" bundles to 10.")
	assert.Contains(t, got, "MiB after gzip, over the 10.00 MiB limit of Cloudflare's Workers paid plan (lumier:workersPlan); "+
		"largest inputs before compression: ")
	assert.Contains(t, got, "src/blob.ts (14.00 MiB), ")
	assert.Empty(t, reasons(check(t, paid, inputs(mid), nil)), "under the paid limit")

	free := newTestServer(t) // no workersPlan: free, a new account's plan
	// The engine runs the provider in the Pulumi project: paths are relative to it.
	t.Chdir(filepath.Dir(filepath.Dir(mid)))
	got = joined(reasons(check(t, free, inputs(mid), nil)))
	assert.Contains(t, got, "over the 3.00 MiB limit of Cloudflare's Workers free plan (lumier:workersPlan); "+
		"largest inputs before compression: src/blob.ts (5.00 MiB)")
	assert.Contains(t, got, "if the account is on Workers Paid, set `pulumi config set lumier:workersPlan paid`")
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
