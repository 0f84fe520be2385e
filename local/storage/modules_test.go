package storage

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestModulesPutGetKeep(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "modules")
	m, err := OpenModules(dir)
	require.NoError(t, err)
	sha, err := m.Put([]byte("export default {}"))
	require.NoError(t, err)
	assert.Equal(t, "9aeb8d59b4d483ca6298e9a450fbf37dfd2b4c63990135ab1d040d76314087ec", sha, "named by the SHA-256 of the content")
	orphan, err := m.Put([]byte("export const unused = 1"))
	require.NoError(t, err)
	require.NoError(t, m.Keep(map[string]bool{sha: true}))
	assert.NoFileExists(t, filepath.Join(dir, orphan), "Keep removes what it is not told to keep")

	again, err := OpenModules(dir)
	require.NoError(t, err)
	b, err := again.Get(sha)
	require.NoError(t, err)
	assert.Equal(t, "export default {}", string(b))
	_, err = again.Get(orphan)
	assert.ErrorContains(t, err, "module "+orphan)
}

func TestModulesRefuseDamage(t *testing.T) {
	dir := t.TempDir()
	m, err := OpenModules(dir)
	require.NoError(t, err)
	sha, err := m.Put([]byte("x"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, sha), []byte("y"), 0o600))
	again, err := OpenModules(dir)
	require.NoError(t, err)
	_, err = again.Get(sha)
	assert.EqualError(t, err, "module "+sha+": content does not match its hash", "changed bytes are refused rather than run")
}
