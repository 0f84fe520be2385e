// Package queues is the local Cloudflare's Queues: queues, consumers and undelivered messages on
// the state directory's database, kept in memory too (Store), the API that manages them (API),
// the delivery to consumers and the service workerd's queue bindings call (Delivery).
package queues

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/lumier-dev/lumier/local/ids"
	"github.com/lumier-dev/lumier/local/storage"
)

// Store is the account's Queues. The API (api.go), workerd's queue bindings
// (binding.go) and the delivery to consumers (delivery.go) share it. The queues
// and their undelivered messages are kept in memory, for the delivery loop, and written through
// to the state directory's database (storage.Queues) before a change is answered, so a restart
// finds every message that was not yet acknowledged, and none that was.
type Store struct {
	db  *storage.Queues
	now func() time.Time

	mu       sync.Mutex
	queues   []*queueRecord
	messages map[string][]*queueMessage // queue id -> messages in send order
	// inFlight marks the messages of a batch being delivered, so that no other batch takes them.
	inFlight map[string]bool
}

// queueRecord is one queue as the API reports it, with its consumer (at most one Worker).
type queueRecord struct {
	ID         string           `json:"queue_id"`
	Name       string           `json:"queue_name"`
	CreatedOn  time.Time        `json:"created_on"`
	ModifiedOn time.Time        `json:"modified_on"`
	Consumers  []consumerRecord `json:"consumers"`
}

// consumerRecord is a Worker consuming a queue, with Cloudflare's field names.
type consumerRecord struct {
	ID              string           `json:"consumer_id"`
	QueueID         string           `json:"queue_id"`
	Script          string           `json:"script"`
	Type            string           `json:"type"`
	DeadLetterQueue string           `json:"dead_letter_queue,omitempty"`
	Settings        consumerSettings `json:"settings"`
	CreatedOn       time.Time        `json:"created_on"`
}

// consumerSettings are a Worker consumer's delivery settings (Cloudflare's names and units).
type consumerSettings struct {
	BatchSize     int `json:"batch_size"`
	MaxRetries    int `json:"max_retries"`
	MaxWaitTimeMs int `json:"max_wait_time_ms"`
	RetryDelay    int `json:"retry_delay"`
}

// queueMessage is one undelivered message; it converts to and from storage.QueueMessage.
type queueMessage struct {
	ID string `json:"id"`
	// Body is the message as the producer serialized it; ContentType says how (json, text,
	// bytes or v8), which is how the consumer's runtime turns it back into a value.
	Body        []byte `json:"body"`
	ContentType string `json:"content_type"`
	// Timestamp is when it was sent; NotBefore when it may be delivered (Unix ms).
	Timestamp int64 `json:"timestamp"`
	NotBefore int64 `json:"not_before,omitempty"`
	// Attempts counts the deliveries so far.
	Attempts int `json:"attempts"`
}

// The store's refusals; the API maps them to Cloudflare's codes.
var (
	errQueueMissing    = storage.ErrQueueMissing
	errQueueNameTaken  = storage.ErrQueueNameTaken
	errConsumerMissing = errors.New("consumer not found")
	errConsumerExists  = errors.New("this queue already has a consumer")
)

// Open reads the queues of db and their messages.
func Open(db *storage.DB) (*Store, error) {
	qs := &Store{db: db.Queues(), now: time.Now, messages: map[string][]*queueMessage{}, inFlight: map[string]bool{}}
	records, err := qs.db.List()
	if err != nil {
		return nil, err
	}
	for _, r := range records {
		q := &queueRecord{}
		if err := json.Unmarshal(r.Doc, q); err != nil {
			return nil, fmt.Errorf("queue %s is corrupt: %w", r.Name, err)
		}
		q.ID, q.Name = r.ID, r.Name
		qs.queues = append(qs.queues, q)
		msgs, err := qs.db.Messages(r.ID)
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			qm := queueMessage(m)
			qs.messages[r.ID] = append(qs.messages[r.ID], &qm)
		}
	}
	return qs, nil
}

// saveQueues writes the queues qs (their records, not their messages).
func (qs *Store) saveQueues(queues ...*queueRecord) error {
	records := make([]storage.QueueRecord, 0, len(queues))
	for _, q := range queues {
		doc, err := json.Marshal(q)
		if err != nil {
			return fmt.Errorf("encoding queue %s: %w", q.Name, err)
		}
		records = append(records, storage.QueueRecord{ID: q.ID, Name: q.Name, Doc: doc})
	}
	return qs.db.Put(records...)
}

