package provider

import (
	"context"
	"fmt"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

// consumerInputs is the counter Script consuming the given queues.
func consumerInputs(t *testing.T, consumers ...property.Value) map[string]property.Value {
	inputs := counterInputs(t)
	inputs["entry"] = property.New(writeEntry(t, map[string]string{"src/index.ts": "import { DurableObject } from " +
		"\"cloudflare:workers\";\nexport class Counter extends DurableObject {}\n" +
		"export default { async fetch() { return new Response(\"ok\"); }, async queue(batch) {} };\n"}))
	inputs["queueConsumers"] = property.New(consumers)
	return inputs
}

// consumerReasons checks the counter Script consuming with c and returns the failures.
func consumerReasons(t *testing.T, c ...property.Value) []string {
	return reasons(check(t, newTestServer(t), consumerInputs(t, c...), nil))
}

func TestQueueConsumerCheckRefusesABatchSizeOutOfRange(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": maxBatchSize is 101, and Cloudflare allows 1 to 100 messages`},
		consumerReasons(t, obj("queue", "jobs", "maxBatchSize", property.New(101.0))))
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": maxBatchSize is 0, and Cloudflare allows 1 to 100 messages`},
		consumerReasons(t, obj("queue", "jobs", "maxBatchSize", property.New(0.0))))
}

func TestQueueConsumerCheckRefusesABatchTimeoutOutOfRange(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": maxBatchTimeout is 61, and Cloudflare allows 0 to 60 seconds`},
		consumerReasons(t, obj("queue", "jobs", "maxBatchTimeout", property.New(61.0))))
}

func TestQueueConsumerCheckRefusesRetriesOutOfRange(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": maxRetries is -1, and Cloudflare allows 0 to 100`},
		consumerReasons(t, obj("queue", "jobs", "maxRetries", property.New(-1.0))))
}

func TestQueueConsumerCheckRefusesARetryDelayOutOfRange(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": retryDelay is 43201, and Cloudflare allows 0 to 43200 seconds`},
		consumerReasons(t, obj("queue", "jobs", "retryDelay", property.New(43201.0))))
}

func TestQueueConsumerCheckRefusesABadQueueName(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers[0]: invalid queue name "Jobs": Cloudflare allows lowercase ` +
		`letters, digits and '-', starting with a letter or digit, at most 63 characters`},
		consumerReasons(t, obj("queue", "Jobs")))
}

func TestQueueConsumerCheckRefusesAQueueConsumedTwice(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: queue "jobs" is consumed twice: give it one entry in queueConsumers`},
		consumerReasons(t, obj("queue", "jobs"), obj("queue", "jobs", "maxRetries", property.New(1.0))))
}

func TestQueueConsumerCheckRefusesADeadLetterQueueThatIsTheQueue(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": deadLetterQueue is the queue itself: name another queue, or none`},
		consumerReasons(t, obj("queue", "jobs", "deadLetterQueue", "jobs")))
}

func TestQueueConsumerCheckRefusesABadDeadLetterQueueName(t *testing.T) {
	assert.Equal(t, []string{`queueConsumers: consumer of queue "jobs": deadLetterQueue: invalid queue name "dead letters": ` +
		`Cloudflare allows lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters`},
		consumerReasons(t, obj("queue", "jobs", "deadLetterQueue", "dead letters")))
}

// TestQueueConsumerCheckSpellsOutDefaults: the preview shows Cloudflare's defaults.
func TestQueueConsumerCheckSpellsOutDefaults(t *testing.T) {
	resp := check(t, newTestServer(t), consumerInputs(t, obj("queue", "jobs")), nil)
	require.Empty(t, reasons(resp))
	c := resp.Inputs.Get("queueConsumers").AsArray().Get(0).AsMap()
	assert.Equal(t, 10.0, c.Get("maxBatchSize").AsNumber())
	assert.Equal(t, 5.0, c.Get("maxBatchTimeout").AsNumber())
	assert.Equal(t, 3.0, c.Get("maxRetries").AsNumber())
	assert.Equal(t, 0.0, c.Get("retryDelay").AsNumber())
}

// ownConsumers reads script's consumers of queue id on srv.
func consumersOf(t *testing.T, srv *local.Server, id string) []cfapi.Consumer {
	t.Helper()
	cons, err := cfapi.New(srv.URL(), testToken, testAccount).Queues.Consumers(context.Background(), id)
	require.NoError(t, err)
	return cons
}

