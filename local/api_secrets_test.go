package local

import (
	"encoding/json"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/scripts"
)

// secretWorker answers GREETING and API_KEY from its env ("none" when the secret is unset).
var secretWorker = module{Name: "index.js", Src: "export default { fetch(r, env) { return new Response(env.GREETING + ':' + (env.API_KEY ?? 'none')) } }"}

func secretMeta(extra map[string]any) map[string]any {
	m := meta(map[string]any{"bindings": []any{map[string]any{"type": "plain_text", "name": "GREETING", "text": "hi"}}})
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// A secret set through the secrets API reaches the Worker's env, in Cloudflare's shapes
// (workers/script-secret*, cloudflare-go's typed ScriptSecretService reads them); it survives a
// settings change and an upload that keeps secret_text, and goes with a delete.
func TestSecretsAPI(t *testing.T) {
	s := sharedServer(t)
	const name = "secrets-api"
	mustUpload(t, s, name, secretMeta(nil), secretWorker)
	url := enableWorkersDev(t, s, name)
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	base := "/accounts/" + s.AccountID() + "/workers/scripts/" + name

	r := raw(t, s, "PUT", base+"/secrets", s.Token(), "application/json", []byte(`{"name":"API_KEY","text":"s3cret","type":"secret_text"}`))
	require.Equal(t, 200, r.Status, "%s", r.Body)
	shapetest.Check(t, "workers", "script-secret", r.Body)
	_, body := call(t, "GET", url, "")
	assert.Equal(t, "hi:s3cret", body, "the secret reaches the Worker's env")

	put, err := c.Workers.Scripts.Secrets.Update(ctxT(t), name, workers.ScriptSecretUpdateParams{AccountID: acct,
		Body: workers.ScriptSecretUpdateParamsBodyWorkersBindingKindSecretText{
			Name: cloudflare.F("API_KEY"), Text: cloudflare.F("rotated"),
			Type: cloudflare.F(workers.ScriptSecretUpdateParamsBodyWorkersBindingKindSecretTextTypeSecretText),
		}})
	require.NoError(t, err)
	assert.Equal(t, "API_KEY", put.Name)
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hi:rotated", body, "a second put replaces the value")

	r = raw(t, s, "GET", base+"/secrets", s.Token(), "", nil)
	shapetest.Check(t, "workers", "script-secret-list", r.Body)
	assert.NotContains(t, string(r.Body), "rotated", "a list never shows a secret's text")
	list, err := c.Workers.Scripts.Secrets.List(ctxT(t), name, workers.ScriptSecretListParams{AccountID: acct})
	require.NoError(t, err)
	require.Len(t, list.Result, 1)
	assert.Equal(t, "API_KEY", list.Result[0].Name)
	assert.Equal(t, workers.ScriptSecretListResponseTypeSecretText, list.Result[0].Type)
	one, err := c.Workers.Scripts.Secrets.Get(ctxT(t), name, "API_KEY", workers.ScriptSecretGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.Equal(t, "API_KEY", one.Name)

	// A secret change is a new version deployed at 100%, annotated as a secret change.
	var deps struct {
		Deployments []scripts.DeploymentJSON `json:"deployments"`
	}
	r = raw(t, s, "GET", base+"/deployments", s.Token(), "", nil)
	require.NoError(t, json.Unmarshal(r.Result, &deps))
	assert.Equal(t, "secret", deps.Deployments[0].Annotations["workers/triggered_by"])

	// A settings change keeps it: one without bindings, and one that lists the secret by type and
	// name only, as GET .../settings shows it.
	patchSettings(t, s, name, map[string]any{"compatibility_date": "2025-12-01"})
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hi:rotated", body, "a settings change keeps the secret")
	patchSettings(t, s, name, map[string]any{"bindings": []any{
		map[string]any{"type": "plain_text", "name": "GREETING", "text": "hello"},
		map[string]any{"type": "secret_text", "name": "API_KEY"},
	}})
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hello:rotated", body, "a binding written {type, name} keeps the current secret")

	// An upload that keeps secret_text bindings keeps it; one that does not, drops it.
	mustUpload(t, s, name, secretMeta(map[string]any{"keep_bindings": []string{"secret_text"}}), secretWorker)
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hi:rotated", body, "keep_bindings [secret_text] keeps the secret")

	_, err = c.Workers.Scripts.Secrets.Delete(ctxT(t), name, "API_KEY", workers.ScriptSecretDeleteParams{AccountID: acct})
	require.NoError(t, err)
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hi:none", body, "a deleted secret leaves the env")
	_, err = c.Workers.Scripts.Secrets.Get(ctxT(t), name, "API_KEY", workers.ScriptSecretGetParams{AccountID: acct})
	requireCode(t, err, scripts.CodeSecretNotFound, "no secret named 'API_KEY'")
	r = raw(t, s, "PUT", base+"/secrets", s.Token(), "application/json", []byte(`{"name":"API_KEY","text":"again","type":"secret_text"}`))
	require.Equal(t, 200, r.Status, "%s", r.Body)
	r = raw(t, s, "DELETE", base+"/secrets/API_KEY?url_encoded=true", s.Token(), "", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	shapetest.Check(t, "workers", "script-secret-delete", r.Body)

	mustUpload(t, s, name, secretMeta(nil), secretWorker)
	raw(t, s, "PUT", base+"/secrets", s.Token(), "application/json", []byte(`{"name":"API_KEY","text":"x","type":"secret_text"}`))
	mustUpload(t, s, name, secretMeta(nil), secretWorker)
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hi:none", body, "an upload without keep_bindings drops the secret")
}

// Refusals: a secret named like another binding (10053), a secret change while the latest
// version is not the one deployed (10215, which wrangler turns into its own advice), a script
// that does not exist (10007).
func TestSecretsRefusals(t *testing.T) {
	s := sharedServer(t)
	const name = "secrets-refusals"
	mustUpload(t, s, name, secretMeta(nil), secretWorker)
	base := "/accounts/" + s.AccountID() + "/workers/scripts/"

	r := raw(t, s, "PUT", base+name+"/secrets", s.Token(), "application/json", []byte(`{"name":"GREETING","text":"x","type":"secret_text"}`))
	assert.Equal(t, scripts.CodeBindingNameInUse, r.code())
	assert.Equal(t, "Binding name 'GREETING' already in use. Please use a different name and try again.", r.Errors[0].Message)

	r = raw(t, s, "PUT", base+"no-such-script/secrets", s.Token(), "application/json", []byte(`{"name":"K","text":"x","type":"secret_text"}`))
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, envelope.CodeScriptNotFound, r.code(), "wrangler reads 10007 as 'no such Worker' and offers to create one")

	_, err := uploadVersion(t, s, name, secretMeta(nil), secretWorker)
	require.NoError(t, err)
	r = raw(t, s, "PUT", base+name+"/secrets", s.Token(), "application/json", []byte(`{"name":"K","text":"x","type":"secret_text"}`))
	assert.Equal(t, 400, r.Status)
	assert.Equal(t, scripts.CodeVersionNotDeployed, r.code(), "%s", r.Body)
}

// PATCH .../secrets-bulk (wrangler secret bulk): a JSON merge patch of secrets, one new version.
func TestSecretsBulk(t *testing.T) {
	s := sharedServer(t)
	const name = "secrets-bulk"
	mustUpload(t, s, name, secretMeta(nil), secretWorker)
	url := enableWorkersDev(t, s, name)
	path := "/accounts/" + s.AccountID() + "/workers/scripts/" + name + "/secrets-bulk"
	r := raw(t, s, "PATCH", path, s.Token(), "application/merge-patch+json",
		[]byte(`{"secrets":{"API_KEY":{"name":"API_KEY","text":"one","type":"secret_text"},"OTHER":{"name":"OTHER","text":"two","type":"secret_text"}}}`))
	require.Equal(t, 200, r.Status, "%s", r.Body)
	shapetest.Check(t, "workers", "script-secret-delete", r.Body) // the same null result
	_, body := call(t, "GET", url, "")
	assert.Equal(t, "hi:one", body)
	r = raw(t, s, "PATCH", path, s.Token(), "application/merge-patch+json", []byte(`{"secrets":{"API_KEY":null}}`))
	require.Equal(t, 200, r.Status, "%s", r.Body)
	r = raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/"+name+"/secrets", s.Token(), "", nil)
	assert.JSONEq(t, `[{"name":"OTHER","type":"secret_text"}]`, string(r.Result), "null deletes, omitted keeps")
}

// patchSettings sends a settings PATCH (multipart, a "settings" part) and fails on error.
func patchSettings(t testing.TB, s *Server, name string, settings map[string]any) {
	t.Helper()
	part, err := json.Marshal(map[string]any{"settings": settings})
	require.NoError(t, err)
	_, err = newClient(s).Workers.Scripts.ScriptAndVersionSettings.Edit(ctxT(t), name,
		workers.ScriptScriptAndVersionSettingEditParams{AccountID: cloudflare.F(s.AccountID())},
		option.WithRequestBody("application/json", part))
	require.NoError(t, err)
}

// GET .../settings shows a secret as {name, type} (workers/script-settings), and a settings PATCH
// that sends those bindings back, as wrangler's secret bulk did, keeps the secret's value.
func TestSettingsRoundTripKeepsSecrets(t *testing.T) {
	s := sharedServer(t)
	const name = "settings-round-trip"
	mustUpload(t, s, name, meta(map[string]any{"bindings": []any{
		map[string]any{"type": "secret_text", "name": "API_KEY", "text": "s3cret"},
	}}), module{Name: "index.js", Src: "export default { fetch(r, env) { return new Response(env.API_KEY) } }"})
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/"+name+"/settings", s.Token(), "", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	shapetest.Check(t, "workers", "script-settings", r.Body)
	var read struct {
		Bindings []map[string]any `json:"bindings"`
	}
	require.NoError(t, json.Unmarshal(r.Result, &read))
	assert.Equal(t, []map[string]any{{"type": "secret_text", "name": "API_KEY"}}, read.Bindings)
	patchSettings(t, s, name, map[string]any{"bindings": read.Bindings, "compatibility_date": "2025-12-01"})
	_, body := call(t, "GET", enableWorkersDev(t, s, name), "")
	assert.Equal(t, "s3cret", body)

	_, err := newClient(s).Workers.Scripts.ScriptAndVersionSettings.Edit(ctxT(t), name,
		workers.ScriptScriptAndVersionSettingEditParams{AccountID: cloudflare.F(s.AccountID())},
		option.WithRequestBody("application/json", []byte(`{"settings":{"bindings":[{"type":"secret_text","name":"OTHER"}]}}`)))
	requireCode(t, err, envelope.CodeValidation, "binding 'OTHER' of type secret_text has no value, and the script has no current secret_text binding of that name to keep")
}
