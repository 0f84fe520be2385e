package cfapi_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

// assetsWorker answers every request the assets do not, and reads /about through env.ASSETS.
const assetsWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/via-binding") return env.ASSETS.fetch(new Request(new URL("/about", url)));
    if (url.pathname === "/missing-via-binding") return env.ASSETS.fetch(new Request(new URL("/nope", url)));
    return new Response("worker " + url.pathname);
  },
};
`

// startAssetsCloud starts a local Cloudflare for one test and a client of it.
func startAssetsCloud(t testing.TB) (*local.Server, *cfapi.Client, context.Context) {
	t.Helper()
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	return srv, cfapi.New(srv.URL(), srv.Token(), srv.AccountID()), ctx
}

func get(t *testing.T, url string) (int, string, http.Header) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	res, err := client.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b), res.Header
}

// TestAssetsUploadFlow runs the assets calls of the client against the local Cloudflare: a first
// sync sends every file, a second sends none, a changed file only itself; the script then serves
// its assets, falls through to the Worker for other paths, and env.ASSETS works.
func TestAssetsUploadFlow(t *testing.T) {
	srv, c, ctx := startAssetsCloud(t)

	files := map[string]string{"/index.html": "<h1>home</h1>", "/about.html": "<p>about</p>", "/app.js": "console.log(1)"}
	hashes := map[string]string{"/index.html": strings.Repeat("a", 32), "/about.html": strings.Repeat("b", 32), "/app.js": strings.Repeat("c", 32)}
	sync := func() (string, int) {
		manifest := map[string]cfapi.AssetEntry{}
		byHash := map[string]string{}
		for p, content := range files {
			manifest[p] = cfapi.AssetEntry{Hash: hashes[p], Size: int64(len(content))}
			byHash[hashes[p]] = p
		}
		jwt, sent, err := c.Assets.Sync(ctx, "site", manifest, func(hash string) (cfapi.AssetContent, error) {
			p := byHash[hash]
			ct := "text/html"
			if strings.HasSuffix(p, ".js") {
				ct = "text/javascript"
			}
			return cfapi.AssetContent{Content: []byte(files[p]), ContentType: ct}, nil
		})
		require.NoError(t, err)
		return jwt, sent
	}
	jwt, sent := sync()
	assert.Equal(t, 3, sent)
	assert.Equal(t, 3, srv.Calls()[local.CallAssetFile])

	on := true
	md := cfapi.Metadata{CompatibilityDate: "2025-11-17", Bindings: []cfapi.Binding{{Type: cfapi.BindingAssets, Name: "ASSETS"}},
		Assets: &cfapi.Assets{JWT: jwt, Config: &cfapi.AssetsConfig{NotFoundHandling: "404-page"}}}
	require.NoError(t, c.Scripts.Upload(ctx, "site", md, []cfapi.Module{{Name: "index.js", Content: []byte(assetsWorker)}}))
	set, err := c.Scripts.SetWorkersDev(ctx, "site", on)
	require.NoError(t, err)
	url, err := c.Scripts.URL(ctx, "site")
	require.NoError(t, err)
	assert.Equal(t, url, set, "the local Cloudflare's answer to turning workers.dev on carries the URL")

	status, body, h := get(t, url+"/")
	assert.Equal(t, 200, status)
	assert.Equal(t, "<h1>home</h1>", body)
	assert.Equal(t, "text/html", h.Get("Content-Type"))
	status, body, _ = get(t, url+"/about")
	assert.Equal(t, 200, status)
	assert.Equal(t, "<p>about</p>", body, "auto-trailing-slash serves /about.html at /about")
	status, _, h = get(t, url+"/about.html")
	assert.Equal(t, 307, status)
	assert.Equal(t, "/about", h.Get("Location"))
	status, body, _ = get(t, url+"/api/x")
	assert.Equal(t, 200, status)
	assert.Equal(t, "worker /api/x", body, "a path no asset matches reaches the Worker")
	_, body, _ = get(t, url+"/via-binding")
	assert.Equal(t, "<p>about</p>", body, "env.ASSETS.fetch")
	status, _, _ = get(t, url+"/missing-via-binding")
	assert.Equal(t, 404, status, "no 404.html: a plain 404 through the binding")

	// Nothing changed: the session asks for nothing.
	srv.ResetCalls()
	_, sent = sync()
	assert.Equal(t, 0, sent)
	assert.Equal(t, 0, srv.Calls()[local.CallAssetFile])
	assert.Equal(t, 0, srv.Calls()[local.CallAssetsUpload])

	// One file changed: only it is sent.
	files["/app.js"], hashes["/app.js"] = "console.log(2)", strings.Repeat("d", 32)
	srv.ResetCalls()
	_, sent = sync()
	assert.Equal(t, 1, sent)
	assert.Equal(t, 1, srv.Calls()[local.CallAssetFile])
}

// TestAssetsUploadRefusals: the upload takes the session's token only, and a script upload
// refuses a token no session completed.
func TestAssetsUploadRefusals(t *testing.T) {
	_, c, ctx := startAssetsCloud(t)

	_, err := c.Assets.Upload(ctx, "not-a-session", map[string]cfapi.AssetContent{strings.Repeat("a", 32): {Content: []byte("x")}})
	apiErr, ok := cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 401, apiErr.Status)

	_, err = c.Assets.UploadSession(ctx, "site", map[string]cfapi.AssetEntry{"no-slash": {Hash: strings.Repeat("a", 32), Size: 1}})
	require.ErrorContains(t, err, "must start with '/'")

	md := cfapi.Metadata{Assets: &cfapi.Assets{JWT: "forged"}}
	err = c.Scripts.Upload(ctx, "site", md, []cfapi.Module{{Name: "index.js", Content: []byte(assetsWorker)}})
	require.ErrorContains(t, err, "assets upload token is unknown or expired")
}
