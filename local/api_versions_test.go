package local

import (
	"encoding/json"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/scripts"
)

// Versions: upload (immutable, not deployed), list, get; migrations refused with 10211.
func TestContractVersions(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-versions"
	mustUpload(t, s, name, counterMeta("", "v1"), workerModule(t, "counter.js"))
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())

	v, err := uploadVersion(t, s, name, meta(map[string]any{
		"bindings":    []any{doBinding("COUNTER", "Counter")},
		"annotations": map[string]string{"workers/message": "second", "workers/tag": "t2"},
	}), counterV2(t))
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f-]{36}$`, v.ID)
	assert.Equal(t, 2.0, v.Number)
	assert.Equal(t, workers.ScriptVersionNewResponseMetadataSourceAPI, v.Metadata.Source)
	assert.NotEmpty(t, v.Metadata.CreatedOn)
	assert.False(t, v.JSON.StartupTimeMs.IsNull(), "startup_time_ms")
	assert.Equal(t, defaultDate, v.Resources.ScriptRuntime.CompatibilityDate)
	assert.Equal(t, "v1", v.Resources.ScriptRuntime.MigrationTag)
	assert.Contains(t, v.Resources.Script.Handlers, "fetch")

	list, err := c.Workers.Scripts.Versions.List(ctxT(t), name, workers.ScriptVersionListParams{AccountID: acct})
	require.NoError(t, err)
	require.Len(t, list.Result.Items, 2)
	assert.Equal(t, v.ID, list.Result.Items[0].ID, "newest first")
	assert.Equal(t, 1.0, list.Result.Items[1].Number)

	got, err := c.Workers.Scripts.Versions.Get(ctxT(t), name, v.ID, workers.ScriptVersionGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.Equal(t, v.ID, got.ID)
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/"+name+"/versions/"+v.ID, s.Token(), "", nil)
	var ann map[string]string
	require.NoError(t, json.Unmarshal(r.field(t, "annotations"), &ann))
	assert.Equal(t, "second", ann["workers/message"])
	assert.Equal(t, "t2", ann["workers/tag"])

	// Not deployed: the script still runs version 1.
	deps, err := c.Workers.Scripts.Deployments.Get(ctxT(t), name, workers.ScriptDeploymentGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.NotEqual(t, v.ID, deps.Deployments[0].Versions[0].VersionID)

	_, err = uploadVersion(t, s, name, meta(map[string]any{
		"bindings":   []any{doBinding("COUNTER", "Counter")},
		"migrations": migrations("v1", "v2", map[string]any{"new_sqlite_classes": []string{"Other"}}),
	}), counterV2(t))
	requireCode(t, err, scripts.CodeVersionMigrations, "migrations")

	_, err = c.Workers.Scripts.Versions.Get(ctxT(t), name, "00000000-0000-4000-8000-000000000000", workers.ScriptVersionGetParams{AccountID: acct})
	require.Error(t, err)

	// A version that drops an existing class is refused like an upload (10064).
	noClass := module{Name: "index.js", Src: "export default { fetch() { return new Response('x') } }"}
	_, err = uploadVersion(t, s, name, meta(nil), noClass)
	requireCode(t, err, rules.CodeNotExported, "Counter")
}

// Content: new code, same bindings, a new version deployed.
func TestContractContent(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-content"
	first := mustUpload(t, s, name, counterMeta("", "v1"), workerModule(t, "counter.js"))
	ct, body := multipartBody(t, map[string]any{"main_module": "index.js"}, counterV2(t))
	res, err := newClient(s).Workers.Scripts.Content.Update(ctxT(t), name, workers.ScriptContentUpdateParams{
		AccountID: cloudflare.F(s.AccountID()),
		Metadata:  cloudflare.F(workers.WorkerMetadataParam{MainModule: cloudflare.F("index.js")}),
	}, option.WithRequestBody(ct, body))
	require.NoError(t, err)
	assert.Equal(t, name, res.ID)
	assert.NotEqual(t, first.Etag, res.Etag)
	url := enableWorkersDev(t, s, name)
	_, got := call(t, "POST", url, "")
	assert.JSONEq(t, `{"count":1,"v":2}`, got, "the new code runs with the kept binding")
}
