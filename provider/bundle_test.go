package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/tail"
)

// With tail.SourceMapsEnv set (lumier dev sets it), the bundle's source map is kept under its
// code hash; the code is the same as without it.
func TestBundleEntryKeepsTheSourceMapForDev(t *testing.T) {
	src := t.TempDir()
	entry := filepath.Join(src, "index.ts")
	require.NoError(t, os.WriteFile(entry, []byte("export default { fetch() { throw new Error('x'); } };\n"), 0o644))
	plain, err := bundleEntry(ScriptArgs{Entry: entry})
	require.NoError(t, err)

	maps := filepath.Join(t.TempDir(), "sourcemaps")
	t.Setenv(tail.SourceMapsEnv, maps)
	b, err := bundleEntry(ScriptArgs{Entry: entry})
	require.NoError(t, err)
	assert.Equal(t, plain.Hash, b.Hash, "the code uploaded does not change")
	m, err := os.ReadFile(filepath.Join(maps, b.Hash+".map"))
	require.NoError(t, err)
	assert.True(t, strings.Contains(string(m), `"mappings"`), "a source map: %s", m)
	_, err = tail.ReadMapper(maps, b.Hash)
	assert.NoError(t, err)
}
