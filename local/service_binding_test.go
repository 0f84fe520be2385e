package local

import (
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const authWorker = `import { WorkerEntrypoint } from "cloudflare:workers";
export class AuthRPC extends WorkerEntrypoint {
  async check(user) { return { user, ok: user === "ada" }; }
}
export default { async fetch(request) { return new Response("auth says hi to " + new URL(request.url).pathname); } };
`

const callerWorker = `export default {
  async fetch(request, env) {
    const viaFetch = await (await env.AUTH.fetch("http://auth/ada")).text();
    const viaRPC = await env.AUTH_RPC.check("ada");
    return Response.json({ viaFetch, viaRPC, config: env.CONFIG });
  },
};
`

// TestServiceAndJSONBindings: a Worker calls another through a service binding's fetch and an
// RPC entrypoint's method, and reads a json binding as the parsed value; the read-back reports
// them as uploaded; a binding to a Worker that does not exist is refused.
func TestServiceAndJSONBindings(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	service := func(name, entrypoint string) map[string]any {
		b := map[string]any{"type": "service", "name": name, "service": "auth"}
		if entrypoint != "" {
			b["entrypoint"] = entrypoint
		}
		return b
	}
	bindings := []any{service("AUTH", ""), service("AUTH_RPC", "AuthRPC"),
		map[string]any{"type": "json", "name": "CONFIG", "json": map[string]any{"limits": []int{1, 2}, "on": true}}}

	_, err := putScript(t, s, "caller", meta(map[string]any{"bindings": bindings}), module{Name: "index.js", Src: callerWorker})
	requireCode(t, err, envelope.CodeValidation, "service binding 'AUTH' references Worker 'auth', which does not exist")

	mustUpload(t, s, "auth", meta(nil), module{Name: "index.js", Src: authWorker})
	mustUpload(t, s, "caller", meta(map[string]any{"bindings": bindings}), module{Name: "index.js", Src: callerWorker})
	url := enableWorkersDev(t, s, "caller")
	code, body := call(t, http.MethodGet, url, "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"viaFetch":"auth says hi to /ada","viaRPC":{"user":"ada","ok":true},"config":{"limits":[1,2],"on":true}}`, body)

	settings, err := newClient(s).Workers.Scripts.ScriptAndVersionSettings.Get(ctxT(t), "caller",
		workers.ScriptScriptAndVersionSettingGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	raw := settings.JSON.RawJSON()
	assert.Contains(t, raw, `"entrypoint":"AuthRPC"`)
	assert.Contains(t, raw, `"json":{"limits":[1,2],"on":true}`)
}
