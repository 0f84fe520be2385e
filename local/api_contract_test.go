package local

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/accounts"
	"github.com/cloudflare/cloudflare-go/v4/memberships"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/rules"
)

// rawResponse is a v4 envelope read without cloudflare-go, for endpoints it has no method for.
type rawResponse struct {
	Status   int
	Success  bool            `json:"success"`
	Result   json.RawMessage `json:"result"`
	Errors   []apiMessage    `json:"errors"`
	Messages []apiMessage    `json:"messages"`
}

// raw calls the API over plain HTTP; token "" sends no Authorization header.
func raw(t testing.TB, s *Server, method, path, token, contentType string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, s.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := rawResponse{Status: res.StatusCode}
	require.NoError(t, json.Unmarshal(b, &out), "envelope: %s", b)
	return out
}

func (r rawResponse) code() int {
	if len(r.Errors) == 0 {
		return 0
	}
	return r.Errors[0].Code
}

// field decodes one field of the result.
func (r rawResponse) field(t testing.TB, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Result, &m), "result: %s", r.Result)
	return m[name]
}

// uploadVersion sends a versions upload with cloudflare-go: Versions.New types the metadata
// part only, so the multipart body with the modules is passed with option.WithRequestBody.
func uploadVersion(t testing.TB, s *Server, name string, md any, modules ...module) (*workers.ScriptVersionNewResponse, error) {
	t.Helper()
	ct, body := multipartBody(t, md, modules...)
	return newClient(s).Workers.Scripts.Versions.New(ctxT(t), name, workers.ScriptVersionNewParams{
		AccountID: cloudflare.F(s.AccountID()),
		Metadata:  cloudflare.F(workers.ScriptVersionNewParamsMetadata{MainModule: cloudflare.F("index.js")}),
	}, option.WithRequestBody(ct, body))
}

// deployVersions creates a deployment with cloudflare-go.
func deployVersions(t testing.TB, s *Server, name string, versions ...workers.ScriptDeploymentNewParamsVersion) (*workers.ScriptDeploymentNewResponse, error) {
	t.Helper()
	return newClient(s).Workers.Scripts.Deployments.New(ctxT(t), name, workers.ScriptDeploymentNewParams{
		AccountID: cloudflare.F(s.AccountID()),
		Strategy:  cloudflare.F(workers.ScriptDeploymentNewParamsStrategyPercentage),
		Versions:  cloudflare.F(versions),
	})
}

func at(versionID string, pct float64) workers.ScriptDeploymentNewParamsVersion {
	return workers.ScriptDeploymentNewParamsVersion{VersionID: cloudflare.F(versionID), Percentage: cloudflare.F(pct)}
}

// counterV2 is the seed's counter with a visible change: its answers carry "v":2.
func counterV2(t testing.TB) module {
	m := seedModule(t, "counter.js")
	m.src = strings.ReplaceAll(m.src, "Response.json({ count: await stub.increment() })", "Response.json({ count: await stub.increment(), v: 2 })")
	m.src = strings.ReplaceAll(m.src, "Response.json({ count: await stub.getCount() })", "Response.json({ count: await stub.getCount(), v: 2 })")
	require.Contains(t, m.src, "v: 2")
	return m
}

// The direct upload's result carries the fields Cloudflare returns.
func TestContractUploadResult(t *testing.T) {
	s := sharedServer(t)
	res := mustUpload(t, s, "contract-upload", counterMeta("", "v1"), seedModule(t, "counter.js"))
	assert.Equal(t, "contract-upload", res.ID)
	assert.Len(t, res.Etag, 64)
	assert.False(t, res.CreatedOn.IsZero())
	assert.False(t, res.ModifiedOn.IsZero())
	assert.False(t, res.JSON.StartupTimeMs.IsNull(), "startup_time_ms")
	var deploymentID string
	require.NoError(t, json.Unmarshal([]byte(res.JSON.ExtraFields["deployment_id"].Raw()), &deploymentID), "deployment_id")
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, deploymentID)
	assert.True(t, res.HasModules)

	deps, err := newClient(s).Workers.Scripts.Deployments.Get(ctxT(t), "contract-upload",
		workers.ScriptDeploymentGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	require.Len(t, deps.Deployments, 1)
	assert.Equal(t, deploymentID, deps.Deployments[0].ID, "the upload's deployment is the one listed")
	require.Len(t, deps.Deployments[0].Versions, 1)
	assert.Equal(t, 100.0, deps.Deployments[0].Versions[0].Percentage)
}

