package local

import (
	"encoding/json"
	"testing"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/scripts"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Services: GET describes the script as a service; DELETE (?force) deletes it.
func TestContractServices(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-service"
	mustUpload(t, s, name, counterMeta("", "v1"), workerModule(t, "counter.js"))
	path := "/accounts/" + s.AccountID() + "/workers/services/" + name
	r := raw(t, s, "GET", path, s.Token(), "", nil)
	require.Equal(t, 200, r.Status)
	var svc scripts.ServiceJSON
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
	assert.Equal(t, envelope.CodeScriptNotFound, r.code())
}
