package local

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/envelope"
)

// Paged lists answer the page asked for, with result_info saying how many there are, and an
// empty page past the end: a client that pages (wrangler stops when page * per_page >=
// total_count) always stops.
func TestListsPage(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	base := "/accounts/" + s.AccountID()
	for i := range 25 {
		r := raw(t, s, "POST", base+"/queues", s.Token(), "application/json", fmt.Appendf(nil, `{"queue_name":"q-%02d"}`, i))
		require.Equal(t, 200, r.Status, "%s", r.Body)
		r = raw(t, s, "POST", base+"/storage/kv/namespaces", s.Token(), "application/json", fmt.Appendf(nil, `{"title":"ns-%02d"}`, i))
		require.Equal(t, 200, r.Status, "%s", r.Body)
		r = raw(t, s, "POST", base+"/d1/database", s.Token(), "application/json", fmt.Appendf(nil, `{"name":"db-%02d"}`, i))
		require.Equal(t, 200, r.Status, "%s", r.Body)
	}
	fixtures := map[string]string{"/storage/kv/namespaces": "kv/namespace-list", "/d1/database": "d1/database-list"}
	for _, path := range []string{"/queues", "/storage/kv/namespaces", "/d1/database"} {
		var info envelope.ResultInfo
		var items []map[string]any
		r := raw(t, s, "GET", base+path+"?page=2&per_page=10", s.Token(), "", nil)
		require.Equal(t, 200, r.Status)
		require.NoError(t, json.Unmarshal(r.Result, &items))
		info = pageInfo(t, r)
		if f, ok := fixtures[path]; ok {
			family, endpoint, _ := strings.Cut(f, "/")
			shapetest.Check(t, family, endpoint, r.Body)
		}
		assert.Len(t, items, 10, path)
		assert.Equal(t, envelope.ResultInfo{Page: 2, PerPage: 10, Count: 10, TotalCount: 25, TotalPages: 3}, info, path)

		r = raw(t, s, "GET", base+path+"?page=3&per_page=10", s.Token(), "", nil)
		require.NoError(t, json.Unmarshal(r.Result, &items))
		assert.Len(t, items, 5, path)
		r = raw(t, s, "GET", base+path+"?page=4&per_page=10", s.Token(), "", nil)
		require.NoError(t, json.Unmarshal(r.Result, &items))
		assert.Empty(t, items, "%s: a page past the end is empty", path)
		r = raw(t, s, "GET", base+path, s.Token(), "", nil)
		require.NoError(t, json.Unmarshal(r.Result, &items))
		assert.Len(t, items, 20, "%s: 20 a page by default", path)
	}
}

func pageInfo(t *testing.T, r rawResponse) envelope.ResultInfo {
	t.Helper()
	var env struct {
		ResultInfo envelope.ResultInfo `json:"result_info"`
	}
	require.NoError(t, json.Unmarshal(r.Body, &env))
	return env.ResultInfo
}

// The queue list keeps only the queues `name` names (repeatable), and each queue carries its
// producers and consumers with their counts, in Cloudflare's shape.
func TestQueueListFiltersByNameAndCounts(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	base := "/accounts/" + s.AccountID()
	ids := map[string]string{}
	for _, n := range []string{"jobs", "jobs-dlq", "mail"} {
		r := raw(t, s, "POST", base+"/queues", s.Token(), "application/json", fmt.Appendf(nil, `{"queue_name":%q}`, n))
		require.Equal(t, 200, r.Status, "%s", r.Body)
		var q struct {
			ID string `json:"queue_id"`
		}
		require.NoError(t, json.Unmarshal(r.Result, &q))
		ids[n] = q.ID
	}
	mustUpload(t, s, "producer", meta(map[string]any{"bindings": []any{queueBinding("Q", "jobs")}}),
		module{Name: "index.js", Src: "export default { fetch() { return new Response('x') }, queue() {} }"})
	r := raw(t, s, "POST", base+"/queues/"+ids["jobs"]+"/consumers", s.Token(), "application/json",
		[]byte(`{"script_name":"producer","type":"worker","dead_letter_queue":"jobs-dlq","settings":{"batch_size":10}}`))
	require.Equal(t, 200, r.Status, "%s", r.Body)

	r = raw(t, s, "GET", base+"/queues?name=jobs", s.Token(), "", nil)
	require.Equal(t, 200, r.Status)
	shapetest.Check(t, "queues", "queue-list", r.Body)
	var list []struct {
		Name           string `json:"queue_name"`
		ProducersCount int    `json:"producers_total_count"`
		ConsumersCount int    `json:"consumers_total_count"`
	}
	require.NoError(t, json.Unmarshal(r.Result, &list))
	require.Len(t, list, 1, "only the queue named: %s", r.Result)
	assert.Equal(t, "jobs", list[0].Name)
	assert.Equal(t, 1, list[0].ProducersCount)
	assert.Equal(t, 1, list[0].ConsumersCount)

	r = raw(t, s, "GET", base+"/queues?name=mail&name=jobs-dlq", s.Token(), "", nil)
	require.NoError(t, json.Unmarshal(r.Result, &list))
	require.Len(t, list, 2)
	assert.Equal(t, "jobs-dlq", list[0].Name)
	assert.Equal(t, "mail", list[1].Name)
	assert.Zero(t, list[1].ProducersCount)
}

// The Durable Object namespace list, in Cloudflare's shape.
func TestNamespaceListShape(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "shape-ns-host", counterMeta("", "v1"), workerModule(t, "counter.js"))
	r := raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/durable_objects/namespaces?per_page=100", s.Token(), "", nil)
	require.Equal(t, 200, r.Status)
	shapetest.Check(t, "durable-objects", "namespace-list", r.Body)
	assert.Contains(t, string(r.Result), `"name":"shape-ns-host_Counter"`)
}
