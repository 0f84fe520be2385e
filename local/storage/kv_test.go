package storage

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestKVNamespaces(t *testing.T) {
	db, _ := openTest(t)
	kv := db.KV()
	require.NoError(t, kv.CreateNamespace(KVNamespace{ID: "n2", Title: "zeta"}))
	require.NoError(t, kv.CreateNamespace(KVNamespace{ID: "n1", Title: "alpha"}))
	assert.ErrorIs(t, kv.CreateNamespace(KVNamespace{ID: "n3", Title: "alpha"}), ErrKVTitleTaken)
	assert.ErrorIs(t, kv.RenameNamespace("n2", "alpha"), ErrKVTitleTaken)
	assert.ErrorIs(t, kv.RenameNamespace("nope", "x"), ErrKVNamespaceMissing)
	require.NoError(t, kv.RenameNamespace("n2", "beta"))
	list, err := kv.Namespaces()
	require.NoError(t, err)
	assert.Equal(t, []KVNamespace{{"n1", "alpha"}, {"n2", "beta"}}, list, "sorted by title")

	require.NoError(t, kv.Put("n1", "k", KVEntry{Value: []byte("v")}))
	require.NoError(t, kv.DeleteNamespace("n1"))
	assert.ErrorIs(t, kv.DeleteNamespace("n1"), ErrKVNamespaceMissing)
	_, _, err = kv.Get("n1", "k", time.Now())
	assert.ErrorIs(t, err, ErrKVNamespaceMissing, "a deleted namespace's keys go with it")
	var n int
	require.NoError(t, db.sql.QueryRow("SELECT count(*) FROM kv_entries").Scan(&n))
	assert.Zero(t, n)
}

func TestKVEntries(t *testing.T) {
	db, _ := openTest(t)
	kv := db.KV()
	require.NoError(t, kv.CreateNamespace(KVNamespace{ID: "n", Title: "t"}))
	now := time.Unix(1_000_000, 0)

	assert.ErrorIs(t, kv.Put("missing", "k", KVEntry{}), ErrKVNamespaceMissing)
	require.NoError(t, kv.Put("n", "empty", KVEntry{}))
	e, ok, err := kv.Get("n", "empty", now)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, []byte{}, e.Value, "an empty value is a value")
	assert.Nil(t, e.Metadata)

	require.NoError(t, kv.Put("n", "k", KVEntry{Value: []byte("v1"), Metadata: json.RawMessage(`{"a":1}`)}))
	require.NoError(t, kv.Put("n", "k", KVEntry{Value: []byte("v2"), Expiration: now.Unix() + 10}))
	e, ok, err = kv.Get("n", "k", now)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, KVEntry{Value: []byte("v2"), Expiration: now.Unix() + 10}, e, "a put replaces value, metadata and expiration")
	_, ok, err = kv.Get("n", "k", now.Add(10*time.Second))
	require.NoError(t, err)
	assert.False(t, ok, "expired at its expiration")

	require.NoError(t, kv.PurgeExpired(now.Add(10*time.Second)))
	keys, _, err := kv.Keys("n", "", "", 10, now)
	require.NoError(t, err)
	assert.Equal(t, []KVKey{{Name: "empty"}}, keys, "purged")

	require.NoError(t, kv.Delete("n", "empty"))
	require.NoError(t, kv.Delete("n", "empty"), "deleting a missing key is not an error")
	assert.ErrorIs(t, kv.Delete("missing", "k"), ErrKVNamespaceMissing)
}

func TestKVKeysPagesInByteOrder(t *testing.T) {
	db, _ := openTest(t)
	kv := db.KV()
	require.NoError(t, kv.CreateNamespace(KVNamespace{ID: "n", Title: "t"}))
	now := time.Unix(1_000_000, 0)
	for _, k := range []string{"b", "a/2", "a/1", "a/\u00e9", "a/Z", "c"} {
		require.NoError(t, kv.Put("n", k, KVEntry{Value: []byte(k), Metadata: json.RawMessage(`{"k":"` + k + `"}`)}))
	}
	require.NoError(t, kv.Put("n", "a/0", KVEntry{Value: []byte("x"), Expiration: now.Unix()}))

	page, next, err := kv.Keys("n", "a/", "", 2, now)
	require.NoError(t, err)
	assert.Equal(t, []KVKey{{Name: "a/1", Metadata: json.RawMessage(`{"k":"a/1"}`)}, {Name: "a/2", Metadata: json.RawMessage(`{"k":"a/2"}`)}}, page,
		"the expired a/0 is not listed")
	assert.Equal(t, "a/2", next)
	page, next, err = kv.Keys("n", "a/", next, 2, now)
	require.NoError(t, err)
	assert.Equal(t, []string{"a/Z", "a/\u00e9"}, keyNames(page), "byte order: 'Z' < 'é'")
	assert.Empty(t, next, "the last page has no cursor")
	page, _, err = kv.Keys("n", "", "b", 10, now)
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, keyNames(page))
	_, _, err = kv.Keys("missing", "", "", 10, now)
	assert.ErrorIs(t, err, ErrKVNamespaceMissing)
}

func keyNames(keys []KVKey) []string {
	var out []string
	for _, k := range keys {
		out = append(out, k.Name)
	}
	return out
}
