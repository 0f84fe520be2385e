package queues

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestQueueResultSettlement: explicit acks and retries win; then a thrown handler retries the
// rest, retryAll() retries them with its delay, and success (or ackAll) acknowledges them.
func TestQueueResultSettlement(t *testing.T) {
	b := batch{consumer: consumerRecord{Settings: consumerSettings{RetryDelay: 7}},
		messages: []queueMessage{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	five := 5

	var ok queueResult
	ok.Outcome = "ok"
	assert.Equal(t, settlement{Acked: []string{"a", "b", "c"}, Retry: map[string]int{}}, ok.settlement(b))

	threw := queueResult{Outcome: "exception", ExplicitAcks: []string{"a"}}
	threw.RetryMessages = append(threw.RetryMessages, struct {
		MsgID        string `json:"msgId"`
		DelaySeconds *int   `json:"delaySeconds"`
	}{MsgID: "b", DelaySeconds: &five})
	assert.Equal(t, settlement{Acked: []string{"a"}, Retry: map[string]int{"b": 5, "c": 7}}, threw.settlement(b),
		"a acked before the throw stays acked; c takes the consumer's retry delay")

	retryAll := queueResult{Outcome: "ok"}
	retryAll.RetryBatch.Retry = true
	assert.Equal(t, settlement{Retry: map[string]int{"a": 7, "b": 7, "c": 7}}, retryAll.settlement(b))
	retryAll.RetryBatch.DelaySeconds = &five
	assert.Equal(t, settlement{Retry: map[string]int{"a": 5, "b": 5, "c": 5}}, retryAll.settlement(b))
}