// Versions: upload (immutable, not deployed), list, get; migrations refused with 10211.
func TestContractVersions(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-versions"
	mustUpload(t, s, name, counterMeta("", "v1"), seedModule(t, "counter.js"))
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
	assert.Equal(t, seedDate, v.Resources.ScriptRuntime.CompatibilityDate)
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
	requireCode(t, err, codeVersionMigrations, "migrations")

	_, err = c.Workers.Scripts.Versions.Get(ctxT(t), name, "00000000-0000-4000-8000-000000000000", workers.ScriptVersionGetParams{AccountID: acct})
	require.Error(t, err)

	// A version that drops an existing class is refused like an upload (10064).
	noClass := module{name: "index.js", src: "export default { fetch() { return new Response('x') } }"}
	_, err = uploadVersion(t, s, name, meta(nil), noClass)
	requireCode(t, err, rules.CodeNotExported, "Counter")
}

// Deployments: one version at 100%, or two adding up to 100; anything else refused.
func TestContractDeployments(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-deploys"
	mustUpload(t, s, name, counterMeta("", "v1"), seedModule(t, "counter.js"))
	v2, err := uploadVersion(t, s, name, meta(map[string]any{"bindings": []any{doBinding("COUNTER", "Counter")}}), counterV2(t))
	require.NoError(t, err)
	deps, err := newClient(s).Workers.Scripts.Deployments.Get(ctxT(t), name, workers.ScriptDeploymentGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	v1 := deps.Deployments[0].Versions[0].VersionID

	for _, bad := range [][]workers.ScriptDeploymentNewParamsVersion{
		{at(v1, 50)},                                      // does not add up to 100
		{at(v1, 50), at(v1, 50)},                          // the same version twice
		{at(v1, 40), at(v2.ID, 30), at(v1, 30)},           // three versions
		{at("00000000-0000-4000-8000-000000000000", 100)}, // unknown version
	} {
		_, err := deployVersions(t, s, name, bad...)
		requireCode(t, err, codeValidation, "")
	}

	d, err := deployVersions(t, s, name, at(v2.ID, 30), at(v1, 70))
	require.NoError(t, err)
	assert.Equal(t, workers.ScriptDeploymentNewResponseStrategyPercentage, d.Strategy)
	assert.NotEmpty(t, d.ID)
	assert.NotEmpty(t, d.CreatedOn)
	assert.Equal(t, authorEmail, d.AuthorEmail)
	require.Len(t, d.Versions, 2)

	deps, err = newClient(s).Workers.Scripts.Deployments.Get(ctxT(t), name, workers.ScriptDeploymentGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	require.Len(t, deps.Deployments, 2)
	assert.Equal(t, d.ID, deps.Deployments[0].ID, "newest first")
	assert.Equal(t, 30.0, deps.Deployments[0].Versions[0].Percentage)
}

// Script settings and settings: read, patch, and the patch shows in both.
func TestContractSettings(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-settings"
	mustUpload(t, s, name, meta(map[string]any{"bindings": []any{
		map[string]any{"type": "plain_text", "name": "GREETING", "text": "hi"},
		map[string]any{"type": "secret_text", "name": "KEY", "text": "s3cret"},
	}}), module{name: "index.js", src: "export default { fetch(r, env) { return new Response(env.GREETING + ':' + env.KEY) } }"})
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

// References: the other scripts' bindings to this script's classes.
func TestContractReferences(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "contract-refs-host", counterMeta("", "v1"), seedModule(t, "counter.js"))
	mustUpload(t, s, "contract-refs-user", meta(map[string]any{"bindings": []any{
		map[string]any{"type": "durable_object_namespace", "name": "C", "class_name": "Counter", "script_name": "contract-refs-host"},
	}}), module{name: "index.js", src: "export default { fetch() { return new Response('x') } }"})
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/contract-refs-host/references", s.Token(), "", nil)
	require.Equal(t, 200, r.Status)
	var refs []referenceJSON
	require.NoError(t, json.Unmarshal(r.field(t, "durable_objects"), &refs))
	require.Len(t, refs, 1)
	assert.Equal(t, "contract-refs-user", refs[0].ScriptName)
	assert.Equal(t, "Counter", refs[0].ClassName)
	assert.Equal(t, "contract-refs-host_Counter", refs[0].NamespaceName)
	assert.Len(t, refs[0].NamespaceID, 32)
}

// Content: new code, same bindings, a new version deployed.
func TestContractContent(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-content"
	first := mustUpload(t, s, name, counterMeta("", "v1"), seedModule(t, "counter.js"))
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

// Services: GET describes the script as a service; DELETE (?force) deletes it.
func TestContractServices(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-service"
	mustUpload(t, s, name, counterMeta("", "v1"), seedModule(t, "counter.js"))
	path := "/accounts/" + s.AccountID() + "/workers/services/" + name
	r := raw(t, s, "GET", path, s.Token(), "", nil)
	require.Equal(t, 200, r.Status)
	var svc serviceJSON
	require.NoError(t, json.Unmarshal(r.Result, &svc))
	assert.Equal(t, name, svc.ID)
	assert.Equal(t, "production", svc.DefaultEnvironment.Environment)
	assert.Len(t, svc.DefaultEnvironment.ScriptTag, 32)
	require.NotNil(t, svc.DefaultEnvironment.Script)
	assert.Equal(t, name, svc.DefaultEnvironment.Script.ID)

	r = raw(t, s, "DELETE", path, s.Token(), "", nil)
	assert.Equal(t, 400, r.Status, "a script hosting Durable Objects needs force")
	r = raw(t, s, "DELETE", path+"?force=true", s.Token(), "", nil)
	require.Equal(t, 200, r.Status, "errors: %v", r.Errors)
	assert.NotContains(t, s.Scripts(), name)
	r = raw(t, s, "GET", path, s.Token(), "", nil)
	assert.Equal(t, 404, r.Status)
	assert.Equal(t, codeScriptNotFound, r.code())
}

// Every {name} path answers 404 10007 for a script that does not exist.
func TestContractNotFoundOnEveryScriptPath(t *testing.T) {
	s := sharedServer(t)
	const missing = "contract-missing"
	base := "/accounts/" + s.AccountID() + "/workers/"
	ct, body := multipartBody(t, meta(nil), module{name: "index.js", src: "export default {}"})
	for _, c := range []struct {
		method, path, contentType string
		body                      []byte
	}{
		{"GET", base + "services/" + missing, "", nil},
		{"DELETE", base + "services/" + missing, "", nil},
		{"DELETE", base + "scripts/" + missing, "", nil},
		{"GET", base + "scripts/" + missing + "/settings", "", nil},
		{"PATCH", base + "scripts/" + missing + "/settings", "application/json", []byte(`{"settings":{"logpush":true}}`)},
		{"GET", base + "scripts/" + missing + "/script-settings", "", nil},
		{"PATCH", base + "scripts/" + missing + "/script-settings", "application/json", []byte(`{"logpush":true}`)},
		{"GET", base + "scripts/" + missing + "/versions", "", nil},
		{"GET", base + "scripts/" + missing + "/versions/00000000-0000-4000-8000-000000000000", "", nil},
		{"POST", base + "scripts/" + missing + "/versions", ct, body},
		{"GET", base + "scripts/" + missing + "/deployments", "", nil},
		{"POST", base + "scripts/" + missing + "/deployments", "application/json",
			[]byte(`{"strategy":"percentage","versions":[{"version_id":"00000000-0000-4000-8000-000000000000","percentage":100}]}`)},
		{"GET", base + "scripts/" + missing + "/references", "", nil},
		{"PUT", base + "scripts/" + missing + "/content", ct, body},
		{"GET", base + "scripts/" + missing + "/subdomain", "", nil},
		{"POST", base + "scripts/" + missing + "/subdomain", "application/json", []byte(`{"enabled":true}`)},
	} {
		r := raw(t, s, c.method, c.path, s.Token(), c.contentType, c.body)
		assert.Equal(t, http.StatusNotFound, r.Status, "%s %s", c.method, c.path)
		assert.Equal(t, codeScriptNotFound, r.code(), "%s %s: %v", c.method, c.path, r.Errors)
	}
}

// Identity: user, token verification (user and account tokens), memberships, accounts.
func TestContractIdentity(t *testing.T) {
	s := sharedServer(t)
	c := newClient(s)
	u, err := c.User.Get(ctxT(t))
	require.NoError(t, err)
	assert.Len(t, u.ID, 32)

	v, err := c.User.Tokens.Verify(ctxT(t))
	require.NoError(t, err)
	assert.Equal(t, "active", string(v.Status))
	av, err := c.Accounts.Tokens.Verify(ctxT(t), accounts.TokenVerifyParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, "active", string(av.Status))
	assert.Equal(t, v.ID, av.ID)

	ms, err := c.Memberships.List(ctxT(t), memberships.MembershipListParams{})
	require.NoError(t, err)
	require.Len(t, ms.Result, 1)
	assert.Equal(t, s.AccountID(), ms.Result[0].Account.ID)
	assert.Equal(t, "accepted", string(ms.Result[0].Status))

	accts, err := c.Accounts.List(ctxT(t), accounts.AccountListParams{})
	require.NoError(t, err)
	require.Len(t, accts.Result, 1)
	assert.Equal(t, s.AccountID(), accts.Result[0].ID)
	one, err := c.Accounts.Get(ctxT(t), accounts.AccountGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, accountName, one.Name)

	// A wrong token on the verify endpoints is "Invalid API Token" (1000), like Cloudflare.
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/tokens/verify", "wrong", "", nil)
	assert.Equal(t, http.StatusUnauthorized, r.Status)
	assert.Equal(t, codeInvalidToken, r.code())
}