// TestScriptQueueConsumersLifecycle: a Script's queueConsumers become Cloudflare consumers at
// create; a settings change updates them without an upload; a refresh notices one removed out
// of band; dropping one removes it; deleting the script removes the rest first.
func TestScriptQueueConsumersLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	jobs, err := api.Queues.Create(ctx, "jobs")
	require.NoError(t, err)
	mail, err := api.Queues.Create(ctx, "mail")
	require.NoError(t, err)
	_, err = api.Queues.Create(ctx, "jobs-dlq")
	require.NoError(t, err)

	inputs := consumerInputs(t, obj("queue", "jobs", "maxRetries", property.New(2.0), "deadLetterQueue", "jobs-dlq"),
		obj("queue", "mail"))
	urn := scriptURN("api")
	in := checked(t, s, inputs, nil)
	created, err := s.Create(p.CreateRequest{Urn: urn, Properties: in})
	require.NoError(t, err)
	assert.Equal(t, []cfapi.Consumer{{ID: consumersOf(t, srv, jobs.ID)[0].ID, Script: "my-app-dev-api", DeadLetterQueue: "jobs-dlq",
		BatchSize: 10, MaxWaitTimeMs: 5000, MaxRetries: 2}}, consumersOf(t, srv, jobs.ID))
	require.Len(t, consumersOf(t, srv, mail.ID), 1)

	// A settings change: an update of the consumer, no upload.
	changed := consumerInputs(t, obj("queue", "jobs", "maxRetries", property.New(5.0), "deadLetterQueue", "jobs-dlq"),
		obj("queue", "mail"))
	changed["entry"] = inputs["entry"]
	in2 := checked(t, s, changed, inputs)
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in2, OldInputs: in})
	require.NoError(t, err)
	assert.Equal(t, map[string]p.PropertyDiff{"queueConsumers": {Kind: p.Update}}, diff.DetailedDiff)
	srv.ResetCalls()
	updated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: created.Properties, Inputs: in2, OldInputs: in})
	require.NoError(t, err)
	assert.Zero(t, srv.Calls()[local.CallUpload], "a consumer change uploads nothing")
	assert.Equal(t, 5, consumersOf(t, srv, jobs.ID)[0].MaxRetries)

	// Removed out of band: the refresh drops it from state, so the next update puts it back.
	require.NoError(t, api.Queues.DeleteConsumer(ctx, mail.ID, consumersOf(t, srv, mail.ID)[0].ID))
	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: urn, Properties: updated.Properties, Inputs: in2})
	require.NoError(t, err)
	assert.Equal(t, 1, read.Properties.Get("queueConsumers").AsArray().Len(), "only jobs' consumer is left")

	// Dropping mail and jobs' dead-letter queue.
	fewer := consumerInputs(t, obj("queue", "jobs"))
	fewer["entry"] = inputs["entry"]
	in3 := checked(t, s, fewer, changed)
	_, err = s.Update(p.UpdateRequest{ID: created.ID, Urn: urn, State: updated.Properties, Inputs: in3, OldInputs: in2})
	require.NoError(t, err)
	assert.Empty(t, consumersOf(t, srv, mail.ID))
	require.Len(t, consumersOf(t, srv, jobs.ID), 1)
	assert.Empty(t, consumersOf(t, srv, jobs.ID)[0].DeadLetterQueue)

	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: urn, Properties: updated.Properties.Set("deleteData", property.New(true))}))
	assert.Empty(t, consumersOf(t, srv, jobs.ID), "the script's consumers go before it")
}

// TestScriptQueueConsumerOfAMissingQueue: the error names the queue and says what to do.
func TestScriptQueueConsumerOfAMissingQueue(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	inputs := consumerInputs(t, obj("queue", "nope"))
	_, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: checked(t, s, inputs, nil)})
	assert.ErrorContains(t, err, `worker script "my-app-dev-api" consumes queue "nope", which does not exist on Cloudflare`)
}

// TestScriptConsumesAQueueOnTheListsLastPage: with more queues than a page of the queue list,
// the provider reads every page and finds the queue on the last one.
func TestScriptConsumesAQueueOnTheListsLastPage(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	for i := range 100 { // the local Cloudflare's largest page holds 100
		_, err := api.Queues.Create(ctx, fmt.Sprintf("filler-%03d", i))
		require.NoError(t, err)
	}
	last, err := api.Queues.Create(ctx, "zz-last") // sorts after every filler: page 2
	require.NoError(t, err)

	inputs := consumerInputs(t, obj("queue", "zz-last"))
	_, err = s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: checked(t, s, inputs, nil)})
	require.NoError(t, err)
	require.Len(t, consumersOf(t, srv, last.ID), 1)
}

// TestCheckRefusesAConsumerWithoutQueueHandler: a Worker consuming a queue whose default export
// has no queue() handler deploys on Cloudflare and then drops every message; preview refuses it,
// naming the queue, the entry and the handler to add. A queue() handler, as an object method or a
// WorkerEntrypoint class method, passes.
func TestCheckRefusesAConsumerWithoutQueueHandler(t *testing.T) {
	s := newTestServer(t)
	consumer := func(code string) map[string]property.Value {
		entry := writeEntry(t, map[string]string{"src/index.ts": code,
			"src/make.ts": "export function make() { return { queue() {} }; }\n"})
		return map[string]property.Value{
			"scriptName":     property.New("mailer"),
			"entry":          property.New(entry),
			"queueConsumers": property.New([]property.Value{property.New(map[string]property.Value{"queue": property.New("jobs")})}),
		}
	}
	in := consumer(handlers)
	assert.Contains(t, joined(reasons(check(t, s, in, nil))), `queueConsumers: script "mailer" consumes queue "jobs", but `+
		`the default export of `+in["entry"].AsString()+` has no queue() handler (it has fetch): every message would fail, `+
		"be retried and then be dropped. Add `async queue(batch, env) { ... }` to the default export, or remove the "+
		"queue from queueConsumers")

	for name, code := range map[string]string{
		"object method": "export default { async fetch() { return new Response(\"ok\"); }, async queue(batch) {} };\n",
		"property":      "async function consume(batch) {}\nexport default { queue: consume };\n",
		"class method": "import { WorkerEntrypoint } from \"cloudflare:workers\";\n" +
			"export default class extends WorkerEntrypoint { async queue(batch) {} };\n",
		"unknown": "import { make } from \"./make\";\nexport default make();\n",
	} {
		t.Run(name, func(t *testing.T) {
			assert.Empty(t, reasons(check(t, s, consumer(code), nil)))
		})
	}
}
