package local

import (
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/identity"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Deployments: one version at 100%, or two adding up to 100; anything else refused.
func TestContractDeployments(t *testing.T) {
	s := sharedServer(t)
	const name = "contract-deploys"
	mustUpload(t, s, name, counterMeta("", "v1"), workerModule(t, "counter.js"))
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
		requireCode(t, err, envelope.CodeValidation, "")
	}

	d, err := deployVersions(t, s, name, at(v2.ID, 30), at(v1, 70))
	require.NoError(t, err)
	assert.Equal(t, workers.ScriptDeploymentNewResponseStrategyPercentage, d.Strategy)
	assert.NotEmpty(t, d.ID)
	assert.NotEmpty(t, d.CreatedOn)
	assert.Equal(t, identity.Email, d.AuthorEmail)
	require.Len(t, d.Versions, 2)

	deps, err = newClient(s).Workers.Scripts.Deployments.Get(ctxT(t), name, workers.ScriptDeploymentGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	require.Len(t, deps.Deployments, 2)
	assert.Equal(t, d.ID, deps.Deployments[0].ID, "newest first")
	assert.Equal(t, 30.0, deps.Deployments[0].Versions[0].Percentage)
}
