package storage

import (
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
	assert.EqualError(t, err, filepath.Join(dir, File)+" has format 99; this lumier reads format 1: upgrade lumier")
}
