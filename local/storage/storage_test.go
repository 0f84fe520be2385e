package storage

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// openTest opens the database of a new directory, closed when the test ends.
func openTest(t testing.TB) (*DB, string) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(dir)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db, dir
}

func TestOpenSetsUpOnceAndReopens(t *testing.T) {
	db, dir := openTest(t)
	require.NoError(t, db.KV().CreateNamespace(KVNamespace{ID: "n1", Title: "first"}))
	var mode string
	require.NoError(t, db.sql.QueryRow("PRAGMA journal_mode").Scan(&mode))
	assert.Equal(t, "wal", mode)
	require.NoError(t, db.Check())
	require.NoError(t, db.Close())
	require.NoError(t, db.Close(), "a second close does nothing")

	again, err := Open(dir)
	require.NoError(t, err)
	defer again.Close()
	list, err := again.KV().Namespaces()
	require.NoError(t, err)
	assert.Equal(t, []KVNamespace{{ID: "n1", Title: "first"}}, list, "a reopened database keeps its rows (not set up again)")
}

func TestOpenRefusesANewerFormat(t *testing.T) {
	db, dir := openTest(t)
	_, err := db.sql.Exec("PRAGMA user_version = 99")
	require.NoError(t, err)
	require.NoError(t, db.Close())
	_, err = Open(dir)
	assert.EqualError(t, err, filepath.Join(dir, File)+fmt.Sprintf(" has format 99; this lumier reads format %d: upgrade lumier", schemaVersion))
}

// A database of format 1 kept the ports in the settings document. Opened, it is upgraded in
// place: each port becomes a row, the document loses them and keeps the rest, and the other
// tables are as they were.
func TestOpenUpgradesFormat1(t *testing.T) {
	db, dir := openTest(t)
	_, err := db.sql.Exec(`DROP TABLE account_ports;
INSERT INTO account_settings (id, doc) VALUES (1, '{"version":1,"subdomain":"mine","namespaces":[{"id":"n"}],"ports":{"gone":8790,"kept":8788}}');
INSERT INTO account_scripts (name, doc) VALUES ('kept', '{"name":"kept","port":8788}');
INSERT INTO kv_namespaces (id, title) VALUES ('n1', 'first');
PRAGMA user_version = 1;`)
	require.NoError(t, err)
	got := reopenAccount(t, db, dir)
	assert.Equal(t, map[string]int{"gone": 8790, "kept": 8788}, got.Ports)
	assert.JSONEq(t, `{"version":1,"subdomain":"mine","namespaces":[{"id":"n"}]}`, string(got.Settings))
	assert.Equal(t, map[string][]byte{"kept": []byte(`{"name":"kept","port":8788}`)}, got.Scripts)
	again, err := Open(dir)
	require.NoError(t, err)
	defer again.Close()
	list, err := again.KV().Namespaces()
	require.NoError(t, err)
	assert.Equal(t, []KVNamespace{{ID: "n1", Title: "first"}}, list)
	var version int
	require.NoError(t, again.sql.QueryRow("PRAGMA user_version").Scan(&version))
	assert.Equal(t, schemaVersion, version)
}
