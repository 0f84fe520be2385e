package storage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWriteFileReplacesAtomically(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "blob")
	require.NoError(t, WriteFile(path, []byte("one")))
	require.NoError(t, WriteFile(path, []byte("two")))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "two", string(b))
	info, err := os.Stat(path)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	entries, _ := os.ReadDir(dir)
	assert.Len(t, entries, 1, "no temp file is left")

	assert.ErrorContains(t, WriteFile(filepath.Join(dir, "missing", "blob"), nil), "creating a file in "+filepath.Join(dir, "missing"))
}

func TestBlobAbortAndRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	b, err := CreateBlob(dir, "obj")
	require.NoError(t, err)
	_, err = b.WriteString("partial")
	require.NoError(t, err)
	b.Abort()
	entries, _ := os.ReadDir(dir)
	assert.Empty(t, entries, "an aborted blob leaves nothing")

	// A crash leaves a temp file; RemoveTemps deletes it and only it.
	require.NoError(t, os.WriteFile(filepath.Join(dir, TempPrefix+"obj-1"), []byte("x"), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kept"), []byte("x"), 0o600))
	RemoveTemps(dir)
	entries, _ = os.ReadDir(dir)
	require.Len(t, entries, 1)
	assert.Equal(t, "kept", entries[0].Name())
}
