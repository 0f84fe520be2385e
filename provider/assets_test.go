package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/assets"
	"github.com/lumier-dev/lumier/local"
)

// siteDir writes files (path -> content) into a new directory.
func siteDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
	}
	return dir
}

// withAssets adds an assets option to the counter's inputs.
func withAssets(t *testing.T, dir string, extra map[string]property.Value) map[string]property.Value {
	inputs := counterInputs(t)
	a := map[string]property.Value{"directory": property.New(dir)}
	for k, v := range extra {
		a[k] = v
	}
	inputs["assets"] = property.New(a)
	return inputs
}

func TestCheckRefusesMissingAssetsDirectory(t *testing.T) {
	s := newTestServer(t)
	missing := filepath.Join(t.TempDir(), "public")
	got := reasons(check(t, s, withAssets(t, missing, nil), nil))
	require.Len(t, got, 1)
	assert.Equal(t, "assets.directory: assets directory "+missing+" does not exist: create it, or set assets.directory "+
		"to the directory holding the static files (relative to the Pulumi project)", got[0])
}

func TestCheckRefusesTooManyAssetFiles(t *testing.T) {
	s := newTestServer(t)
	require.NoError(t, s.Configure(p.ConfigureRequest{Args: property.NewMap(map[string]property.Value{
		"workersPlan": property.New("free"),
		"apiToken":    property.New(testToken).WithSecret(true),
		"accountId":   property.New(testAccount),
	})}))
	dir := t.TempDir()
	// One file over the Workers Free limit, as empty files to keep the test fast.
	for i := range 20 {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, fmt.Sprint(i)), 0o755))
	}
	for i := 0; i <= assets.MaxFilesFree; i++ {
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprint(i%20), fmt.Sprintf("%05d.txt", i)), nil, 0o644))
	}
	inputs := withAssets(t, dir, nil)
	inputs["workersDev"] = property.New(false) // this server's API does not answer; only the file count is tested
	got := reasons(check(t, s, inputs, nil))
	require.Len(t, got, 1)
	assert.Equal(t, "assets.directory: assets directory "+dir+" holds 20001 files, over Cloudflare's limit of 20000 "+
		"files per Worker version on the Workers free plan: leave out files the site does not serve", got[0])
}

func TestCheckRefusesAssetOverFileSizeLimit(t *testing.T) {
	s := newTestServer(t)
	dir := siteDir(t, map[string]string{"index.html": "<h1>hi</h1>"})
	big := filepath.Join(dir, "video", "intro.mp4")
	require.NoError(t, os.MkdirAll(filepath.Dir(big), 0o755))
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(assets.MaxFileSize+1)) // sparse: no 25 MiB written
	require.NoError(t, f.Close())
	got := reasons(check(t, s, withAssets(t, dir, nil), nil))
	require.Len(t, got, 1)
	assert.Equal(t, "assets.directory: asset video/intro.mp4 ("+big+") is 25.0 MiB, over Cloudflare's limit of 25 MiB "+
		"per asset file: split it, or keep it in R2 instead", got[0])
}

func TestCheckRefusesBadAssetsOptions(t *testing.T) {
	s := newTestServer(t)
	dir := siteDir(t, map[string]string{"index.html": "x"})
	got := reasons(check(t, s, withAssets(t, dir, map[string]property.Value{
		"htmlHandling":     property.New("auto"),
		"notFoundHandling": property.New("spa"),
		"binding":          property.New("COUNTER"),
	}), nil))
	assert.Equal(t, []string{
		`assets.htmlHandling "auto" is not one of Cloudflare's: "auto-trailing-slash", "force-trailing-slash", "drop-trailing-slash", "none"`,
		`assets.notFoundHandling "spa" is not one of Cloudflare's: "none", "404-page", "single-page-application"`,
		`assets.binding: binding name "COUNTER" of the assets is also used by another binding: each env name must be unique, rename one of them`,
	}, got)
}

// TestAssetsLifecycle: the Script uploads its assets with the script and they are served; an
// unchanged directory is no diff and calls nothing; a changed file diffs and re-uploads only itself.
func TestAssetsLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	dir := siteDir(t, map[string]string{"index.html": "<h1>v1</h1>", "app.js": "1", "css/site.css": "body{}"})
	inputs := withAssets(t, dir, map[string]property.Value{"binding": property.New("ASSETS")})
	inputs["entry"] = property.New(copyCounter(t))
	urn := scriptURN("api")

	in := checked(t, s, inputs, nil)
	assert.NotEmpty(t, in.Get("assetsHash").AsString())
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in})
	require.NoError(t, err)
	assert.Equal(t, 3, srv.Calls()[local.CallAssetFile], "every file goes up the first time")
	url := created.Properties.Get("url").AsString()
	assert.Equal(t, "<h1>v1</h1>", request(t, "GET", url+"/"))
	assert.Equal(t, "body{}", request(t, "GET", url+"/css/site.css"))

	// Unchanged: no diff, no call.
	srv.ResetCalls()
	in2 := checked(t, s, inputs, inputs)
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in2, OldInputs: in})
	require.NoError(t, err)
	assert.False(t, diff.HasChanges, "an unchanged directory must not diff: %v", diff.DetailedDiff)
	assert.Zero(t, srv.Calls()[local.CallAssetsSession])

	// One file changed: the preview shows it, and only that file is sent.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>v2</h1>"), 0o644))
	in3 := checked(t, s, inputs, inputs)
	diff, err = s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in3, OldInputs: in})
	require.NoError(t, err)
	assert.Contains(t, diff.DetailedDiff, "assets")
	srv.ResetCalls()
	_, err = s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in3, OldInputs: in})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls()[local.CallAssetFile], "only the changed file is sent: %v", srv.Calls())
	assert.Equal(t, "<h1>v2</h1>", request(t, "GET", url+"/"))
}
