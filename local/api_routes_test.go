package local

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The direct upload's result carries the fields Cloudflare returns.
func TestContractUploadResult(t *testing.T) {
	s := sharedServer(t)
	res := mustUpload(t, s, "contract-upload", counterMeta("", "v1"), workerModule(t, "counter.js"))
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

// Every {name} path answers 404 10007 for a script that does not exist.
func TestContractNotFoundOnEveryScriptPath(t *testing.T) {
	s := sharedServer(t)
	const missing = "contract-missing"
	base := "/accounts/" + s.AccountID() + "/workers/"
	ct, body := multipartBody(t, meta(nil), module{Name: "index.js", Src: "export default {}"})
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
		assert.Equal(t, envelope.CodeScriptNotFound, r.code(), "%s %s: %v", c.method, c.path, r.Errors)
	}
}
