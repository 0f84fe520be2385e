package provider

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

const authEntry = `import { WorkerEntrypoint } from "cloudflare:workers";
export class AuthRPC extends WorkerEntrypoint { async check(u) { return u === "ada"; } }
export function helper() { return 1; }
export default { async fetch() { return new Response("ok"); } };
`

// TestServiceEntrypointCheck: a service binding's entrypoint must be a class the called Worker
// of the stack exports; the message names the binding, the entrypoint, the script and the
// exports. Scripts outside the stack are left to the API.
func TestServiceEntrypointCheck(t *testing.T) {
	entry := filepath.Join(t.TempDir(), "auth.js")
	require.NoError(t, os.WriteFile(entry, []byte(authEntry), 0o644))
	declareCode("svc-test-auth", entry, nil)
	bind := func(script, entrypoint string) ScriptArgs {
		return ScriptArgs{ScriptName: "svc-test-api", Bindings: []Binding{{Name: "AUTH", Type: cfapi.BindingService,
			Service: ptr(script), Entrypoint: ptr(entrypoint)}}}
	}

	assert.Empty(t, checkServiceEntrypoints(bind("svc-test-auth", "AuthRPC")))
	assert.Empty(t, checkServiceEntrypoints(bind("elsewhere", "Anything")), "a script outside the stack: the API decides")

	failures := checkServiceEntrypoints(bind("svc-test-auth", "AuthRPX"))
	require.Len(t, failures, 1)
	assert.Equal(t, "bindings", failures[0].Property)
	assert.Contains(t, failures[0].Reason, `binding "AUTH" calls entrypoint "AuthRPX" of script "svc-test-auth", but its entry `+
		entry+` does not export it (it exports "AuthRPC", "default", "helper")`)

	failures = checkServiceEntrypoints(bind("svc-test-auth", "helper"))
	require.Len(t, failures, 1)
	assert.Contains(t, failures[0].Reason, "exports it as a function, not a class")
}

// TestServiceAndJSONBindingModel: the object forms become the model, the model the wire, and
// the wire reads back as the model.
func TestServiceAndJSONBindingModel(t *testing.T) {
	svc, err := bindingFrom(nil, "AUTH", "app-dev-api", map[string]any{"type": "service", "service": "app-dev-auth", "entrypoint": "AuthRPC"})
	require.NoError(t, err)
	js, err := bindingFrom(nil, "CONFIG", "app-dev-api", map[string]any{"type": "json", "value": map[string]any{"on": true}})
	require.NoError(t, err)
	assert.Equal(t, `{"on":true}`, deref(js.JSON))
	worker, err := bindingFrom(nil, "W", "app-dev-api", map[string]any{"type": "worker", "name": "auth", "scriptName": "app-dev-auth"})
	require.NoError(t, err)
	assert.Equal(t, "app-dev-auth", deref(worker.Service), "a Worker's output object is a service binding to its script")

	for _, b := range []Binding{svc, js} {
		wire := b.api("app-dev-api")
		assert.Equal(t, b, bindingFromAPI(wire), "round trip of %s", b.Type)
	}
	assert.Equal(t, "AuthRPC", svc.api("app-dev-api").Entrypoint)

	_, err = bindingFrom(nil, "CONFIG", "app-dev-api", map[string]any{"type": "json", "json": "{nope"})
	assert.ErrorContains(t, err, `has json "{nope", which is not JSON text`)
	_, err = bindingFrom(nil, "AUTH", "app-dev-api", map[string]any{"type": "service"})
	assert.ErrorContains(t, err, "(service) has no service: set it")
}
