package lumier

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// QueueRef is a declared Queue. Used as a binding value, it makes the Worker a producer
// (env.NAME.send, sendBatch); named in WorkerOptions.Consumers, a consumer.
type QueueRef struct {
	ctx  *Context
	name string
}

// Name returns the queue's name in the app.
func (q *QueueRef) Name() string { return q.name }

// QueueName is the queue's name on Cloudflare ("<app>-<stage>-<name>"), for Export.
func (q *QueueRef) QueueName() Deferred {
	return func() pulumi.Input { return q.ctx.resource.Queues.MapIndex(pulumi.String(q.name)) }
}

// Queue declares a Queue named "<app>-<stage>-<name>" on Cloudflare. Declaring the same name
// again is the same queue (the App merges the declarations).
func (c *Context) Queue(name string) *QueueRef {
	c.queues = append(c.queues, AppQueueArgs{Name: pulumi.String(name)})
	return &QueueRef{ctx: c, name: name}
}

// NoRetries is MaxRetries for a consumer that never retries (0 means Cloudflare's default, 3).
const NoRetries = -1

// Consumer makes a Worker consume a queue: its queue() handler gets the queue's messages in
// batches. Zero values take Cloudflare's defaults (batch of 10, 5 seconds, 3 retries, no delay).
type Consumer struct {
	// Queue is the queue consumed.
	Queue *QueueRef
	// MaxBatchSize is the most messages in one batch (1 to 100).
	MaxBatchSize int
	// MaxBatchTimeout is how many seconds a batch may wait to fill (up to 60).
	MaxBatchTimeout int
	// MaxRetries is how often a failed message is retried (up to 100; NoRetries for none)
	// before it moves to DeadLetter, or is dropped when DeadLetter is nil.
	MaxRetries int
	// DeadLetter receives the messages out of retries.
	DeadLetter *QueueRef
	// RetryDelay is how many seconds a retried message waits (up to 43200).
	RetryDelay int
}

// consumersInput turns a Worker's consumers into the App's declaration, naming queues of this
// app; a queue of another app is an error.
func (c *Context) consumersInput(worker string, consumers []Consumer) QueueConsumerArray {
	var out QueueConsumerArray
	ours := func(q *QueueRef, what string) bool {
		if q == nil || q.ctx != c {
			c.errs = append(c.errs, fmt.Errorf("worker %q consumer %s is not a queue of this app: use a *QueueRef "+
				"that ctx.Queue returned", worker, what))
			return false
		}
		return true
	}
	optional := func(v int) pulumi.IntPtrInput {
		switch v {
		case NoRetries:
			return pulumi.Int(0)
		case 0:
			return nil
		}
		return pulumi.Int(v)
	}
	for i, con := range consumers {
		if !ours(con.Queue, fmt.Sprintf("%d's Queue", i)) {
			continue
		}
		args := QueueConsumerArgs{
			Queue:           pulumi.String(con.Queue.name),
			MaxBatchSize:    optional(con.MaxBatchSize),
			MaxBatchTimeout: optional(con.MaxBatchTimeout),
			MaxRetries:      optional(con.MaxRetries),
			RetryDelay:      optional(con.RetryDelay),
		}
		if con.DeadLetter != nil {
			if !ours(con.DeadLetter, fmt.Sprintf("%d's DeadLetter", i)) {
				continue
			}
			args.DeadLetterQueue = pulumi.String(con.DeadLetter.name)
		}
		out = append(out, args)
	}
	return out
}
