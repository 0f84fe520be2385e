package storage

import (
	"database/sql"
	"errors"
	"fmt"
)

// Queues keeps Queues: each queue's record (a JSON document of the caller's: consumers,
// times) and its undelivered messages, one row each in send order, so a send or a settlement
// writes only the messages it touches.
type Queues struct {
	db *DB
}

// QueueRecord is one queue: its id, its name (unique) and the caller's document.
type QueueRecord struct {
	ID   string
	Name string
	Doc  []byte
}

// QueueMessage is one undelivered message.
type QueueMessage struct {
	ID string
	// Body is the message as the producer serialized it; ContentType says how.
	Body        []byte
	ContentType string
	// Timestamp is when it was sent; NotBefore when it may be delivered (Unix ms).
	Timestamp int64
	NotBefore int64
	// Attempts counts the deliveries so far.
	Attempts int
}

// Queues' refusals.
var (
	ErrQueueMissing   = errors.New("queue not found")
	ErrQueueNameTaken = errors.New("a queue with this name already exists")
)

// List returns every queue.
func (qs *Queues) List() ([]QueueRecord, error) {
	return collect(qs.db.sql, "queues", "SELECT id, name, doc FROM queues ORDER BY name", nil,
		func(rows *sql.Rows, q *QueueRecord) error { return rows.Scan(&q.ID, &q.Name, &q.Doc) })
}

// Put creates or replaces the queues qs in one transaction; a name another queue has is
// ErrQueueNameTaken.
func (qs *Queues) Put(records ...QueueRecord) error {
	return qs.db.update(func(tx *sql.Tx) error { return putQueues(tx, records) })
}

func putQueues(q querier, records []QueueRecord) error {
	for _, r := range records {
		_, err := q.ExecContext(ctx, "INSERT INTO queues (id, name, doc) VALUES (?, ?, ?) "+
			"ON CONFLICT (id) DO UPDATE SET name = excluded.name, doc = excluded.doc", r.ID, r.Name, r.Doc)
		if isUnique(err) {
			return ErrQueueNameTaken
		}
		if err != nil {
			return fmt.Errorf("writing queue %s: %w", r.Name, err)
		}
	}
	return nil
}

// Delete removes queue id and its messages.
func (qs *Queues) Delete(id string) error {
	res, err := qs.db.sql.ExecContext(ctx, "DELETE FROM queues WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("deleting queue %s: %w", id, err)
	}
	return mustChange(res, ErrQueueMissing)
}

// Messages returns queue id's messages in send order.
func (qs *Queues) Messages(id string) ([]QueueMessage, error) {
	return collect(qs.db.sql, "the messages of queue "+id, "SELECT id, body, content_type, timestamp, not_before, attempts "+
		"FROM queue_messages WHERE queue = ? ORDER BY seq", []any{id},
		func(rows *sql.Rows, m *QueueMessage) error {
			return rows.Scan(&m.ID, &m.Body, &m.ContentType, &m.Timestamp, &m.NotBefore, &m.Attempts)
		})
}

// Append adds msgs at the end of queue id, all or none.
func (qs *Queues) Append(id string, msgs []QueueMessage) error {
	return qs.db.update(func(tx *sql.Tx) error { return appendMessages(tx, id, msgs) })
}

func appendMessages(q querier, id string, msgs []QueueMessage) error {
	for _, m := range msgs {
		_, err := q.ExecContext(ctx, "INSERT INTO queue_messages (queue, id, body, content_type, timestamp, not_before, attempts) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?)", id, m.ID, nonNil(m.Body), m.ContentType, m.Timestamp, m.NotBefore, m.Attempts)
		if isForeignKey(err) {
			return ErrQueueMissing
		}
		if err != nil {
			return fmt.Errorf("writing a message of queue %s: %w", id, err)
		}
	}
	return nil
}

// Settlement is what a delivered batch did to its queue's messages.
type Settlement struct {
	// Remove are the ids of the messages done with (acknowledged, dead-lettered or dropped).
	Remove []string
	// Update are retried messages, written in place (attempts, not-before), keeping their order.
	Update []QueueMessage
	// DeadLetterQueue, when set, receives DeadLettered at its end.
	DeadLetterQueue string
	DeadLettered    []QueueMessage
}

// Settle applies s to queue id in one transaction: a crash leaves the queue as it was before
// the batch, to be delivered again, or as it is after, never a message in both queues or none.
func (qs *Queues) Settle(id string, s Settlement) error {
	return qs.db.update(func(tx *sql.Tx) error {
		for _, mid := range s.Remove {
			if _, err := tx.ExecContext(ctx, "DELETE FROM queue_messages WHERE queue = ? AND id = ?", id, mid); err != nil {
				return fmt.Errorf("removing message %s of queue %s: %w", mid, id, err)
			}
		}
		for _, m := range s.Update {
			if _, err := tx.ExecContext(ctx, "UPDATE queue_messages SET not_before = ?, attempts = ? WHERE queue = ? AND id = ?",
				m.NotBefore, m.Attempts, id, m.ID); err != nil {
				return fmt.Errorf("writing message %s of queue %s: %w", m.ID, id, err)
			}
		}
		if s.DeadLetterQueue != "" && len(s.DeadLettered) > 0 {
			return appendMessages(tx, s.DeadLetterQueue, s.DeadLettered)
		}
		return nil
	})
}
