package provider

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/infer"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/bundle"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// QueueConsumer makes a Worker a consumer of a queue: Cloudflare delivers the queue's messages
// to its queue() handler in batches.
type QueueConsumer struct {
	Queue           string  `pulumi:"queue"`
	MaxBatchSize    *int    `pulumi:"maxBatchSize,optional"`
	MaxBatchTimeout *int    `pulumi:"maxBatchTimeout,optional"`
	MaxRetries      *int    `pulumi:"maxRetries,optional"`
	DeadLetterQueue *string `pulumi:"deadLetterQueue,optional"`
	RetryDelay      *int    `pulumi:"retryDelay,optional"`
}

// Annotate documents QueueConsumer.
func (c *QueueConsumer) Annotate(a infer.Annotator) {
	a.SetToken("index", "QueueConsumer")
	a.Describe(c, "A queue this Worker consumes: its queue() handler gets the queue's messages in batches; each message "+
		"is acknowledged when the handler returns (or msg.ack()), retried when it throws (or msg.retry()), and after "+
		"maxRetries retries moves to the dead-letter queue, or is dropped when there is none.")
	a.Describe(&c.Queue, "Name of the queue on Cloudflare (a Queue's queueName). In an App, the name of a queue of the app.")
	a.Describe(&c.MaxBatchSize, fmt.Sprintf("Most messages in one batch, %d to %d. Defaults to %d.", 1, maxConsumerBatch, defaultConsumerBatch))
	a.Describe(&c.MaxBatchTimeout, fmt.Sprintf("Seconds a batch may wait to fill before it is delivered, 0 to %d. Defaults to %d.",
		maxConsumerTimeout, defaultConsumerTimeout))
	a.Describe(&c.MaxRetries, fmt.Sprintf("Times a message is retried before it moves to the dead-letter queue, 0 to %d. "+
		"Defaults to %d.", maxConsumerRetries, defaultConsumerRetries))
	a.Describe(&c.DeadLetterQueue, "Queue (name on Cloudflare; in an App, a queue of the app) that receives the messages "+
		"out of retries. None: they are dropped.")
	a.Describe(&c.RetryDelay, fmt.Sprintf("Seconds before a retried message is delivered again, 0 to %d. Defaults to 0.",
		maxConsumerRetryDelay))
}

// Cloudflare's defaults and limits for a Worker consumer (docs/cloudflare-api.md, Queues).
const (
	defaultConsumerBatch   = 10
	defaultConsumerTimeout = 5
	defaultConsumerRetries = 3
	maxConsumerBatch       = 100
	maxConsumerTimeout     = 60
	maxConsumerRetries     = 100
	maxConsumerRetryDelay  = 43200
)

// queueConsumersDoc documents the queueConsumers option wherever it appears.
const queueConsumersDoc = "Queues this Worker consumes, with their delivery settings (batch size, batch timeout, " +
	"retries, dead-letter queue, retry delay); its queue() handler gets their messages in batches."

// withConsumerDefaults spells out Cloudflare's defaults, so previews and state show what
// Cloudflare gets.
func withConsumerDefaults(cs []QueueConsumer) []QueueConsumer {
	out := slices.Clone(cs)
	for i := range out {
		if out[i].MaxBatchSize == nil {
			out[i].MaxBatchSize = ptr(defaultConsumerBatch)
		}
		if out[i].MaxBatchTimeout == nil {
			out[i].MaxBatchTimeout = ptr(defaultConsumerTimeout)
		}
		if out[i].MaxRetries == nil {
			out[i].MaxRetries = ptr(defaultConsumerRetries)
		}
		if out[i].RetryDelay == nil {
			out[i].RetryDelay = ptr(0)
		}
		if out[i].DeadLetterQueue != nil && *out[i].DeadLetterQueue == "" {
			out[i].DeadLetterQueue = nil
		}
	}
	return out
}

