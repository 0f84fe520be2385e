package provider

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// TestHeldDataReads: how held data reads in a message, and when it counts as nothing.
func TestHeldDataReads(t *testing.T) {
	assert.True(t, heldData{what: "keys"}.empty())
	assert.Equal(t, `keys "a", "b"`, heldData{what: "keys", names: []string{"a", "b"}}.String())
	assert.Equal(t, `objects "x" and more`, heldData{what: "objects", names: []string{"x"}, more: true}.String())
	q := heldData{what: "undelivered message(s)", count: 2}
	assert.False(t, q.empty())
	assert.Equal(t, "2 undelivered message(s)", q.String())
}

// TestDataKindsReadWhatTheyHold: each kind's reader on the local Cloudflare, empty and then
// holding data, and a not-found error for a resource that is gone.
func TestDataKindsReadWhatTheyHold(t *testing.T) {
	srv := startLocal(t)
	c := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	ns, err := c.KV.CreateNamespace(ctx, "held-kv")
	require.NoError(t, err)
	_, err = c.R2.CreateBucket(ctx, "held-r2", "", "")
	require.NoError(t, err)
	db, err := c.D1.CreateDatabase(ctx, "held-d1")
	require.NoError(t, err)
	q, err := c.Queues.Create(ctx, "held-q")
	require.NoError(t, err)
	ids := map[string]string{kvKindType: ns.ID, r2KindType: "held-r2", d1KindType: db.ID, queueKindType: q.ID}
	for kind, id := range ids {
		h, err := dataKinds[kind].held(ctx, c, id)
		require.NoError(t, err, kind)
		assert.True(t, h.empty(), "%s starts empty: %v", kind, h)
	}

	require.NoError(t, c.KV.PutValue(ctx, ns.ID, "k", "v"))
	require.NoError(t, c.R2.PutObject(ctx, "held-r2", "o", "text/plain", []byte("x")))
	_, err = c.D1.Query(ctx, db.ID, "CREATE TABLE t (x); CREATE TABLE empty (y); INSERT INTO t VALUES (1)")
	require.NoError(t, err)
	require.NoError(t, c.Queues.SendMessage(ctx, q.ID, "m"))
	want := map[string]string{kvKindType: `keys "k"`, r2KindType: `objects "o"`, d1KindType: `rows in tables "t"`,
		queueKindType: "1 undelivered message(s)"}
	for kind, id := range ids {
		h, err := dataKinds[kind].held(ctx, c, id)
		require.NoError(t, err, kind)
		assert.Equal(t, want[kind], h.String(), kind)
	}

	require.NoError(t, c.KV.DeleteNamespace(ctx, ns.ID))
	_, err = dataKinds[kvKindType].held(ctx, c, ns.ID)
	assert.True(t, cfapi.IsNotFound(err), "a gone namespace is not found: %v", err)
}
