package local

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/bindingkind"
	"github.com/lumier-dev/lumier/local/analytics"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/runtime"
	"github.com/lumier-dev/lumier/local/scripts"
)

const analyticsWriter = `export default {
  async fetch(request, env) {
    const n = Number(new URL(request.url).searchParams.get("n"));
    env.EVENTS.writeDataPoint({ blobs: ["/home", new TextEncoder().encode("GB"), new Uint8Array([255, 0, 1])], doubles: [n, 0.5], indexes: ["user-" + n] });
    return new Response("written");
  },
};
`

// readAnalytics is GET /__lumier/analytics/{dataset} with s's token.
func readAnalytics(t *testing.T, s *Server, dataset string) (int, []analytics.Point) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, "http://"+s.Addr()+"/__lumier/analytics/"+dataset, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+s.Token())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var env struct {
		Result []analytics.Point `json:"result"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&env))
	return resp.StatusCode, env.Result
}

// TestAnalyticsEngineBinding: a Worker's writeDataPoint calls (not awaited) reach the sink with
// the script and dataset, a binary blob byte for byte; they survive a restart of the local Cloudflare, the read is per
// dataset and needs the token; an upload without a dataset is refused.
func TestAnalyticsEngineBinding(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	binding := map[string]any{"type": "analytics_engine", "name": "EVENTS", "dataset": "page_views"}

	_, err := putScript(t, s, "writer", meta(map[string]any{"bindings": []any{map[string]any{"type": "analytics_engine", "name": "EVENTS"}}}),
		module{Name: "index.js", Src: analyticsWriter})
	requireCode(t, err, envelope.CodeValidation, "binding 'EVENTS' of type analytics_engine needs a dataset")

	mustUpload(t, s, "writer", meta(map[string]any{"bindings": []any{binding}}), module{Name: "index.js", Src: analyticsWriter})
	url := enableWorkersDev(t, s, "writer")
	for _, n := range []string{"1", "2"} {
		code, body := call(t, http.MethodGet, url+"?n="+n, "")
		require.Equal(t, http.StatusOK, code, body)
	}
	var points []analytics.Point
	require.Eventually(t, func() bool {
		_, points = readAnalytics(t, s, "page_views")
		return len(points) == 2
	}, 10*time.Second, 50*time.Millisecond, "two data points in the sink")
	slices.SortFunc(points, func(a, b analytics.Point) int { return int(a.Doubles[0] - b.Doubles[0]) })
	for i, p := range points {
		assert.Equal(t, "writer", p.Script)
		assert.Equal(t, "page_views", p.Dataset)
		assert.Equal(t, append([]float64{float64(i + 1), 0.5}, make([]float64, 18)...), p.Doubles, "double1..double20")
		assert.Equal(t, []string{"/home", "GB", "/wAB"}, p.Blobs, "bytes that are not UTF-8 in base64")
		assert.Equal(t, []string{"blob3"}, p.Base64)
		assert.Equal(t, fmt.Sprintf("user-%d", i+1), p.Index1)
		_, err := time.Parse(time.RFC3339Nano, p.Timestamp)
		assert.NoError(t, err)
	}
	_, other := readAnalytics(t, s, "other")
	assert.Empty(t, other)

	req, err := http.NewRequestWithContext(ctxT(t), http.MethodGet, "http://"+s.Addr()+"/__lumier/analytics/page_views", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "no token: refused as the API refuses it")

	require.NoError(t, s.Close())
	s = startServer(t, dir, Options{})
	_, points = readAnalytics(t, s, "page_views")
	assert.Len(t, points, 2, "the data points outlive a restart")
}

// TestEveryRegistryKindRuns: the local Cloudflare runs every binding type of the registry, and
// no other: a kind lumier can declare that the local Cloudflare refused would fail every test.
func TestEveryRegistryKindRuns(t *testing.T) {
	for _, k := range bindingkind.Kinds {
		assert.Contains(t, runtime.Kinds(), k.Type, "registry kind %q is not run (local/runtime's bindingKinds)", k.Type)
		assert.NotContains(t, scripts.CloudflareOnlyBindings, k.Type)
	}
	for _, typ := range runtime.Kinds() {
		_, ok := bindingkind.Lookup(typ)
		assert.True(t, ok, "bindingKinds runs %q, which the registry lacks", typ)
	}
}
