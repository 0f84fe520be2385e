package cfapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

// TestR2BucketLifecycle runs every R2 call of the client against the local Cloudflare.
func TestR2BucketLifecycle(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	c := cfapi.New(srv.URL(), srv.Token(), srv.AccountID(), option.WithMaxRetries(0))

	b, err := c.R2.CreateBucket(ctx, "app-dev-files", "weur", "InfrequentAccess")
	require.NoError(t, err)
	assert.Equal(t, cfapi.R2Bucket{Name: "app-dev-files", Location: "weur", StorageClass: "InfrequentAccess", Jurisdiction: "default"}, b)
	_, err = c.R2.CreateBucket(ctx, "app-dev-files", "", "")
	apiErr, ok := cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 10004, apiErr.Code, "a name the account has")
	_, err = c.R2.CreateBucket(ctx, "Files", "", "")
	assert.ErrorContains(t, err, "3 to 63 lowercase letters", "checked before any request")

	require.NoError(t, c.R2.SetStorageClass(ctx, "app-dev-files", "Standard"))
	got, err := c.R2.BucketByName(ctx, "app-dev-files")
	require.NoError(t, err)
	assert.Equal(t, "Standard", got.StorageClass)

	for _, k := range []string{"a", "b/c", "d"} {
		require.NoError(t, c.R2.PutObject(ctx, "app-dev-files", k, "text/plain", []byte(k)))
	}
	keys, next, err := c.R2.Objects(ctx, "app-dev-files", "", 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b/c"}, keys)
	require.NotEmpty(t, next)
	keys, next, err = c.R2.Objects(ctx, "app-dev-files", next, 2)
	require.NoError(t, err)
	assert.Equal(t, []string{"d"}, keys)
	assert.Empty(t, next, "the last page has no cursor")

	err = c.R2.DeleteBucket(ctx, "app-dev-files")
	apiErr, ok = cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 10008, apiErr.Code, "a bucket holding objects is not deleted")
	for _, k := range []string{"a", "b/c", "d"} {
		require.NoError(t, c.R2.DeleteObject(ctx, "app-dev-files", k))
	}
	require.NoError(t, c.R2.DeleteBucket(ctx, "app-dev-files"))
	_, err = c.R2.BucketByName(ctx, "app-dev-files")
	assert.True(t, cfapi.IsNotFound(err), "%v", err)
}

// Keys with slashes and special characters round-trip through the objects endpoints.
func TestR2ObjectKeysRoundTrip(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	c := cfapi.New(srv.URL(), srv.Token(), srv.AccountID(), option.WithMaxRetries(0))
	_, err = c.R2.CreateBucket(ctx, "keys", "", "")
	require.NoError(t, err)
	keys := []string{"dir/sub/a b?#%.txt", "dir/é+1", "top"}
	for _, k := range keys {
		require.NoError(t, c.R2.PutObject(ctx, "keys", k, "text/plain", []byte(k)))
	}
	listed, _, err := c.R2.Objects(ctx, "keys", "", 100)
	require.NoError(t, err)
	assert.ElementsMatch(t, keys, listed)
	for _, k := range keys {
		require.NoError(t, c.R2.DeleteObject(ctx, "keys", k))
	}
	listed, _, err = c.R2.Objects(ctx, "keys", "", 100)
	require.NoError(t, err)
	assert.Empty(t, listed, "every delete removed its object")
}
