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

// TestQueueLifecycle runs every queue and consumer call of the client against the local Cloudflare.
func TestQueueLifecycle(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir()})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { srv.Close() })
	c := cfapi.New(srv.URL(), srv.Token(), srv.AccountID())

	q, err := c.Queues.Create(ctx, "app-dev-jobs")
	require.NoError(t, err)
	assert.Equal(t, "app-dev-jobs", q.Name)
	_, err = c.Queues.Create(ctx, "Bad_Name")
	assert.ErrorContains(t, err, `invalid queue name "Bad_Name"`)
	got, err := c.Queues.ByID(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, q, got)
	all, err := c.Queues.List(ctx)
	require.NoError(t, err)
	assert.Equal(t, []cfapi.Queue{q}, all)
	n, err := c.Queues.Backlog(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 0, n)
	require.NoError(t, c.Queues.SendMessage(ctx, q.ID, "hello"))
	n, err = c.Queues.Backlog(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, 1, n, "the sent message waits")

	// A consumer needs a script; upload an empty Worker with a queue handler.
	require.NoError(t, c.Scripts.Upload(ctx, "consumer", cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17"},
		[]cfapi.Module{{Name: "index.js", Content: []byte("export default { async queue() {} };")}}))
	con, err := c.Queues.CreateConsumer(ctx, q.ID, cfapi.Consumer{Script: "consumer", BatchSize: 5, MaxRetries: 1, MaxWaitTimeMs: 2000,
		DeadLetterQueue: "app-dev-dlq"})
	require.NoError(t, err)
	assert.NotEmpty(t, con.ID)
	cons, err := c.Queues.Consumers(ctx, q.ID)
	require.NoError(t, err)
	assert.Equal(t, []cfapi.Consumer{{ID: con.ID, Script: "consumer", BatchSize: 5, MaxRetries: 1, MaxWaitTimeMs: 2000,
		DeadLetterQueue: "app-dev-dlq"}}, cons, "the dead-letter queue is read back")
	con.BatchSize, con.DeadLetterQueue = 20, ""
	require.NoError(t, c.Queues.UpdateConsumer(ctx, q.ID, con))
	cons, err = c.Queues.Consumers(ctx, q.ID)
	require.NoError(t, err)
	require.Len(t, cons, 1)
	assert.Equal(t, 20, cons[0].BatchSize)
	assert.Empty(t, cons[0].DeadLetterQueue)
	require.NoError(t, c.Queues.DeleteConsumer(ctx, q.ID, con.ID))
	cons, err = c.Queues.Consumers(ctx, q.ID)
	require.NoError(t, err)
	assert.Empty(t, cons)

	require.NoError(t, c.Queues.Delete(ctx, q.ID))
	_, err = c.Queues.ByID(ctx, q.ID)
	assert.True(t, cfapi.IsNotFound(err), "deleted queue: %v", err)
	assert.ErrorContains(t, c.Queues.Delete(ctx, "../x"), "invalid queue or consumer id")
}
