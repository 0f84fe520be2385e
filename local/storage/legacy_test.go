package storage

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordedV1 copies the state directory recorded with the JSON format (../testdata/state-v1)
// into a new directory.
func recordedV1(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS("../testdata/state-v1")))
	return dir
}

// TestImportLegacyJSON: a directory of format 1 is imported whole on first open, its JSON files
// move under ImportedDir with their paths, and the R2 bodies and D1 files stay where they are.
func TestImportLegacyJSON(t *testing.T) {
	dir := recordedV1(t)
	before := legacyFiles(dir)
	require.Len(t, before, 9, "the recording holds the account, 3 KV, 2 queue, 2 R2 and 1 D1 files: %v", before)

	db, err := Open(dir)
	require.NoError(t, err)
	defer db.Close()
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

	acct, ok, err := db.Account().Load()
	require.NoError(t, err)
	require.True(t, ok)
	assert.Contains(t, string(acct.Settings), `"subdomain":"lumier-local"`)
	assert.NotContains(t, string(acct.Settings), `"scripts"`, "scripts are rows of their own")
	require.Contains(t, acct.Scripts, "recorded")
	assert.Contains(t, string(acct.Scripts["recorded"]), `"main_module":"index.js"`)

	namespaces, err := db.KV().Namespaces()
	require.NoError(t, err)
	assert.Equal(t, []KVNamespace{{"9c6baf889c51f99b3e63064e35028a3e", "recorded-empty"}, {"879842fff325dc075d9c3f0a1ee1be1e", "recorded-kv"}}, namespaces)
	e, ok, err := db.KV().Get("879842fff325dc075d9c3f0a1ee1be1e", "later", now)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, KVEntry{Value: []byte(`{"value":"kept"}`), Expiration: 4102444800}, e)

	queues, err := db.Queues().List()
	require.NoError(t, err)
	require.Len(t, queues, 1)
	assert.Equal(t, "recorded-q", queues[0].Name)
	msgs, err := db.Queues().Messages(queues[0].ID)
	require.NoError(t, err)
	require.Len(t, msgs, 2)
	assert.Equal(t, QueueMessage{ID: "f821ead2de31772852767080edf4ed6f", Body: []byte(`{"n":1}`), ContentType: "json", Timestamp: 1796597832162}, msgs[0])

	doc, ok, err := db.R2().Object("recorded-r2", "dir/b.txt")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Contains(t, string(doc), `"version":"900e19fd7cb922191ad44cdc1b7bc826"`)
	assert.FileExists(t, filepath.Join(dir, "r2", "recorded-r2", "blobs", "900e19fd7cb922191ad44cdc1b7bc826"), "bodies stay in place")

	dbs, err := db.D1().List()
	require.NoError(t, err)
	require.Len(t, dbs, 1)
	assert.Equal(t, "recorded-db", dbs[0].Name)

	assert.Empty(t, legacyFiles(dir), "the JSON files are out of the way")
	for _, rel := range before {
		assert.FileExists(t, filepath.Join(dir, ImportedDir, rel), "kept aside")
	}
	assert.NoDirExists(t, filepath.Join(dir, "kv"))
}

// TestImportLegacyJSONOnce: JSON files found next to a set-up database (a start that crashed
// after the import, before the move) are moved aside, not imported again over newer data.
func TestImportLegacyJSONOnce(t *testing.T) {
	dir := recordedV1(t)
	db, err := Open(dir)
	require.NoError(t, err)
	const ns = "879842fff325dc075d9c3f0a1ee1be1e"
	require.NoError(t, db.KV().Put(ns, "later", KVEntry{Value: []byte("newer")}))
	require.NoError(t, db.Close())
	// The JSON files are back, as if not yet moved.
	moved := legacyFiles(filepath.Join(dir, ImportedDir))
	require.Len(t, moved, 9)
	for _, rel := range moved {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o700))
		require.NoError(t, os.Rename(filepath.Join(dir, ImportedDir, rel), filepath.Join(dir, rel)))
	}

	db, err = Open(dir)
	require.NoError(t, err)
	defer db.Close()
	e, ok, err := db.KV().Get(ns, "later", time.Now())
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "newer", string(e.Value), "not imported twice")
	assert.Empty(t, legacyFiles(dir))
}

// TestImportLegacyJSONRefusesDamage: a damaged file fails the open, naming it, and leaves the
// directory as it was: fixed, it imports.
func TestImportLegacyJSONRefusesDamage(t *testing.T) {
	dir := recordedV1(t)
	path := filepath.Join(dir, "queues", "queues.json")
	good, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, []byte("[{"), 0o600))
	_, err = Open(dir)
	require.ErrorContains(t, err, "importing the JSON state of "+dir+": "+path+" is corrupt")
	assert.Len(t, legacyFiles(dir), 9, "nothing moved")

	require.NoError(t, os.WriteFile(path, good, 0o600))
	db, err := Open(dir)
	require.NoError(t, err)
	defer db.Close()
	queues, err := db.Queues().List()
	require.NoError(t, err)
	assert.Len(t, queues, 1)
	_, ok, err := db.Account().Load()
	require.NoError(t, err)
	assert.True(t, ok)
}