// checkConsumers refuses, at preview, consumer settings Cloudflare would refuse, naming the
// queue and the setting.
func checkConsumers(cs []QueueConsumer) []p.CheckFailure {
	var failures []p.CheckFailure
	fail := func(format string, args ...any) {
		failures = append(failures, p.CheckFailure{Property: "queueConsumers", Reason: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for i, c := range cs {
		if err := cfapi.ValidateQueueName(c.Queue); err != nil {
			fail("queueConsumers[%d]: %v", i, err)
			continue
		}
		if seen[c.Queue] {
			fail("queue %q is consumed twice: give it one entry in queueConsumers", c.Queue)
		}
		seen[c.Queue] = true
		inRange := func(v *int, name string, lo, hi int, unit string) {
			if v != nil && (*v < lo || *v > hi) {
				fail("consumer of queue %q: %s is %d, and Cloudflare allows %d to %d%s", c.Queue, name, *v, lo, hi, unit)
			}
		}
		inRange(c.MaxBatchSize, "maxBatchSize", 1, maxConsumerBatch, " messages")
		inRange(c.MaxBatchTimeout, "maxBatchTimeout", 0, maxConsumerTimeout, " seconds")
		inRange(c.MaxRetries, "maxRetries", 0, maxConsumerRetries, "")
		inRange(c.RetryDelay, "retryDelay", 0, maxConsumerRetryDelay, " seconds")
		if dlq := deref(c.DeadLetterQueue); dlq != "" {
			if err := cfapi.ValidateQueueName(dlq); err != nil {
				fail("consumer of queue %q: deadLetterQueue: %v", c.Queue, err)
			} else if dlq == c.Queue {
				fail("consumer of queue %q: deadLetterQueue is the queue itself: name another queue, or none", c.Queue)
			}
		}
	}
	return failures
}

// consumersChanged reports whether two consumer lists differ, in any order.
func consumersChanged(old, news []QueueConsumer) bool {
	return !reflect.DeepEqual(consumersByQueue(old), consumersByQueue(news))
}

func consumersByQueue(cs []QueueConsumer) map[string]QueueConsumer {
	out := map[string]QueueConsumer{}
	for _, c := range withConsumerDefaults(cs) {
		out[c.Queue] = c
	}
	return out
}

// apiConsumer is c as Cloudflare's consumers API spells it, for script.
func apiConsumer(script string, c QueueConsumer) cfapi.Consumer {
	c = withConsumerDefaults([]QueueConsumer{c})[0]
	return cfapi.Consumer{Script: script, DeadLetterQueue: deref(c.DeadLetterQueue), BatchSize: *c.MaxBatchSize,
		MaxWaitTimeMs: *c.MaxBatchTimeout * 1000, MaxRetries: *c.MaxRetries, RetryDelay: *c.RetryDelay}
}

// queueIDs maps the account's queue names to ids (one call).
func queueIDs(ctx context.Context, c *cfapi.Client) (map[string]string, error) {
	qs, err := c.Queues.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(qs))
	for _, q := range qs {
		out[q.Name] = q.ID
	}
	return out, nil
}

// ownConsumer finds script's consumer of queue id.
func ownConsumer(ctx context.Context, c *cfapi.Client, queueID, script string) (cfapi.Consumer, bool, error) {
	cons, err := c.Queues.Consumers(ctx, queueID)
	if err != nil {
		return cfapi.Consumer{}, false, err
	}
	i := slices.IndexFunc(cons, func(x cfapi.Consumer) bool { return x.Script == script })
	if i < 0 {
		return cfapi.Consumer{}, false, nil
	}
	return cons[i], true, nil
}

// setConsumers makes script consume exactly the queues of news with their settings: consumers
// missing are created, changed ones updated, and the ones of old no longer declared removed.
// It runs after the upload, since Cloudflare needs the script to exist.
func setConsumers(ctx context.Context, c *cfapi.Client, script string, old, news []QueueConsumer) error {
	ids, err := queueIDs(ctx, c)
	if err != nil {
		return err
	}
	want := consumersByQueue(news)
	for _, name := range sortedKeys(want) {
		id, ok := ids[name]
		if !ok {
			return fmt.Errorf("worker script %q consumes queue %q, which does not exist on Cloudflare: create it (a Queue, "+
				"or queues in the app) or fix the name", script, name)
		}
		have, found, err := ownConsumer(ctx, c, id, script)
		if err != nil {
			return err
		}
		target := apiConsumer(script, want[name])
		switch {
		case !found:
			if _, err := c.Queues.CreateConsumer(ctx, id, target); err != nil {
				return err
			}
		case sameConsumer(have, target):
		default:
			target.ID = have.ID
			if err := c.Queues.UpdateConsumer(ctx, id, target); err != nil {
				return err
			}
		}
	}
	for name := range consumersByQueue(old) {
		if _, kept := want[name]; kept {
			continue
		}
		if err := removeConsumer(ctx, c, ids[name], script); err != nil {
			return err
		}
	}
	return nil
}

// removeConsumer removes script's consumer of queue id, if both still exist.
func removeConsumer(ctx context.Context, c *cfapi.Client, id, script string) error {
	if id == "" {
		return nil // the queue is gone, and its consumers with it
	}
	have, found, err := ownConsumer(ctx, c, id, script)
	if cfapi.IsNotFound(err) || (err == nil && !found) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.Queues.DeleteConsumer(ctx, id, have.ID); err != nil && !cfapi.IsNotFound(err) {
		return err
	}
	return nil
}

// removeConsumers removes every consumer of script in cs (before the script is deleted).
func removeConsumers(ctx context.Context, c *cfapi.Client, script string, cs []QueueConsumer) error {
	if len(cs) == 0 {
		return nil
	}
	ids, err := queueIDs(ctx, c)
	if err != nil {
		return err
	}
	for name := range consumersByQueue(cs) {
		if err := removeConsumer(ctx, c, ids[name], script); err != nil {
			return err
		}
	}
	return nil
}

func sameConsumer(a, b cfapi.Consumer) bool {
	a.ID, b.ID = "", ""
	return a == b
}

// readConsumers is the refresh of a script's consumers: those of cs that Cloudflare still has,
// with the settings it reports. Only the queues in cs are read, so a script without consumers
// costs no call.
func readConsumers(ctx context.Context, c *cfapi.Client, script string, cs []QueueConsumer) ([]QueueConsumer, error) {
	if len(cs) == 0 {
		return cs, nil
	}
	ids, err := queueIDs(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []QueueConsumer
	for _, want := range withConsumerDefaults(cs) {
		id, ok := ids[want.Queue]
		if !ok {
			continue
		}
		have, found, err := ownConsumer(ctx, c, id, script)
		if err != nil {
			return nil, err
		}
		if !found {
			continue
		}
		got := QueueConsumer{Queue: want.Queue, MaxBatchSize: ptr(have.BatchSize), MaxBatchTimeout: ptr(have.MaxWaitTimeMs / 1000),
			MaxRetries: ptr(have.MaxRetries), RetryDelay: ptr(have.RetryDelay)}
		if have.DeadLetterQueue != "" {
			got.DeadLetterQueue = ptr(have.DeadLetterQueue)
		}
		out = append(out, got)
	}
	return out, nil
}

// consumersInput is cs as the Script's queueConsumers input.
func consumersInput(cs []QueueConsumer) pulumi.Array {
	arr := pulumi.Array{}
	for _, c := range cs {
		m := pulumi.Map{"queue": pulumi.String(c.Queue)}
		opt := func(key string, v *int) {
			if v != nil {
				m[key] = pulumi.Int(*v)
			}
		}
		opt("maxBatchSize", c.MaxBatchSize)
		opt("maxBatchTimeout", c.MaxBatchTimeout)
		opt("maxRetries", c.MaxRetries)
		opt("retryDelay", c.RetryDelay)
		if c.DeadLetterQueue != nil {
			m["deadLetterQueue"] = pulumi.String(*c.DeadLetterQueue)
		}
		arr = append(arr, m)
	}
	return arr
}

// checkQueueHandler refuses, at preview, a consumer Worker whose default export has no queue()
// handler: Cloudflare accepts it, then fails every delivery, retries each message and drops it
// (or moves it to the dead-letter queue). A default export the bundle does not show without
// running it is left alone.
func checkQueueHandler(args *ScriptArgs, b *bundle.Result) []p.CheckFailure {
	if len(args.QueueConsumers) == 0 || !b.HandlersKnown || slices.Contains(b.Handlers, "queue") {
		return nil
	}
	queues := make([]string, len(args.QueueConsumers))
	for i, c := range args.QueueConsumers {
		queues[i] = c.Queue
	}
	noun := "queue"
	if len(queues) > 1 {
		noun = "queues"
	}
	has := "has no handlers"
	if len(b.Handlers) > 0 {
		has = "has " + strings.Join(b.Handlers, ", ")
	}
	return []p.CheckFailure{{Property: "queueConsumers", Reason: fmt.Sprintf(
		"script %q consumes %s %s, but the default export of %s has no queue() handler (it %s): every message "+
			"would fail, be retried and then be dropped. Add `async queue(batch, env) { ... }` to the default export, "+
			"or remove the queue from queueConsumers", args.ScriptName, noun, strings.Join(quoteAll(queues), ", "), args.Entry, has)}}
}
