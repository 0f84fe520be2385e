package assets

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
)

var site = assetManifest{
	"/index.html":      {Hash: "h1", Size: 1},
	"/about.html":      {Hash: "h2", Size: 1},
	"/docs/index.html": {Hash: "h3", Size: 1},
	"/docs/404.html":   {Hash: "h4", Size: 1},
	"/404.html":        {Hash: "h5", Size: 1},
	"/logo.png":        {Hash: "h6", Size: 1},
}

func TestResolveAssetHTMLHandling(t *testing.T) {
	cases := []struct {
		html, path string
		want       assetMatch
	}{
		{htmlAutoTrailingSlash, "/", assetMatch{path: "/index.html"}},
		{htmlAutoTrailingSlash, "/index.html", assetMatch{redirect: "/"}},
		{htmlAutoTrailingSlash, "/about", assetMatch{path: "/about.html"}},
		{htmlAutoTrailingSlash, "/about.html", assetMatch{redirect: "/about"}},
		{htmlAutoTrailingSlash, "/about/", assetMatch{redirect: "/about"}},
		{htmlAutoTrailingSlash, "/docs/", assetMatch{path: "/docs/index.html"}},
		{htmlAutoTrailingSlash, "/docs", assetMatch{redirect: "/docs/"}},
		{htmlAutoTrailingSlash, "/docs/index.html", assetMatch{redirect: "/docs/"}},
		{htmlAutoTrailingSlash, "/logo.png", assetMatch{path: "/logo.png"}},
		{htmlAutoTrailingSlash, "/api/x", assetMatch{}},
		{htmlForceTrailingSlash, "/about", assetMatch{redirect: "/about/"}},
		{htmlForceTrailingSlash, "/about/", assetMatch{path: "/about.html"}},
		{htmlForceTrailingSlash, "/docs/", assetMatch{path: "/docs/index.html"}},
		{htmlDropTrailingSlash, "/docs/", assetMatch{redirect: "/docs"}},
		{htmlDropTrailingSlash, "/docs", assetMatch{path: "/docs/index.html"}},
		{htmlDropTrailingSlash, "/", assetMatch{path: "/index.html"}},
		{htmlNone, "/about", assetMatch{}},
		{htmlNone, "/about.html", assetMatch{path: "/about.html"}},
		{htmlNone, "/logo.png", assetMatch{path: "/logo.png"}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, resolveAsset(site, c.html, c.path), "%s %s", c.html, c.path)
	}
}

func TestNotFoundAsset(t *testing.T) {
	p, status := notFoundAsset(site, notFound404Page, "/docs/deep/page")
	assert.Equal(t, "/docs/404.html", p, "the nearest 404.html up the path")
	assert.Equal(t, http.StatusNotFound, status)
	p, _ = notFoundAsset(site, notFound404Page, "/other/page")
	assert.Equal(t, "/404.html", p)
	p, status = notFoundAsset(site, notFoundSPA, "/app/route")
	assert.Equal(t, "/index.html", p)
	assert.Equal(t, http.StatusOK, status)
	p, _ = notFoundAsset(site, notFoundNone, "/x")
	assert.Empty(t, p)
	p, _ = notFoundAsset(assetManifest{}, notFound404Page, "/x")
	assert.Empty(t, p, "no 404.html anywhere")
}

func TestCheckAssetsConfig(t *testing.T) {
	assert.Nil(t, checkAssetsConfig(account.AssetsConfig{}))
	assert.Nil(t, checkAssetsConfig(account.AssetsConfig{HTMLHandling: htmlNone, NotFoundHandling: notFoundSPA}))
	err := checkAssetsConfig(account.AssetsConfig{HTMLHandling: "sometimes"})
	require.NotNil(t, err)
	assert.Contains(t, err.Message, `html_handling "sometimes" is not one of`)
	err = checkAssetsConfig(account.AssetsConfig{NotFoundHandling: "spa"})
	require.NotNil(t, err)
	assert.Contains(t, err.Message, `not_found_handling "spa" is not one of`)
}

func TestServeAssetRequestWritesValidators(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	hash := "0123456789abcdef0123456789abcdef"
	token, buckets := a.startSession("site", assetManifest{"/index.html": {Hash: hash, Size: 2}})
	require.Equal(t, [][]string{{hash}}, buckets)
	_, err = a.put(token, hash, "text/html", []byte("hi"))
	require.NoError(t, err)
	m := assetManifest{"/index.html": {Hash: hash, Size: 2}}

	w := httptest.NewRecorder()
	require.True(t, a.serveAssetRequest(w, httptest.NewRequest("GET", "/", nil), m, account.AssetsConfig{}, false))
	assert.Equal(t, 200, w.Code)
	assert.Equal(t, "hi", w.Body.String())
	assert.Equal(t, `"`+hash+`"`, w.Header().Get("ETag"))

	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("If-None-Match", `"`+hash+`"`)
	w = httptest.NewRecorder()
	a.serveAssetRequest(w, r, m, account.AssetsConfig{}, false)
	assert.Equal(t, http.StatusNotModified, w.Code)

	w = httptest.NewRecorder()
	assert.False(t, a.serveAssetRequest(w, httptest.NewRequest("POST", "/", nil), m, account.AssetsConfig{}, false),
		"a POST goes on to the Worker")
	w = httptest.NewRecorder()
	assert.False(t, a.serveAssetRequest(w, httptest.NewRequest("GET", "/api", nil), m, account.AssetsConfig{}, false))
	w = httptest.NewRecorder()
	assert.True(t, a.serveAssetRequest(w, httptest.NewRequest("GET", "/api", nil), m, account.AssetsConfig{}, true))
	assert.Equal(t, 404, w.Code, "through the binding, a miss is answered 404")
}
