package provider

import (
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/bundle"
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

// The upload sends the code Check bundled, not the entry as it is by then: the plan's codeHash
// is the code deployed, and a Worker is bundled once per operation.
func TestUploadSendsTheCheckedCode(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	entry := filepath.Join(t.TempDir(), "index.ts")
	worker := func(answer string) {
		code := "export default { fetch() { return new Response(" + strconv.Quote(answer) + "); } };\n"
		require.NoError(t, os.WriteFile(entry, []byte(code), 0o644))
	}
	worker("checked")
	in := checked(t, s, map[string]property.Value{
		"scriptName": property.New("my-app-dev-plain"),
		"entry":      property.New(entry),
	}, nil)
	worker("edited after the check")

	created, err := s.Create(p.CreateRequest{Urn: scriptURN("plain"), Properties: in})
	require.NoError(t, err)
	assert.Equal(t, in.Get("codeHash").AsString(), created.Properties.Get("codeHash").AsString())
	assert.Equal(t, "checked", request(t, http.MethodGet, created.Properties.Get("url").AsString()+"/"))
}

// The cache keeps bundles by hash and drops the oldest past its limit, never the newest.
func TestBundleCacheDropsTheOldest(t *testing.T) {
	c := &bundleCache{limit: 10}
	b := func(hash string, size int) *bundle.Result {
		return &bundle.Result{Hash: hash, Code: make([]byte, size)}
	}
	assert.Nil(t, c.get(""))
	c.put(b("a", 4))
	c.put(b("b", 4))
	assert.NotNil(t, c.get("a"))
	c.put(b("c", 4))
	assert.Nil(t, c.get("a"), "over the limit: the oldest goes")
	assert.NotNil(t, c.get("b"))
	assert.NotNil(t, c.get("c"))
	c.put(b("huge", 50))
	assert.NotNil(t, c.get("huge"), "the newest stays even over the limit")
	assert.Nil(t, c.get("b"))
	assert.Nil(t, c.get("c"))
}
