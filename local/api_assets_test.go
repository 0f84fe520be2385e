package local

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assetsWorker answers what the assets do not; /binding/<path> reads <path> through env.ASSETS.
const assetsWorker = `export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/binding/")) {
      return env.ASSETS.fetch(new Request(new URL(url.pathname.slice("/binding".length), url)));
    }
    return new Response("worker " + url.pathname);
  },
};
`

// uploadAssets runs an upload session for files (path -> content) and returns the completion
// token and the number of files the session asked for.
func uploadAssets(t *testing.T, s *Server, script string, files map[string]string, hashes map[string]string) (string, int) {
	t.Helper()
	manifest := map[string]any{}
	for p, c := range files {
		manifest[p] = map[string]any{"hash": hashes[p], "size": len(c)}
	}
	body, _ := json.Marshal(map[string]any{"manifest": manifest})
	res := raw(t, s, "POST", "/accounts/"+s.AccountID()+"/workers/scripts/"+script+"/assets-upload-session", s.Token(), "application/json", body)
	require.True(t, res.Success, "%+v", res.Errors)
	var sess struct {
		JWT     string     `json:"jwt"`
		Buckets [][]string `json:"buckets"`
	}
	require.NoError(t, json.Unmarshal(res.Result, &sess))
	byHash := map[string]string{}
	for p, h := range hashes {
		byHash[h] = files[p]
	}
	completion, sent := sess.JWT, 0
	for _, bucket := range sess.Buckets {
		var buf bytes.Buffer
		w := multipart.NewWriter(&buf)
		for _, h := range bucket {
			hdr := textproto.MIMEHeader{}
			hdr.Set("Content-Disposition", `form-data; name="`+h+`"; filename="`+h+`"`)
			hdr.Set("Content-Type", "text/html")
			part, err := w.CreatePart(hdr)
			require.NoError(t, err)
			_, err = part.Write([]byte(base64.StdEncoding.EncodeToString([]byte(byHash[h]))))
			require.NoError(t, err)
			sent++
		}
		w.Close()
		up := raw(t, s, "POST", "/accounts/"+s.AccountID()+"/workers/assets/upload?base64=true", sess.JWT, w.FormDataContentType(), buf.Bytes())
		require.True(t, up.Success, "%+v", up.Errors)
		var done struct {
			JWT string `json:"jwt"`
		}
		require.NoError(t, json.Unmarshal(up.Result, &done))
		if done.JWT != "" {
			completion = done.JWT
		}
	}
	return completion, sent
}

func getPage(t *testing.T, url string, header map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "GET", url, nil)
	require.NoError(t, err)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	var b bytes.Buffer
	_, err = b.ReadFrom(res.Body)
	require.NoError(t, err)
	return res.StatusCode, b.String()
}

// TestAssetsServedAndPersisted: assets are served before the Worker, unmatched paths reach it,
// a single-page application's navigations get index.html, env.ASSETS applies not-found
// handling, run_worker_first hands every request to the Worker, and a restart keeps it all.
func TestAssetsServedAndPersisted(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	files := map[string]string{"/index.html": "<h1>app</h1>", "/404.html": "gone"}
	hashes := map[string]string{"/index.html": strings.Repeat("a", 32), "/404.html": strings.Repeat("b", 32)}
	jwt, sent := uploadAssets(t, s, "spa", files, hashes)
	assert.Equal(t, 2, sent)
	assert.Equal(t, 2, s.Calls()[CallAssetFile])

	md := meta(map[string]any{
		"bindings": []map[string]any{{"type": "assets", "name": "ASSETS"}},
		"assets":   map[string]any{"jwt": jwt, "config": map[string]any{"not_found_handling": "single-page-application"}},
	})
	mustUpload(t, s, "spa", md, module{Name: "index.js", Src: assetsWorker})
	url := enableWorkersDev(t, s, "spa")

	status, body := getPage(t, url+"/", nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, "<h1>app</h1>", body)
	_, body = getPage(t, url+"/api/users", nil)
	assert.Equal(t, "worker /api/users", body, "unmatched paths reach the Worker")
	_, body = getPage(t, url+"/settings", map[string]string{"Sec-Fetch-Mode": "navigate"})
	assert.Equal(t, "<h1>app</h1>", body, "a navigation of a single-page application gets index.html")
	status, body = getPage(t, url+"/binding/deep/route", nil)
	assert.Equal(t, 200, status)
	assert.Equal(t, "<h1>app</h1>", body, "env.ASSETS applies not_found_handling")

	// A new session for the same files sends nothing; the same manifest comes back.
	// Restart: the files, the manifest and the script's config are in the state directory.
	require.NoError(t, s.Close())
	s = startServer(t, dir, Options{})
	url = enableWorkersDev(t, s, "spa")
	_, body = getPage(t, url+"/", nil)
	assert.Equal(t, "<h1>app</h1>", body, "served after a restart")

	// A new session for the same files sends nothing: the files were kept.
	jwt2, sent := uploadAssets(t, s, "spa", files, hashes)
	assert.Equal(t, 0, sent)
	assert.Equal(t, 0, s.Calls()[CallAssetsUpload])

	// run_worker_first: the Worker answers everything, and still reaches the assets.
	md["assets"] = map[string]any{"jwt": jwt2, "config": map[string]any{"run_worker_first": true, "not_found_handling": "404-page"}}
	mustUpload(t, s, "spa", md, module{Name: "index.js", Src: assetsWorker})
	_, body = getPage(t, url+"/", nil)
	assert.Equal(t, "worker /", body)
	status, body = getPage(t, url+"/binding/missing", nil)
	assert.Equal(t, 404, status)
	assert.Equal(t, "gone", body, "404-page through the binding")
}

