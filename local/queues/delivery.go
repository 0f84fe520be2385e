package queues

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Delivery hands a queue's messages to its consumer's queue() handler, in batches, through the
// consumer script's companion on workerd (local/workerd/scheduled.go): POST /queue there calls
// Fetcher.queue() and answers workerd's result, which settles each message (ack, retry, or the
// dead-letter queue past max retries). One batch per queue is in flight at a time, so a message
// is never in two batches, and a batch's outcome is on disk before the next batch is taken.

// queueTick is how often the loop looks for a batch that is full or has waited long enough.
const queueTick = 200 * time.Millisecond

// batchTimeout bounds one batch's delivery; Cloudflare gives a consumer 15 minutes of wall time,
// far more than a local test waits.
const batchTimeout = time.Minute

// maxBatchesPerDeliver bounds one on-demand delivery, retries included.
const maxBatchesPerDeliver = 1000

// queueLoop runs deliveries on schedule until stopped.
type queueLoop struct {
	stop   context.CancelFunc
	done   chan struct{}
	wake   chan struct{}
	active sync.WaitGroup
	// locks holds one mutex per queue id: whoever holds it is delivering that queue.
	locks sync.Map
}

// Runtime is what delivery needs of workerd: where a consumer script's companion answers.
type Runtime interface {
	ScheduledAddr(script string) (addr string, ok bool)
}

// Delivery delivers the queues' messages to their consumers' queue() handlers, in batches, on
// a loop and on demand; it also serves workerd's producers (ServeProducer), whose messages wake
// the loop.
type Delivery struct {
	store   *Store
	runtime Runtime
	logger  *slog.Logger
	loop    *queueLoop
}

// NewDelivery delivers store's messages through runtime; logger hears of each batch.
func NewDelivery(store *Store, runtime Runtime, logger *slog.Logger) *Delivery {
	return &Delivery{store: store, runtime: runtime, logger: logger}
}