// copyQueue is a copy of q that callers may keep while the store changes.
func copyQueue(q *queueRecord) queueRecord {
	out := *q
	out.Consumers = slices.Clone(q.Consumers)
	return out
}

// list returns the queues sorted by name.
func (qs *Store) List() []queueRecord {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	out := make([]queueRecord, 0, len(qs.queues))
	for _, q := range qs.queues {
		out = append(out, copyQueue(q))
	}
	slices.SortFunc(out, func(a, b queueRecord) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// find returns the queue with id, or nil; the caller holds mu.
func (qs *Store) find(id string) *queueRecord {
	for _, q := range qs.queues {
		if q.ID == id {
			return q
		}
	}
	return nil
}

// findName returns the queue named name, or nil; the caller holds mu.
func (qs *Store) findName(name string) *queueRecord {
	for _, q := range qs.queues {
		if q.Name == name {
			return q
		}
	}
	return nil
}

func (qs *Store) get(id string) (queueRecord, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.find(id)
	if q == nil {
		return queueRecord{}, errQueueMissing
	}
	return copyQueue(q), nil
}

func (qs *Store) ByName(name string) (queueRecord, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.findName(name)
	if q == nil {
		return queueRecord{}, errQueueMissing
	}
	return copyQueue(q), nil
}

func (qs *Store) create(name string) (queueRecord, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	if qs.findName(name) != nil {
		return queueRecord{}, errQueueNameTaken
	}
	now := qs.now().UTC()
	q := &queueRecord{ID: ids.New(), Name: name, CreatedOn: now, ModifiedOn: now, Consumers: []consumerRecord{}}
	if err := qs.saveQueues(q); err != nil {
		return queueRecord{}, err
	}
	qs.queues = append(qs.queues, q)
	qs.messages[q.ID] = nil
	return copyQueue(q), nil
}

// rename gives queue id a new name; its messages and consumer stay.
func (qs *Store) rename(id, name string) (queueRecord, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.find(id)
	if q == nil {
		return queueRecord{}, errQueueMissing
	}
	if other := qs.findName(name); other != nil && other != q {
		return queueRecord{}, errQueueNameTaken
	}
	old, oldTime := q.Name, q.ModifiedOn
	q.Name, q.ModifiedOn = name, qs.now().UTC()
	if err := qs.saveQueues(q); err != nil {
		q.Name, q.ModifiedOn = old, oldTime
		return queueRecord{}, err
	}
	return copyQueue(q), nil
}

// remove deletes a queue, its messages and its consumer.
func (qs *Store) remove(id string) error {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	i := slices.IndexFunc(qs.queues, func(q *queueRecord) bool { return q.ID == id })
	if i < 0 {
		return errQueueMissing
	}
	if err := qs.db.Delete(id); err != nil {
		return err
	}
	qs.queues = slices.Delete(slices.Clone(qs.queues), i, i+1)
	delete(qs.messages, id)
	return nil
}

// addConsumer makes c the consumer of queue id.
func (qs *Store) addConsumer(id string, c consumerRecord) (consumerRecord, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.find(id)
	if q == nil {
		return consumerRecord{}, errQueueMissing
	}
	if len(q.Consumers) > 0 {
		return consumerRecord{}, errConsumerExists
	}
	c.ID, c.QueueID, c.Type, c.CreatedOn = ids.New(), id, "worker", qs.now().UTC()
	q.Consumers = []consumerRecord{c}
	if err := qs.saveQueues(q); err != nil {
		q.Consumers = nil
		return consumerRecord{}, err
	}
	return c, nil
}

// updateConsumer replaces the settings (and script, dead-letter queue) of consumer cid.
func (qs *Store) updateConsumer(id, cid string, c consumerRecord) (consumerRecord, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.find(id)
	if q == nil {
		return consumerRecord{}, errQueueMissing
	}
	i := slices.IndexFunc(q.Consumers, func(o consumerRecord) bool { return o.ID == cid })
	if i < 0 {
		return consumerRecord{}, errConsumerMissing
	}
	prev := q.Consumers[i]
	c.ID, c.QueueID, c.Type, c.CreatedOn = prev.ID, prev.QueueID, prev.Type, prev.CreatedOn
	q.Consumers[i] = c
	if err := qs.saveQueues(q); err != nil {
		q.Consumers[i] = prev
		return consumerRecord{}, err
	}
	return c, nil
}

// removeConsumer deletes consumer cid of queue id; the queue keeps its messages.
func (qs *Store) removeConsumer(id, cid string) error {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.find(id)
	if q == nil {
		return errQueueMissing
	}
	i := slices.IndexFunc(q.Consumers, func(o consumerRecord) bool { return o.ID == cid })
	if i < 0 {
		return errConsumerMissing
	}
	prev := q.Consumers
	q.Consumers = slices.Delete(slices.Clone(q.Consumers), i, i+1)
	if err := qs.saveQueues(q); err != nil {
		q.Consumers = prev
		return err
	}
	return nil
}

// removeConsumersOf deletes every consumer script has (the script is being deleted) and reports
// whether there were any.
func (qs *Store) RemoveConsumersOf(script string) (bool, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	var changed []*queueRecord
	prev := map[*queueRecord][]consumerRecord{}
	for _, q := range qs.queues {
		kept := slices.DeleteFunc(slices.Clone(q.Consumers), func(c consumerRecord) bool { return c.Script == script })
		if len(kept) != len(q.Consumers) {
			prev[q] = q.Consumers
			q.Consumers = kept
			changed = append(changed, q)
		}
	}
	if len(changed) == 0 {
		return false, nil
	}
	if err := qs.saveQueues(changed...); err != nil {
		for q, c := range prev {
			q.Consumers = c
		}
		return false, err
	}
	return true, nil
}

// consumers returns, by script name, the queues each script consumes.
func (qs *Store) Consumers() map[string][]string {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	out := map[string][]string{}
	for _, q := range qs.queues {
		for _, c := range q.Consumers {
			out[c.Script] = append(out[c.Script], q.Name)
		}
	}
	return out
}

// queueMetrics is a queue's backlog as workerd's producer and the metrics endpoint report it.
type queueMetrics struct {
	BacklogCount int   `json:"backlogCount"`
	BacklogBytes int   `json:"backlogBytes"`
	OldestMs     int64 `json:"oldestMessageTimestamp"`
}

// metricsLocked is queue id's backlog; the caller holds mu.
func (qs *Store) metricsLocked(id string) queueMetrics {
	var m queueMetrics
	for _, msg := range qs.messages[id] {
		m.BacklogCount++
		m.BacklogBytes += len(msg.Body)
		if m.OldestMs == 0 || msg.Timestamp < m.OldestMs {
			m.OldestMs = msg.Timestamp
		}
	}
	return m
}

func (qs *Store) metrics(name string) (queueMetrics, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.findName(name)
	if q == nil {
		return queueMetrics{}, errQueueMissing
	}
	return qs.metricsLocked(q.ID), nil
}

// outgoing is one message as a producer sends it.
type outgoing struct {
	Body        []byte
	ContentType string
	DelaySecs   int
}

// send appends msgs to the queue named name, all or none, and returns its backlog after.
func (qs *Store) send(name string, msgs []outgoing) (queueMetrics, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.findName(name)
	if q == nil {
		return queueMetrics{}, errQueueMissing
	}
	now := qs.now()
	added := make([]storage.QueueMessage, 0, len(msgs))
	for _, m := range msgs {
		msg := storage.QueueMessage{ID: ids.New(), Body: m.Body, ContentType: m.ContentType, Timestamp: now.UnixMilli()}
		if m.DelaySecs > 0 {
			msg.NotBefore = now.Add(time.Duration(m.DelaySecs) * time.Second).UnixMilli()
		}
		added = append(added, msg)
	}
	if err := qs.db.Append(q.ID, added); err != nil {
		return queueMetrics{}, err
	}
	for _, m := range added {
		qm := queueMessage(m)
		qs.messages[q.ID] = append(qs.messages[q.ID], &qm)
	}
	return qs.metricsLocked(q.ID), nil
}

// batch is messages taken from a queue for one delivery.
type batch struct {
	queue    queueRecord
	consumer consumerRecord
	messages []queueMessage
	metrics  queueMetrics
}

// take returns up to the consumer's batch size of queue id's deliverable messages, marking them
// in flight, when there are enough (a full batch, or one whose oldest message has waited the
// consumer's max wait, or any at all when now is set). ok is false when there is nothing to do.
func (qs *Store) take(id string, flush bool) (batch, bool) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	q := qs.find(id)
	if q == nil || len(q.Consumers) == 0 {
		return batch{}, false
	}
	c := q.Consumers[0]
	now := qs.now().UnixMilli()
	var ready []*queueMessage
	var oldest int64
	for _, m := range qs.messages[id] {
		if qs.inFlight[m.ID] || m.NotBefore > now {
			continue
		}
		if len(ready) < max(c.Settings.BatchSize, 1) {
			ready = append(ready, m)
		}
		available := max(m.Timestamp, m.NotBefore)
		if oldest == 0 || available < oldest {
			oldest = available
		}
	}
	if len(ready) == 0 {
		return batch{}, false
	}
	full := len(ready) >= max(c.Settings.BatchSize, 1)
	waited := now-oldest >= int64(c.Settings.MaxWaitTimeMs)
	if !flush && !full && !waited {
		return batch{}, false
	}
	b := batch{queue: copyQueue(q), consumer: c, metrics: qs.metricsLocked(id)}
	for _, m := range ready {
		qs.inFlight[m.ID] = true
		b.messages = append(b.messages, *m)
	}
	return b, true
}

// settlement is what a delivered batch's outcome means for each message.
type settlement struct {
	// Acked are the messages done with; Retry maps a message to retry to its delay in seconds.
	Acked []string
	Retry map[string]int
}

// settleReport counts what a settlement did.
type settleReport struct {
	Acked, Retried, DeadLettered, Dropped int
}

// settle applies a delivered batch's settlement to queue b.queue: acked messages go, retried ones
// are delivered again after their delay, or, past the consumer's max retries, move to the
// dead-letter queue (dropped when there is none). It writes every changed queue before it
// returns, so a restart after it never redelivers an acknowledged message.
func (qs *Store) settle(b batch, s settlement) (settleReport, error) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	var rep settleReport
	for _, m := range b.messages {
		delete(qs.inFlight, m.ID)
	}
	id := b.queue.ID
	if qs.find(id) == nil {
		return rep, nil // deleted while the batch ran
	}
	acked := map[string]bool{}
	for _, a := range s.Acked {
		acked[a] = true
	}
	now := qs.now()
	var dead []*queueMessage
	var change storage.Settlement
	prev := qs.messages[id]
	next := make([]*queueMessage, 0, len(prev))
	for _, m := range prev {
		delay, retry := s.Retry[m.ID]
		switch {
		case acked[m.ID]:
			rep.Acked++
			change.Remove = append(change.Remove, m.ID)
			continue
		case !retry:
			next = append(next, m)
			continue
		}
		c := *m
		c.Attempts++
		if c.Attempts > b.consumer.Settings.MaxRetries {
			dead = append(dead, &c)
			change.Remove = append(change.Remove, m.ID)
			continue
		}
		rep.Retried++
		c.NotBefore = 0
		if delay > 0 {
			c.NotBefore = now.Add(time.Duration(delay) * time.Second).UnixMilli()
		}
		next = append(next, &c)
		change.Update = append(change.Update, storage.QueueMessage(c))
	}
	dlq := qs.findName(b.consumer.DeadLetterQueue)
	if dlq != nil && dlq.ID == id {
		dlq = nil // a queue cannot be its own dead-letter queue; Cloudflare refuses it too
	}
	var moved []*queueMessage
	if len(dead) > 0 && dlq != nil {
		change.DeadLetterQueue = dlq.ID
		for _, m := range dead {
			mm := &queueMessage{ID: m.ID, Body: m.Body, ContentType: m.ContentType, Timestamp: m.Timestamp}
			moved = append(moved, mm)
			change.DeadLettered = append(change.DeadLettered, storage.QueueMessage(*mm))
		}
		rep.DeadLettered = len(dead)
	} else {
		rep.Dropped = len(dead)
	}
	// One transaction: a crash leaves the batch's messages where they were, to be delivered
	// again, or settled, never lost between a queue and its dead-letter queue.
	if err := qs.db.Settle(id, change); err != nil {
		return settleReport{}, err
	}
	qs.messages[id] = next
	if dlq != nil {
		qs.messages[dlq.ID] = append(qs.messages[dlq.ID], moved...)
	}
	return rep, nil
}

// release returns a batch's messages to the queue untouched (a delivery that never reached
// the consumer is not an attempt).
func (qs *Store) release(b batch) {
	qs.mu.Lock()
	defer qs.mu.Unlock()
	for _, m := range b.messages {
		delete(qs.inFlight, m.ID)
	}
}