// TestAssetsBindingNeedsAssets: an assets binding without assets in the upload is refused.
func TestAssetsBindingNeedsAssets(t *testing.T) {
	s := sharedServer(t)
	md := meta(map[string]any{"bindings": []map[string]any{{"type": "assets", "name": "ASSETS"}}})
	_, err := putScript(t, s, "assets-missing", md, module{Name: "index.js", Src: assetsWorker})
	requireCode(t, err, envelope.CodeValidation, "binding of type assets needs assets")
}

// TestAssetsFollowVersions: a versions upload carries its own assets, served once a deployment
// makes it the script's version, and a deployment back to the old version serves the old assets.
func TestAssetsFollowVersions(t *testing.T) {
	s := sharedServer(t)
	const name = "assets-versions"
	jwt1, _ := uploadAssets(t, s, name, map[string]string{"/index.html": "one"}, map[string]string{"/index.html": strings.Repeat("c", 32)})
	mustUpload(t, s, name, meta(map[string]any{"assets": map[string]any{"jwt": jwt1}}), module{Name: "index.js", Src: assetsWorker})
	url := enableWorkersDev(t, s, name)
	_, body := getPage(t, url+"/", nil)
	require.Equal(t, "one", body)
	first := s.ledger.Load().Scripts[name].Versions[0].ID

	jwt2, _ := uploadAssets(t, s, name, map[string]string{"/index.html": "two"}, map[string]string{"/index.html": strings.Repeat("d", 32)})
	v2, err := uploadVersion(t, s, name, meta(map[string]any{"assets": map[string]any{"jwt": jwt2}}), module{Name: "index.js", Src: assetsWorker})
	require.NoError(t, err)
	_, body = getPage(t, url+"/", nil)
	assert.Equal(t, "one", body, "an uploaded version is not served before it is deployed")

	_, err = deployVersions(t, s, name, at(v2.ID, 100))
	require.NoError(t, err)
	_, body = getPage(t, url+"/", nil)
	assert.Equal(t, "two", body, "the deployed version's assets")

	_, err = deployVersions(t, s, name, at(first, 100))
	require.NoError(t, err)
	_, body = getPage(t, url+"/", nil)
	assert.Equal(t, "one", body, "back to the first version, back to its assets")
}

// TestAssetsFollowSplitDeployment: in a deployment split between two versions, each request is
// served by one version, its assets and its Worker alike: the new version's own assets, not the
// primary's.
func TestAssetsFollowSplitDeployment(t *testing.T) {
	s := sharedServer(t)
	const name = "assets-split"
	worker := func(label string) module {
		return module{Name: "index.js", Src: `export default { async fetch(request) {
  return new Response("worker ` + label + ` " + new URL(request.url).pathname);
} };`}
	}
	jwt1, _ := uploadAssets(t, s, name, map[string]string{"/index.html": "one"}, map[string]string{"/index.html": strings.Repeat("e", 32)})
	mustUpload(t, s, name, meta(map[string]any{"assets": map[string]any{"jwt": jwt1}}), worker("one"))
	url := enableWorkersDev(t, s, name)
	first := s.ledger.Load().Scripts[name].Versions[0].ID

	jwt2, _ := uploadAssets(t, s, name, map[string]string{"/index.html": "two", "/new.html": "new"},
		map[string]string{"/index.html": strings.Repeat("f", 32), "/new.html": strings.Repeat("0", 32)})
	v2, err := uploadVersion(t, s, name, meta(map[string]any{"assets": map[string]any{"jwt": jwt2}}), worker("two"))
	require.NoError(t, err)
	_, err = deployVersions(t, s, name, at(first, 50), at(v2.ID, 50))
	require.NoError(t, err)

	// 100 requests a path: at 50% each, both versions answer (a miss has probability 2^-99).
	seen := func(path string) map[string]int {
		out := map[string]int{}
		for range 100 {
			status, body := getPage(t, url+path, nil)
			require.Equal(t, http.StatusOK, status, body)
			out[body]++
		}
		return out
	}
	index := seen("/")
	assert.Len(t, index, 2, "each version serves its own index.html: %v", index)
	assert.Positive(t, index["one"], "%v", index)
	assert.Positive(t, index["two"], "%v", index)

	// /new (new.html) exists only in the new version: it answers it from its assets, and the old
	// version's Worker answers the rest; the new version's Worker never sees it.
	fresh := seen("/new")
	assert.Len(t, fresh, 2, "%v", fresh)
	assert.Positive(t, fresh["new"], "%v", fresh)
	assert.Positive(t, fresh["worker one /new"], "%v", fresh)
}