// Start starts the loop; Stop (from the server's Close) ends it.
func (d *Delivery) Start() {
	ctx, cancel := context.WithCancel(context.Background())
	l := &queueLoop{stop: cancel, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	d.loop = l
	go func() {
		defer close(l.done)
		ticker := time.NewTicker(queueTick)
		defer ticker.Stop()
		for {
			select {
			case <-ctx.Done():
				l.active.Wait()
				return
			case <-ticker.C:
			case <-l.wake:
			}
			for _, q := range d.store.List() {
				if len(q.Consumers) == 0 {
					continue
				}
				mu := l.lock(q.ID)
				if !mu.TryLock() {
					continue // a delivery of this queue is under way
				}
				l.active.Add(1)
				go func() {
					defer l.active.Done()
					defer mu.Unlock()
					if _, err := d.deliverReady(ctx, q.ID, false); err != nil && ctx.Err() == nil {
						d.logger.Warn("queue delivery", "queue", q.Name, "err", err)
					}
				}()
			}
		}
	}()
}

func (l *queueLoop) lock(id string) *sync.Mutex {
	mu, _ := l.locks.LoadOrStore(id, &sync.Mutex{})
	return mu.(*sync.Mutex)
}

// Notify wakes the loop: messages arrived.
func (d *Delivery) Notify() {
	if d.loop == nil {
		return
	}
	select {
	case d.loop.wake <- struct{}{}:
	default:
	}
}

// Stop stops the loop and waits for the batches under way (each bounded by batchTimeout).
func (d *Delivery) Stop() {
	if d.loop == nil {
		return
	}
	d.loop.stop()
	<-d.loop.done
}

// Report is what one delivery did, summed over its batches.
type Report struct {
	Queue        string `json:"queue"`
	Batches      int    `json:"batches"`
	Delivered    int    `json:"delivered"`
	Acked        int    `json:"acked"`
	Retried      int    `json:"retried"`
	DeadLettered int    `json:"deadLettered"`
	Dropped      int    `json:"dropped"`
}

// DeliverNow delivers queue id's deliverable messages until none is left (what the tests'
// endpoint calls), waiting for a delivery the loop has under way.
func (d *Delivery) DeliverNow(ctx context.Context, id string) (Report, error) {
	if d.loop == nil {
		return Report{}, fmt.Errorf("the local Cloudflare is not running")
	}
	mu := d.loop.lock(id)
	mu.Lock()
	defer mu.Unlock()
	rep, err := d.deliverReady(ctx, id, true)
	d.Notify() // a dead-letter queue may have messages now
	return rep, err
}

// deliverReady delivers batches of queue id while there are some to deliver: full or waited
// enough ones, or, with flush, any. The caller holds the queue's lock.
func (d *Delivery) deliverReady(ctx context.Context, id string, flush bool) (Report, error) {
	var rep Report
	for range maxBatchesPerDeliver {
		b, ok := d.store.take(id, flush)
		if !ok {
			return rep, nil
		}
		rep.Queue = b.queue.Name
		got, err := d.deliverBatch(ctx, b)
		if err != nil {
			return rep, err
		}
		rep.Batches++
		rep.Delivered += len(b.messages)
		rep.Acked += got.Acked
		rep.Retried += got.Retried
		rep.DeadLettered += got.DeadLettered
		rep.Dropped += got.Dropped
		if got.DeadLettered > 0 {
			d.Notify()
		}
	}
	return rep, nil
}

// queueResult is what Fetcher.queue() answers: workerd's outcome and the handler's calls.
type queueResult struct {
	Outcome    string `json:"outcome"`
	AckAll     bool   `json:"ackAll"`
	RetryBatch struct {
		Retry        bool `json:"retry"`
		DelaySeconds *int `json:"delaySeconds"`
	} `json:"retryBatch"`
	ExplicitAcks  []string `json:"explicitAcks"`
	RetryMessages []struct {
		MsgID        string `json:"msgId"`
		DelaySeconds *int   `json:"delaySeconds"`
	} `json:"retryMessages"`
}

// settlement is what the result means for each message of b. A message the handler acked or
// retried explicitly is settled so; the rest are retried when the handler threw or called
// retryAll(), and acknowledged otherwise.
func (res queueResult) settlement(b batch) settlement {
	delay := func(d *int) int {
		if d != nil {
			return *d
		}
		return b.consumer.Settings.RetryDelay
	}
	s := settlement{Retry: map[string]int{}}
	acked := map[string]bool{}
	for _, id := range res.ExplicitAcks {
		acked[id] = true
	}
	retried := map[string]int{}
	for _, r := range res.RetryMessages {
		retried[r.MsgID] = delay(r.DelaySeconds)
	}
	for _, m := range b.messages {
		d, retry := retried[m.ID]
		switch {
		case acked[m.ID]:
			s.Acked = append(s.Acked, m.ID)
		case retry:
			s.Retry[m.ID] = d
		case res.Outcome != "ok":
			s.Retry[m.ID] = b.consumer.Settings.RetryDelay
		case res.RetryBatch.Retry && !res.AckAll:
			s.Retry[m.ID] = delay(res.RetryBatch.DelaySeconds)
		default:
			s.Acked = append(s.Acked, m.ID)
		}
	}
	return s
}

// deliverBatch runs the consumer's queue() handler on b and settles its messages. A batch that
// never reached the handler (the script is not running) goes back to the queue unchanged.
func (d *Delivery) deliverBatch(ctx context.Context, b batch) (settleReport, error) {
	res, err := d.callQueueHandler(ctx, b)
	if err != nil {
		d.store.release(b)
		return settleReport{}, err
	}
	rep, err := d.store.settle(b, res.settlement(b))
	if err != nil {
		return rep, fmt.Errorf("recording the outcome of a batch of queue %q: %w", b.queue.Name, err)
	}
	if rep.Dropped > 0 {
		d.logger.Warn("queue messages dropped after their last retry (the consumer has no dead-letter queue)",
			"queue", b.queue.Name, "script", b.consumer.Script, "count", rep.Dropped)
	}
	d.logger.Info("queue batch delivered", "queue", b.queue.Name, "script", b.consumer.Script, "outcome", res.Outcome,
		"messages", len(b.messages), "acked", rep.Acked, "retried", rep.Retried, "deadLettered", rep.DeadLettered)
	return rep, nil
}

// companionMessage is one message as the companion passes it to queue().
type companionMessage struct {
	ID          string `json:"id"`
	Timestamp   int64  `json:"timestamp"`
	Body        string `json:"body"`
	ContentType string `json:"contentType"`
	Attempts    int    `json:"attempts"`
}

// callQueueHandler posts b to the consumer script's companion and reads workerd's result. A
// handler that could not be run at all (the companion answered an error) counts as one that
// threw: the batch is an attempt.
func (d *Delivery) callQueueHandler(ctx context.Context, b batch) (queueResult, error) {
	addr, ok := d.runtime.ScheduledAddr(b.consumer.Script)
	if !ok {
		return queueResult{}, fmt.Errorf("delivering queue %q: consumer script %q is not running on workerd",
			b.queue.Name, b.consumer.Script)
	}
	msgs := make([]companionMessage, 0, len(b.messages))
	for _, m := range b.messages {
		msgs = append(msgs, companionMessage{ID: m.ID, Timestamp: m.Timestamp, Body: base64.StdEncoding.EncodeToString(m.Body),
			ContentType: m.ContentType, Attempts: m.Attempts + 1})
	}
	body, err := json.Marshal(map[string]any{"queue": b.queue.Name, "messages": msgs, "metrics": b.metrics})
	if err != nil {
		return queueResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, batchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/queue", bytes.NewReader(body))
	if err != nil {
		return queueResult{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return queueResult{}, fmt.Errorf("delivering a batch of queue %q to script %q: %w", b.queue.Name, b.consumer.Script, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return queueResult{}, fmt.Errorf("delivering a batch of queue %q: reading the outcome: %w", b.queue.Name, err)
	}
	if resp.StatusCode != http.StatusOK {
		d.logger.Warn("queue handler did not run", "queue", b.queue.Name, "script", b.consumer.Script,
			"status", resp.Status, "answer", string(out))
		return queueResult{Outcome: "exception"}, nil
	}
	var res queueResult
	if err := json.Unmarshal(out, &res); err != nil {
		return queueResult{}, fmt.Errorf("delivering a batch of queue %q: decoding the outcome %q: %w", b.queue.Name, out, err)
	}
	return res, nil
}
