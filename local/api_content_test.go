package local

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/scripts"
)

// readContent reads GET .../content/v2 as wrangler's fetchWorkerDefinitionFromDash does: the
// cf-entrypoint header and one multipart part per module.
func readContent(t *testing.T, s *Server, name string) (entrypoint string, modules map[string]string) {
	t.Helper()
	res, err := newClient(s).Workers.Scripts.Content.Get(ctxT(t), name, workers.ScriptContentGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	defer res.Body.Close()
	mediaType, params, err := mime.ParseMediaType(res.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/form-data", mediaType)
	modules = map[string]string{}
	mr := multipart.NewReader(res.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		b, err := io.ReadAll(part)
		require.NoError(t, err)
		assert.Equal(t, scripts.ModuleContentType, part.Header.Get("Content-Type"))
		modules[part.FormName()] = string(b)
	}
	return res.Header.Get("cf-entrypoint"), modules
}

// GET .../content/v2 answers the modules the script serves; PUT .../content replaces them,
// keeping the bindings, and answers the script in Cloudflare's shape
// (workers/script-content-update).
func TestScriptContent(t *testing.T) {
	s := sharedServer(t)
	const name = "content-v2"
	lib := module{Name: "lib/greet.js", Src: "export const greet = (g) => g + '!'"}
	main := module{Name: "index.js", Src: "import { greet } from './lib/greet.js'\nexport default { fetch(r, env) { return new Response(greet(env.GREETING)) } }"}
	mustUpload(t, s, name, secretMeta(nil), main, lib)
	entry, modules := readContent(t, s, name)
	assert.Equal(t, "index.js", entry)
	assert.Equal(t, map[string]string{"index.js": main.Src, "lib/greet.js": lib.Src}, modules)

	edited := module{Name: "index.js", Src: "export default { fetch(r, env) { return new Response(env.GREETING + '?') } }"}
	ct, body := multipartBody(t, map[string]any{"main_module": "index.js"}, edited)
	r := raw(t, s, "PUT", "/accounts/"+s.AccountID()+"/workers/scripts/"+name+"/content", s.Token(), ct, body)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	shapetest.Check(t, "workers", "script-content-update", r.Body)
	entry, modules = readContent(t, s, name)
	assert.Equal(t, "index.js", entry)
	assert.Equal(t, map[string]string{"index.js": edited.Src}, modules)
	_, got := call(t, "GET", enableWorkersDev(t, s, name), "")
	assert.Equal(t, "hi?", got, "the new content runs with the kept bindings")

	req, err := http.NewRequestWithContext(ctxT(t), "GET", s.URL()+"/accounts/"+s.AccountID()+"/workers/services/"+name+"/environments/production/content/v2", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 200, res.StatusCode, "the services path wrangler init --from-dash reads")
	assert.Equal(t, "index.js", res.Header.Get("cf-entrypoint"))
	_, err = newClient(s).Workers.Scripts.Content.Get(ctxT(t), "no-such-script", workers.ScriptContentGetParams{AccountID: cloudflare.F(s.AccountID())})
	requireCode(t, err, envelope.CodeScriptNotFound, "does not exist")
}

// Versions and deployments say who made them as Cloudflare reports it: source and
// last_deployed_from "wrangler" for wrangler (by its User-Agent), "api" for other clients; the
// annotation workers/triggered_by "upload" for code, "secret" for a secret change
// (workers/deployment-list).
func TestDeployedFromAndAnnotations(t *testing.T) {
	s := sharedServer(t)
	const name = "deployed-from"
	acct := cloudflare.F(s.AccountID())
	base := "/accounts/" + s.AccountID() + "/workers/scripts/" + name
	ct, body := multipartBody(t, secretMeta(map[string]any{"annotations": map[string]string{"workers/message": "first", "workers/tag": "v1"}}), secretWorker)
	wrangler := newClient(s, option.WithHeader("User-Agent", "wrangler/4.50.0"))
	_, err := wrangler.Workers.Scripts.Update(ctxT(t), name, workers.ScriptUpdateParams{AccountID: acct}, option.WithRequestBody(ct, body))
	require.NoError(t, err)

	type deployment struct {
		Source      string            `json:"source"`
		Annotations map[string]string `json:"annotations"`
	}
	deployments := func() []deployment {
		r := raw(t, s, "GET", base+"/deployments", s.Token(), "", nil)
		require.Equal(t, 200, r.Status, "%s", r.Body)
		shapetest.Check(t, "workers", "deployment-list", r.Body)
		var out struct{ Deployments []deployment }
		require.NoError(t, json.Unmarshal(r.Result, &out))
		return out.Deployments
	}
	lastDeployedFrom := func() string {
		r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts", s.Token(), "", nil)
		var scripts []scripts.ScriptJSON
		require.NoError(t, json.Unmarshal(r.Result, &scripts))
		for _, sc := range scripts {
			if sc.ID == name {
				return sc.LastDeployedFrom
			}
		}
		t.Fatalf("script %s not listed", name)
		return ""
	}
	assert.Equal(t, deployment{Source: "wrangler", Annotations: map[string]string{"workers/triggered_by": "upload", "workers/message": "first"}}, deployments()[0],
		"a direct upload's deployment carries its metadata's message")
	assert.Equal(t, "wrangler", lastDeployedFrom())

	raw(t, s, "PUT", base+"/secrets", s.Token(), "application/json", []byte(`{"name":"API_KEY","text":"x","type":"secret_text"}`))
	assert.Equal(t, deployment{Source: "api", Annotations: map[string]string{"workers/triggered_by": "secret"}}, deployments()[0])
	assert.Equal(t, "api", lastDeployedFrom())

	v, err := uploadVersion(t, s, name, secretMeta(map[string]any{"annotations": map[string]string{"workers/message": "try", "workers/tag": "t1"}}), secretWorker)
	require.NoError(t, err)
	r := raw(t, s, "GET", base+"/versions/"+v.ID, s.Token(), "", nil)
	require.Equal(t, 200, r.Status, "%s", r.Body)
	assert.JSONEq(t, `{"workers/message":"try","workers/tag":"t1","workers/triggered_by":"upload"}`, string(r.field(t, "annotations")))
	var meta struct {
		Source string `json:"source"`
	}
	require.NoError(t, json.Unmarshal(r.field(t, "metadata"), &meta))
	assert.Equal(t, "api", meta.Source)
}
