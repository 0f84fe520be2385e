package local

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A deploy tool's whole flow on a new script, the way such tools call the API: look the Worker
// up as a service, list deployments and scripts, read settings, upload with a migration, turn on
// workers.dev; then change the code through versions + deployments + script-settings; then
// delete through the service.
func TestDeployToolFlow(t *testing.T) {
	s := sharedServer(t)
	const name = "flow-tool"
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	svcPath := "/accounts/" + s.AccountID() + "/workers/services/" + name

	r := raw(t, s, "GET", svcPath, s.Token(), "", nil)
	require.Equal(t, http.StatusNotFound, r.Status)
	require.Equal(t, envelope.CodeScriptNotFound, r.code(), "a new script is not found by its service")
	_, err := c.Workers.Scripts.Deployments.Get(ctxT(t), name, workers.ScriptDeploymentGetParams{AccountID: acct})
	requireCode(t, err, envelope.CodeScriptNotFound, "")
	list, err := c.Workers.Scripts.List(ctxT(t), workers.ScriptListParams{AccountID: acct})
	require.NoError(t, err)
	for _, sc := range list.Result {
		require.NotEqual(t, name, sc.ID)
	}
	_, err = c.Workers.Scripts.ScriptAndVersionSettings.Get(ctxT(t), name, workers.ScriptScriptAndVersionSettingGetParams{AccountID: acct})
	requireCode(t, err, envelope.CodeScriptNotFound, "")

	mustUpload(t, s, name, counterMeta("", "v1"), workerModule(t, "counter.js"))
	sub, err := c.Workers.Scripts.Subdomain.Get(ctxT(t), name, workers.ScriptSubdomainGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.False(t, sub.Enabled)
	url := enableWorkersDev(t, s, name)
	_, got := call(t, "POST", url+"/room", "")
	assert.JSONEq(t, `{"count":1}`, got)
	_, got = call(t, "POST", url+"/room", "")
	assert.JSONEq(t, `{"count":2}`, got)

	// The code change: a version, a deployment of it at 100%, then script settings.
	v2, err := uploadVersion(t, s, name, meta(map[string]any{
		"bindings": []any{doBinding("COUNTER", "Counter")}, "annotations": map[string]string{"workers/message": "v2"},
	}), counterV2(t))
	require.NoError(t, err)
	_, got = call(t, "GET", url+"/room", "")
	assert.JSONEq(t, `{"count":2}`, got, "an uploaded version serves nothing until deployed")
	_, err = deployVersions(t, s, name, at(v2.ID, 100))
	require.NoError(t, err)
	_, err = c.Workers.Scripts.Settings.Edit(ctxT(t), name, workers.ScriptSettingEditParams{
		AccountID: acct, ScriptSetting: workers.ScriptSettingParam{Logpush: cloudflare.F(true)},
	})
	require.NoError(t, err)
	_, got = call(t, "POST", url+"/room", "")
	assert.JSONEq(t, `{"count":3,"v":2}`, got, "the new code answers and the Durable Object kept its data")

	svc := raw(t, s, "GET", svcPath, s.Token(), "", nil)
	require.Equal(t, http.StatusOK, svc.Status)
	r = raw(t, s, "DELETE", svcPath+"?force=true", s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status, "%v", r.Errors)
	r = raw(t, s, "GET", svcPath, s.Token(), "", nil)
	assert.Equal(t, envelope.CodeScriptNotFound, r.code(), "deleted")
	if res, err := http.Get(url + "/room"); err == nil {
		res.Body.Close()
		assert.NotEqual(t, http.StatusOK, res.StatusCode, "the Worker no longer answers")
	}
}

// A gradual rollout: version 2 at 50% answers about half of the requests; at 100%, all of them.
func TestGradualRollout(t *testing.T) {
	s := sharedServer(t)
	const name = "flow-rollout"
	mustUpload(t, s, name, counterMeta("", "v1"), workerModule(t, "counter.js"))
	url := enableWorkersDev(t, s, name)
	deps, err := newClient(s).Workers.Scripts.Deployments.Get(ctxT(t), name, workers.ScriptDeploymentGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	v1 := deps.Deployments[0].Versions[0].VersionID
	v2, err := uploadVersion(t, s, name, meta(map[string]any{"bindings": []any{doBinding("COUNTER", "Counter")}}), counterV2(t))
	require.NoError(t, err)

	count := func(n int) (newCode int, last int) {
		for i := 0; i < n; i++ {
			status, body := call(t, "POST", url+"/split", "")
			require.Equal(t, http.StatusOK, status, body)
			var out struct {
				Count int `json:"count"`
				V     int `json:"v"`
			}
			require.NoError(t, json.Unmarshal([]byte(body), &out), body)
			if out.V == 2 {
				newCode++
			}
			last = out.Count
		}
		return newCode, last
	}

	_, err = deployVersions(t, s, name, at(v2.ID, 50), at(v1, 50))
	require.NoError(t, err)
	n, last := count(200)
	assert.GreaterOrEqual(t, n, 60, "version 2 at 50%% answered %d of 200", n)
	assert.LessOrEqual(t, n, 140, "version 2 at 50%% answered %d of 200", n)
	assert.Equal(t, 200, last, "both versions share one Durable Object and its data")

	_, err = deployVersions(t, s, name, at(v2.ID, 100))
	require.NoError(t, err)
	n, last = count(20)
	assert.Equal(t, 20, n, "at 100%% every request gets version 2")
	assert.Equal(t, 220, last)
}

// Credentials are checked before routing: on every route, and on paths that match none, a
// missing or wrong token is Cloudflare's authentication error, never a 404.
func TestAuthBeforeRouting(t *testing.T) {
	s := sharedServer(t)
	a := "/accounts/" + s.AccountID()
	sc := a + "/workers/scripts/auth-any"
	routes := []string{
		"PUT " + sc, "GET " + a + "/workers/scripts", "GET " + sc + "/settings", "PATCH " + sc + "/settings",
		"DELETE " + sc, "GET " + a + "/workers/durable_objects/namespaces", "GET " + a + "/workers/subdomain",
		"PUT " + a + "/workers/subdomain", "GET " + sc + "/subdomain", "POST " + sc + "/subdomain", "DELETE " + sc + "/subdomain",
		"GET " + a + "/workers/services/auth-any", "DELETE " + a + "/workers/services/auth-any",
		"POST " + sc + "/versions", "GET " + sc + "/versions", "GET " + sc + "/versions/x",
		"GET " + sc + "/deployments", "POST " + sc + "/deployments", "GET " + sc + "/script-settings",
		"PATCH " + sc + "/script-settings", "GET " + sc + "/references", "PUT " + sc + "/content",
		"GET /user", "GET /accounts", "GET " + a, "GET /memberships",
		// No route at all: still an authentication error first.
		"GET /no/such/path", "POST " + a + "/workers/nothing", "GET " + sc + "/nothing",
	}
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		missing := raw(t, s, method, path, "", "", nil)
		assert.Equal(t, http.StatusBadRequest, missing.Status, "%s without a token", route)
		assert.Equal(t, envelope.CodeAuthMissing, missing.code(), "%s without a token", route)
		wrong := raw(t, s, method, path, "wrong-token", "", nil)
		assert.Equal(t, http.StatusForbidden, wrong.Status, "%s with a wrong token", route)
		assert.Equal(t, envelope.CodeAuthentication, wrong.code(), "%s with a wrong token", route)
	}
	for _, path := range []string{"/user/tokens/verify", a + "/tokens/verify"} {
		assert.Equal(t, envelope.CodeAuthMissing, raw(t, s, "GET", path, "", "", nil).code(), path)
		assert.Equal(t, envelope.CodeInvalidToken, raw(t, s, "GET", path, "wrong-token", "", nil).code(), path)
	}
	// Only with the right token does an unknown path get 7000.
	r := raw(t, s, "GET", "/no/such/path", s.Token(), "", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, envelope.CodeNoRoute, r.code())
}
