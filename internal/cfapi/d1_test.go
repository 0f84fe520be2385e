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

// TestD1DatabaseLifecycle runs every D1 call of the client against the local Cloudflare.
func TestD1DatabaseLifecycle(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	c := cfapi.New(srv.URL(), srv.Token(), srv.AccountID())

	db, err := c.D1.CreateDatabase(ctx, "app-dev-db")
	require.NoError(t, err)
	assert.Equal(t, "app-dev-db", db.Name)
	_, err = c.D1.CreateDatabase(ctx, "app-dev-db")
	apiErr, ok := cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 7502, apiErr.Code, "duplicate name")

	res, err := c.D1.Query(ctx, db.ID, "CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('a'); SELECT x FROM t")
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, cfapi.D1Rows{{"x": "a"}}, res[2])
	res, err = c.D1.Query(ctx, db.ID, "SELECT count(*) AS n FROM t WHERE x = ?", "a")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"n": float64(1)}}, res[0])

	_, err = c.D1.Query(ctx, db.ID, "INSERT INTO t VALUES ('b'); INSERT INTO nope VALUES (1)")
	apiErr, ok = cfapi.AsAPIError(err)
	require.True(t, ok, "%v", err)
	assert.Equal(t, 7500, apiErr.Code)
	assert.Contains(t, apiErr.Message, "no such table: nope")
	res, err = c.D1.Query(ctx, db.ID, "SELECT count(*) AS n FROM t")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"n": float64(1)}}, res[0], "a failed query keeps nothing")

	got, err := c.D1.DatabaseByID(ctx, db.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, got.NumTables)

	require.NoError(t, c.D1.DeleteDatabase(ctx, db.ID))
	_, err = c.D1.DatabaseByID(ctx, db.ID)
	assert.True(t, cfapi.IsNotFound(err), "%v", err)
	_, err = c.D1.DatabaseByID(ctx, "../scripts")
	assert.ErrorContains(t, err, "invalid D1 database id")
}
