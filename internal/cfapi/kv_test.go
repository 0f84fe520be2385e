package cfapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

// TestKVNamespaceLifecycle runs every KV call of the client against the local Cloudflare.
func TestKVNamespaceLifecycle(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	c := cfapi.New(srv.URL(), srv.Token(), srv.AccountID())

	ns, err := c.KV.CreateNamespace(ctx, "app-dev-cache")
	require.NoError(t, err)
	assert.Equal(t, "app-dev-cache", ns.Title)
	_, err = c.KV.CreateNamespace(ctx, "app-dev-cache")
	apiErr, ok := cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 10014, apiErr.Code, "duplicate title")

	require.NoError(t, c.KV.RenameNamespace(ctx, ns.ID, "app-dev-kv"))
	got, err := c.KV.NamespaceByID(ctx, ns.ID)
	require.NoError(t, err)
	assert.Equal(t, cfapi.KVNamespace{ID: ns.ID, Title: "app-dev-kv"}, got)

	keys, more, err := c.KV.Keys(ctx, ns.ID, 3)
	require.NoError(t, err)
	assert.Empty(t, keys)
	assert.False(t, more)
	for _, k := range []string{"a/b c", "k2", "k3", "k4"} {
		require.NoError(t, c.KV.PutValue(ctx, ns.ID, k, "v-"+k))
	}
	v, err := c.KV.Value(ctx, ns.ID, "a/b c")
	require.NoError(t, err)
	assert.Equal(t, "v-a/b c", v, "a key with '/' and ' ' round-trips")
	keys, more, err = c.KV.Keys(ctx, ns.ID, 3)
	require.NoError(t, err)
	assert.Equal(t, []string{"a/b c", "k2", "k3"}, keys)
	assert.True(t, more, "a fourth key exists")
	_, err = c.KV.Value(ctx, ns.ID, "nope")
	assert.True(t, cfapi.IsNotFound(err), "missing key: %v", err)

	require.NoError(t, c.KV.DeleteNamespace(ctx, ns.ID))
	_, err = c.KV.NamespaceByID(ctx, ns.ID)
	assert.True(t, cfapi.IsNotFound(err), "deleted namespace: %v", err)
	assert.ErrorContains(t, c.KV.DeleteNamespace(ctx, "../x"), "invalid KV namespace id")
}
