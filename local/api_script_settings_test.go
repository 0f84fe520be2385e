package local

import (
	"encoding/json"
	"testing"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/scripts"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Script settings and settings: read, patch, and the patch shows in both.
func TestContractSettings(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-settings"
	mustUpload(t, s, name, meta(map[string]any{"bindings": []any{
		map[string]any{"type": "plain_text", "name": "GREETING", "text": "hi"},
		map[string]any{"type": "secret_text", "name": "KEY", "text": "s3cret"},
	}}), module{Name: "index.js", Src: "export default { fetch(r, env) { return new Response(env.GREETING + ':' + env.KEY) } }"})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())

	ss, err := c.Workers.Scripts.Settings.Get(ctxT(t), name, workers.ScriptSettingGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.False(t, ss.Logpush)
	assert.False(t, ss.Observability.Enabled)

	ss, err = c.Workers.Scripts.Settings.Edit(ctxT(t), name, workers.ScriptSettingEditParams{
		AccountID:     acct,
		ScriptSetting: workers.ScriptSettingParam{Logpush: cloudflare.F(true), Observability: cloudflare.F(workers.ScriptSettingObservabilityParam{Enabled: cloudflare.F(true)})},
	})
	require.NoError(t, err)
	assert.True(t, ss.Logpush)
	assert.True(t, ss.Observability.Enabled)

	st, err := c.Workers.Scripts.ScriptAndVersionSettings.Get(ctxT(t), name, workers.ScriptScriptAndVersionSettingGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.True(t, st.Logpush, "script-settings show in settings")

	// Settings PATCH with bindings: a new version deployed at 100%; "inherit" keeps the secret.
	part, _ := json.Marshal(map[string]any{"settings": map[string]any{
		"compatibility_date": "2025-12-01",
		"bindings": []any{
			map[string]any{"type": "plain_text", "name": "GREETING", "text": "hello"},
			map[string]any{"type": "inherit", "name": "KEY"},
		},
	}})
	edited, err := c.Workers.Scripts.ScriptAndVersionSettings.Edit(ctxT(t), name, workers.ScriptScriptAndVersionSettingEditParams{AccountID: acct},
		option.WithRequestBody("application/json", part))
	require.NoError(t, err)
	assert.Equal(t, "2025-12-01", edited.CompatibilityDate)
	assert.Len(t, edited.Bindings, 2)
	url := enableWorkersDev(t, s, name)
	status, body := call(t, "GET", url, "")
	assert.Equal(t, 200, status)
	assert.Equal(t, "hello:s3cret", body, "the new binding and the inherited secret run")
	list, err := c.Workers.Scripts.Versions.List(ctxT(t), name, workers.ScriptVersionListParams{AccountID: acct})
	require.NoError(t, err)
	assert.Len(t, list.Result.Items, 2, "the settings change made a version")
}

// References: every binding to the script's Durable Object namespaces, in Cloudflare's shape
// (testdata/cloudflare/workers/script-references.json), and the service bindings to it.
func TestContractReferences(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "contract-refs-host", counterMeta("", "v1"), workerModule(t, "counter.js"))
	mustUpload(t, s, "contract-refs-user", meta(map[string]any{"bindings": []any{
		map[string]any{"type": "durable_object_namespace", "name": "C", "class_name": "Counter", "script_name": "contract-refs-host"},
		map[string]any{"type": "service", "name": "HOST", "service": "contract-refs-host"},
	}}), module{Name: "index.js", Src: "export default { fetch() { return new Response('x') } }"})
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/contract-refs-host/references", s.Token(), "", nil)
	require.Equal(t, 200, r.Status)
	shapetest.Check(t, "workers", "script-references", r.Body)
	var refs []scripts.DurableObjectRefJSON
	require.NoError(t, json.Unmarshal(r.field(t, "durable_objects"), &refs))
	var users []string
	for _, ref := range refs {
		users = append(users, ref.Service+"/"+ref.Name)
		assert.Equal(t, "contract-refs-host_Counter", ref.NamespaceName)
		assert.Len(t, ref.NamespaceID, 32)
	}
	assert.ElementsMatch(t, []string{"contract-refs-user/C", "contract-refs-host/COUNTER"}, users,
		"the other script's binding and the host's own")
	var services struct{ Incoming []scripts.ServiceRefJSON }
	require.NoError(t, json.Unmarshal(r.field(t, "services"), &services))
	assert.Equal(t, []scripts.ServiceRefJSON{{Name: "HOST", Service: "contract-refs-user", Environment: "production"}}, services.Incoming)
}
