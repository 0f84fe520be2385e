package local

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/stretchr/testify/require"
)

// rawResponse is a v4 envelope read without cloudflare-go, for endpoints it has no method for.
type rawResponse struct {
	Status   int
	Success  bool               `json:"success"`
	Result   json.RawMessage    `json:"result"`
	Errors   []envelope.Message `json:"errors"`
	Messages []envelope.Message `json:"messages"`
	// Body is the whole answer, for comparing its shape with a fixture.
	Body []byte `json:"-"`
}

// raw calls the API over plain HTTP; token "" sends no Authorization header.
func raw(t testing.TB, s *Server, method, path, token, contentType string, body []byte) rawResponse {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), method, s.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	out := rawResponse{Status: res.StatusCode, Body: b}
	require.NoError(t, json.Unmarshal(b, &out), "envelope: %s", b)
	return out
}

func (r rawResponse) code() int {
	if len(r.Errors) == 0 {
		return 0
	}
	return r.Errors[0].Code
}

// field decodes one field of the result.
func (r rawResponse) field(t testing.TB, name string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(r.Result, &m), "result: %s", r.Result)
	return m[name]
}

// uploadVersion sends a versions upload with cloudflare-go: Versions.New types the metadata
// part only, so the multipart body with the modules is passed with option.WithRequestBody.
func uploadVersion(t testing.TB, s *Server, name string, md any, modules ...module) (*workers.ScriptVersionNewResponse, error) {
	t.Helper()
	ct, body := multipartBody(t, md, modules...)
	return newClient(s).Workers.Scripts.Versions.New(ctxT(t), name, workers.ScriptVersionNewParams{
		AccountID: cloudflare.F(s.AccountID()),
		Metadata:  cloudflare.F(workers.ScriptVersionNewParamsMetadata{MainModule: cloudflare.F("index.js")}),
	}, option.WithRequestBody(ct, body))
}

// deployVersions creates a deployment with cloudflare-go.
func deployVersions(t testing.TB, s *Server, name string, versions ...workers.ScriptDeploymentNewParamsVersion) (*workers.ScriptDeploymentNewResponse, error) {
	t.Helper()
	return newClient(s).Workers.Scripts.Deployments.New(ctxT(t), name, workers.ScriptDeploymentNewParams{
		AccountID: cloudflare.F(s.AccountID()),
		Strategy:  cloudflare.F(workers.ScriptDeploymentNewParamsStrategyPercentage),
		Versions:  cloudflare.F(versions),
	})
}

func at(versionID string, pct float64) workers.ScriptDeploymentNewParamsVersion {
	return workers.ScriptDeploymentNewParamsVersion{VersionID: cloudflare.F(versionID), Percentage: cloudflare.F(pct)}
}

// counterV2 is the counter with a visible change: its answers carry "v":2.
func counterV2(t testing.TB) module {
	m := workerModule(t, "counter.js")
	m.Src = strings.ReplaceAll(m.Src, "Response.json({ count: await stub.increment() })", "Response.json({ count: await stub.increment(), v: 2 })")
	m.Src = strings.ReplaceAll(m.Src, "Response.json({ count: await stub.getCount() })", "Response.json({ count: await stub.getCount(), v: 2 })")
	require.Contains(t, m.Src, "v: 2")
	return m
}
