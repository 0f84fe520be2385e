package storage

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQueuesRecords(t *testing.T) {
	db, _ := openTest(t)
	qs := db.Queues()
	require.NoError(t, qs.Put(QueueRecord{ID: "q2", Name: "jobs", Doc: []byte(`{}`)}, QueueRecord{ID: "q1", Name: "dlq", Doc: []byte(`{}`)}))
	assert.ErrorIs(t, qs.Put(QueueRecord{ID: "q3", Name: "jobs", Doc: []byte(`{}`)}), ErrQueueNameTaken)
	require.NoError(t, qs.Put(QueueRecord{ID: "q2", Name: "work", Doc: []byte(`{"renamed":true}`)}), "a put of a known id replaces it")
	list, err := qs.List()
	require.NoError(t, err)
	assert.Equal(t, []QueueRecord{{"q1", "dlq", []byte(`{}`)}, {"q2", "work", []byte(`{"renamed":true}`)}}, list)

	require.NoError(t, qs.Append("q2", []QueueMessage{{ID: "m1", Body: []byte("x"), ContentType: "text", Timestamp: 1}}))
	assert.ErrorIs(t, qs.Append("nope", []QueueMessage{{ID: "m"}}), ErrQueueMissing)
	require.NoError(t, qs.Delete("q2"))
	assert.ErrorIs(t, qs.Delete("q2"), ErrQueueMissing)
	var n int
	require.NoError(t, db.sql.QueryRow("SELECT count(*) FROM queue_messages").Scan(&n))
	assert.Zero(t, n, "a deleted queue's messages go with it")
}

// TestQueuesSettleInOneTransaction: a settlement removes, updates in place and dead-letters in
// one transaction; one that fails (a dead-letter queue that does not exist) changes nothing.
func TestQueuesSettleInOneTransaction(t *testing.T) {
	db, _ := openTest(t)
	qs := db.Queues()
	require.NoError(t, qs.Put(QueueRecord{ID: "q", Name: "jobs", Doc: []byte(`{}`)}, QueueRecord{ID: "d", Name: "dlq", Doc: []byte(`{}`)}))
	msgs := []QueueMessage{
		{ID: "ok", Body: []byte("1"), ContentType: "text", Timestamp: 1},
		{ID: "retry", Body: []byte("2"), ContentType: "text", Timestamp: 2},
		{ID: "dead", Body: []byte("3"), ContentType: "json", Timestamp: 3},
		{ID: "later", Body: []byte("4"), ContentType: "text", Timestamp: 4},
	}
	require.NoError(t, qs.Append("q", msgs))
	require.NoError(t, qs.Append("d", []QueueMessage{{ID: "old", Body: []byte("0"), ContentType: "text"}}))

	retried := msgs[1]
	retried.Attempts, retried.NotBefore = 1, 99
	err := qs.Settle("q", Settlement{Remove: []string{"ok", "dead"}, Update: []QueueMessage{retried},
		DeadLetterQueue: "missing", DeadLettered: []QueueMessage{msgs[2]}})
	assert.ErrorIs(t, err, ErrQueueMissing)
	got, err := qs.Messages("q")
	require.NoError(t, err)
	assert.Equal(t, msgs, got, "a failed settlement changes nothing")

	require.NoError(t, qs.Settle("q", Settlement{Remove: []string{"ok", "dead"}, Update: []QueueMessage{retried},
		DeadLetterQueue: "d", DeadLettered: []QueueMessage{msgs[2]}}))
	got, err = qs.Messages("q")
	require.NoError(t, err)
	assert.Equal(t, []QueueMessage{retried, msgs[3]}, got, "the retried message keeps its place")
	got, err = qs.Messages("d")
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, []string{"old", "dead"}, []string{got[0].ID, got[1].ID}, "dead-lettered at the end")
}
