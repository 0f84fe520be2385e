package cfapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

// TestVersionsAndDeployments runs the versions flow of the client against the local
// Cloudflare: a version uploaded beside the deployed one, a 50/50 deployment read back, then
// 100%, and the tags patched through script-settings.
func TestVersionsAndDeployments(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	c := cfapi.New(srv.URL(), srv.Token(), srv.AccountID())

	code := func(v string) []cfapi.Module {
		return []cfapi.Module{{Name: "index.js", Content: []byte(`export default { fetch() { return new Response("` + v + `") } }`)}}
	}
	md := cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17", Tags: []string{"first"},
		Bindings: []cfapi.Binding{{Type: cfapi.BindingPlainText, Name: "STAGE", Text: "dev"}}}
	_, err = c.Scripts.UploadVersion(ctx, "app", md, code("v1"))
	assert.True(t, cfapi.IsNotFound(err), "a version of a script that does not exist: %v", err)
	require.NoError(t, c.Scripts.Upload(ctx, "app", md, code("v1")))
	first, err := c.Scripts.Deployment(ctx, "app")
	require.NoError(t, err)
	require.Len(t, first, 1, "a direct upload deploys one version")
	assert.Equal(t, 100.0, first[0].Percentage)

	v2, err := c.Scripts.UploadVersion(ctx, "app", md, code("v2"))
	require.NoError(t, err)
	assert.NotEqual(t, first[0].VersionID, v2)
	still, err := c.Scripts.Deployment(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, first, still, "an uploaded version is not deployed")

	half := []cfapi.VersionShare{{VersionID: v2, Percentage: 50}, {VersionID: first[0].VersionID, Percentage: 50}}
	require.NoError(t, c.Scripts.Deploy(ctx, "app", half))
	got, err := c.Scripts.Deployment(ctx, "app")
	require.NoError(t, err)
	assert.ElementsMatch(t, half, got)
	require.NoError(t, c.Scripts.Deploy(ctx, "app", []cfapi.VersionShare{{VersionID: v2, Percentage: 100}}))
	got, err = c.Scripts.Deployment(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, []cfapi.VersionShare{{VersionID: v2, Percentage: 100}}, got)

	err = c.Scripts.Deploy(ctx, "app", []cfapi.VersionShare{{VersionID: v2, Percentage: 60}})
	apiErr, ok := cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 10021, apiErr.Code, "shares that do not add up to 100")

	require.NoError(t, c.Scripts.PatchTags(ctx, "app", []string{"owner-tag"}))
	settings, err := c.Scripts.Settings(ctx, "app")
	require.NoError(t, err)
	assert.Equal(t, []string{"owner-tag"}, settings.Tags)
	assert.Equal(t, []cfapi.Binding{{Type: cfapi.BindingPlainText, Name: "STAGE", Text: "dev"}}, settings.Bindings,
		"the version's bindings are the script's")

	md.Migrations = &cfapi.Migration{NewTag: "v1"}
	_, err = c.Scripts.UploadVersion(ctx, "app", md, code("v3"))
	assert.ErrorContains(t, err, "cannot carry Durable Object migrations")
}
