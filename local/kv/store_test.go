package kv

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/local/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKVStoreSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db := storagetest.Open(t, dir)
	kv, err := Open(db)
	require.NoError(t, err)
	ns, err := kv.create("app-dev-cache")
	require.NoError(t, err)
	require.NoError(t, kv.put(ns.ID, "greeting", Entry{Value: []byte("hello"), Metadata: json.RawMessage(`{"v":1}`)}))
	_, err = kv.create("app-dev-cache")
	require.ErrorIs(t, err, errTitleTaken)

	require.NoError(t, db.Close())
	db = storagetest.Open(t, dir)
	again, err := Open(db)
	require.NoError(t, err)
	got, ok, err := again.read(ns.ID, "greeting")
	require.NoError(t, err)
	require.True(t, ok, "key kept across reopen")
	assert.Equal(t, "hello", string(got.Value))
	assert.JSONEq(t, `{"v":1}`, string(got.Metadata))
	assert.Equal(t, []Namespace{ns}, again.list())

	require.NoError(t, again.remove(ns.ID))
	require.NoError(t, db.Close())
	third, err := Open(storagetest.Open(t, dir))
	require.NoError(t, err)
	assert.Empty(t, third.list(), "a deleted namespace stays deleted")
	_, _, err = third.read(ns.ID, "greeting")
	assert.ErrorIs(t, err, errNamespaceMissing)
}

func TestKVStoreExpiresAndPages(t *testing.T) {
	kv, err := Open(storagetest.Open(t, t.TempDir()))
	require.NoError(t, err)
	now := time.Unix(1_000_000, 0)
	kv.now = func() time.Time { return now }
	ns, err := kv.create("pages")
	require.NoError(t, err)
	for _, k := range []string{"a1", "a2", "a3", "b1"} {
		require.NoError(t, kv.put(ns.ID, k, Entry{Value: []byte(k)}))
	}
	require.NoError(t, kv.put(ns.ID, "a0", Entry{Value: []byte("soon"), Expiration: now.Unix() + 60}))

	page, next, err := kv.keys(ns.ID, "a", "", 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"a0", "a1"}, names(page))
	page, next, err = kv.keys(ns.ID, "a", next, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"a2", "a3"}, names(page))
	assert.Empty(t, next, "last page has no cursor")

	now = now.Add(61 * time.Second)
	_, ok, err := kv.read(ns.ID, "a0")
	require.NoError(t, err)
	assert.False(t, ok, "expired key is gone")
}

func names(keys []Key) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Name)
	}
	return out
}
