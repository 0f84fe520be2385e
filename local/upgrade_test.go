package local

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/d1"
	"github.com/cloudflare/cloudflare-go/v4/kv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/storage"
)

// TestUpgradeFromJSONState: a state directory written by the JSON format (testdata/state-v1,
// recorded with the lumier before the storage engine) comes back whole: the script answers at
// its URL reading KV, R2 and D1 through its bindings, and the API finds the KV keys, the
// queue's undelivered messages, the R2 objects and the D1 rows. The JSON files are kept aside,
// and a second start reads the database alone.
func TestUpgradeFromJSONState(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/state-v1")))

	for start := range 2 {
		s := startServer(t, dir, Options{})
		c := newClient(s)
		acct := cloudflare.F(s.AccountID())
		assert.Equal(t, []string{"recorded"}, s.Scripts())

		url, ok := s.ScriptURL("recorded")
		require.True(t, ok, "workers.dev stays on")
		code, body := call(t, http.MethodGet, url+"/", "")
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"kv":"{\"metadata\":{\"v\":1},\"value\":\"hello\"}","r2":"alpha","d1":3}`, body,
			"start %d: the Worker reads what it read before the upgrade", start)

		const ns = "879842fff325dc075d9c3f0a1ee1be1e"
		keys, err := c.KV.Namespaces.Keys.List(ctxT(t), ns, kv.NamespaceKeyListParams{AccountID: acct})
		require.NoError(t, err)
		require.Len(t, keys.Result, 2)
		assert.Equal(t, "greeting", keys.Result[0].Name)
		assert.Equal(t, "later", keys.Result[1].Name)
		assert.Equal(t, float64(4102444800), keys.Result[1].Expiration)
		res, err := c.KV.Namespaces.Values.Get(ctxT(t), ns, "later", kv.NamespaceValueGetParams{AccountID: acct})
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		assert.Equal(t, `{"value":"kept"}`, string(b))

		assert.Equal(t, 2, backlog(t, s, "3ed4c3ee28b9899c636800b351abfa47"), "the queue's undelivered messages")

		r := raw(t, s, http.MethodGet, "/accounts/"+s.AccountID()+"/r2/buckets/recorded-r2/objects", s.Token(), "", nil)
		require.True(t, r.Success, "%+v", r)
		var objs []struct {
			Key string `json:"key"`
		}
		require.NoError(t, json.Unmarshal(r.Result, &objs))
		require.Len(t, objs, 2)
		assert.Equal(t, "a.txt", objs[0].Key)
		assert.Equal(t, "dir/b.txt", objs[1].Key)

		q, err := c.D1.Database.Query(ctxT(t), "5c65b3c1-f4e9-4b90-b6ca-757c2f17a053", d1.DatabaseQueryParams{AccountID: acct,
			Sql: cloudflare.F("SELECT body FROM notes ORDER BY id")})
		require.NoError(t, err)
		require.Len(t, q.Result, 1)
		assert.Equal(t, []any{map[string]any{"body": "one"}, map[string]any{"body": "two"}, map[string]any{"body": "three"}}, q.Result[0].Results)

		require.NoError(t, s.Close())
		assert.NoFileExists(t, filepath.Join(dir, "state.json"), "start %d: the JSON state is out of the way", start)
		assert.FileExists(t, filepath.Join(dir, storage.ImportedDir, "state.json"), "and kept aside")
		assert.FileExists(t, filepath.Join(dir, storage.ImportedDir, "kv", ns+".json"))
	}
}

// TestUpgradeFromFormat1Database: a state directory whose database has format 1
// (testdata/state-db1, the ports in the settings document) comes back whole, twice: the script
// answers at its old URL with its Durable Object's count, and a deleted script's name keeps its
// port, so recreated it answers at its old URL too.
func TestUpgradeFromFormat1Database(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("testdata/state-db1")))

	for start := range 2 {
		s := startServer(t, dir, Options{})
		url, ok := s.ScriptURL("recorded")
		require.True(t, ok, "workers.dev stays on")
		assert.Equal(t, "http://127.0.0.1:35368", url, "start %d: the recorded port", start)
		code, body := call(t, http.MethodGet, url+"/room", "")
		require.Equal(t, http.StatusOK, code, body)
		assert.JSONEq(t, `{"count":3}`, body, "start %d: the Durable Object's data", start)

		if start == 0 {
			mustUpload(t, s, "deleted", counterMeta("", "v1"), workerModule(t, "counter.js"))
			assert.Equal(t, "http://127.0.0.1:35369", enableWorkersDev(t, s, "deleted"),
				"a recreated script answers at its old URL")
		} else {
			again, ok := s.ScriptURL("deleted")
			require.True(t, ok)
			assert.Equal(t, "http://127.0.0.1:35369", again)
		}
		require.NoError(t, s.Close())
	}
}
