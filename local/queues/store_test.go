package queues

import (
	"testing"
	"time"

	"github.com/lumier-dev/lumier/local/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// queueWithConsumer opens a store in dir with queue "jobs" (and "dlq") consumed by "w".
func queueWithConsumer(t *testing.T, dir string, settings consumerSettings, dlq string) (*Store, queueRecord) {
	t.Helper()
	qs, err := Open(storagetest.Open(t, dir))
	require.NoError(t, err)
	q, err := qs.create("jobs")
	require.NoError(t, err)
	_, err = qs.create("dlq")
	require.NoError(t, err)
	_, err = qs.addConsumer(q.ID, consumerRecord{Script: "w", DeadLetterQueue: dlq, Settings: settings})
	require.NoError(t, err)
	return qs, q
}

func bodies(msgs []queueMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, string(m.Body))
	}
	return out
}

// TestQueueTakeWaitsForAFullBatchOrTheMaxWait: a batch is taken when full, when its oldest
// message has waited the max wait, or on a flush; delayed messages wait their delay; messages
// in flight are in no other batch.
func TestQueueTakeWaitsForAFullBatchOrTheMaxWait(t *testing.T) {
	qs, q := queueWithConsumer(t, t.TempDir(), consumerSettings{BatchSize: 2, MaxWaitTimeMs: 5000}, "")
	now := time.Unix(1000, 0)
	qs.now = func() time.Time { return now }
	_, err := qs.send("jobs", []outgoing{{Body: []byte("1"), ContentType: "text"}})
	require.NoError(t, err)
	_, ok := qs.take(q.ID, false)
	assert.False(t, ok, "one message, no wait yet: not a batch")
	now = now.Add(5 * time.Second)
	b, ok := qs.take(q.ID, false)
	require.True(t, ok, "the max wait has passed")
	assert.Equal(t, []string{"1"}, bodies(b.messages))
	_, ok = qs.take(q.ID, true)
	assert.False(t, ok, "a message in flight is in no other batch")
	qs.release(b)

	_, err = qs.send("jobs", []outgoing{{Body: []byte("2"), ContentType: "text"}, {Body: []byte("3"), ContentType: "text", DelaySecs: 60}})
	require.NoError(t, err)
	b, ok = qs.take(q.ID, false)
	require.True(t, ok, "two ready messages fill a batch of 2")
	assert.Equal(t, []string{"1", "2"}, bodies(b.messages), "the delayed one waits")
	assert.Equal(t, 3, b.metrics.BacklogCount)
}

// TestQueueSettleRetriesThenDeadLetters: an acked message goes; a retried one comes back with one
// more attempt until max retries, then moves to the dead-letter queue; all of it is on disk.
func TestQueueSettleRetriesThenDeadLetters(t *testing.T) {
	dir := t.TempDir()
	qs, q := queueWithConsumer(t, dir, consumerSettings{BatchSize: 10, MaxRetries: 1}, "dlq")
	_, err := qs.send("jobs", []outgoing{{Body: []byte("ok"), ContentType: "text"}, {Body: []byte("bad"), ContentType: "text"}})
	require.NoError(t, err)
	retryBad := func(b batch) settlement {
		s := settlement{Retry: map[string]int{}}
		for _, m := range b.messages {
			if string(m.Body) == "bad" {
				s.Retry[m.ID] = 0
			} else {
				s.Acked = append(s.Acked, m.ID)
			}
		}
		return s
	}
	b, ok := qs.take(q.ID, true)
	require.True(t, ok)
	rep, err := qs.settle(b, retryBad(b))
	require.NoError(t, err)
	assert.Equal(t, settleReport{Acked: 1, Retried: 1}, rep)

	b, ok = qs.take(q.ID, true)
	require.True(t, ok)
	assert.Equal(t, []string{"bad"}, bodies(b.messages))
	assert.Equal(t, 1, b.messages[0].Attempts)
	rep, err = qs.settle(b, retryBad(b))
	require.NoError(t, err)
	assert.Equal(t, settleReport{DeadLettered: 1}, rep, "past max retries (1)")

	reopened, err := Open(storagetest.Open(t, dir))
	require.NoError(t, err)
	m, err := reopened.metrics("jobs")
	require.NoError(t, err)
	assert.Zero(t, m.BacklogCount, "nothing left after a restart: acked and dead-lettered are gone")
	m, err = reopened.metrics("dlq")
	require.NoError(t, err)
	assert.Equal(t, 1, m.BacklogCount, "the dead-letter queue keeps it across a restart")
}

// TestQueueSettleDropsWithoutDeadLetterQueue: out of retries with no dead-letter queue, a message
// is dropped and counted as such.
func TestQueueSettleDropsWithoutDeadLetterQueue(t *testing.T) {
	qs, q := queueWithConsumer(t, t.TempDir(), consumerSettings{BatchSize: 10, MaxRetries: 0}, "")
	_, err := qs.send("jobs", []outgoing{{Body: []byte("bad"), ContentType: "text"}})
	require.NoError(t, err)
	b, _ := qs.take(q.ID, true)
	rep, err := qs.settle(b, settlement{Retry: map[string]int{b.messages[0].ID: 0}})
	require.NoError(t, err)
	assert.Equal(t, settleReport{Dropped: 1}, rep)
	m, _ := qs.metrics("dlq")
	assert.Zero(t, m.BacklogCount)
}

func TestQueueStoreRefusals(t *testing.T) {
	qs, q := queueWithConsumer(t, t.TempDir(), consumerSettings{BatchSize: 1}, "")
	_, err := qs.create("jobs")
	assert.ErrorIs(t, err, errQueueNameTaken)
	_, err = qs.addConsumer(q.ID, consumerRecord{Script: "other"})
	assert.ErrorIs(t, err, errConsumerExists)
	_, err = qs.send("nope", nil)
	assert.ErrorIs(t, err, errQueueMissing)
	removed, err := qs.RemoveConsumersOf("w")
	require.NoError(t, err)
	assert.True(t, removed)
	assert.Empty(t, qs.Consumers())
}
