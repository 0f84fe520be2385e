// This file is written by hand; it tests config_queue.go.

package lumier

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueueBindsAndConsumesByName: ctx.Queue declares the app's queue once; as a binding it is
// {type: queue, name}; Consumers reach the App with the queue names, zero settings left to the
// defaults and NoRetries as 0.
func TestQueueBindsAndConsumesByName(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			jobs := ctx.Queue("jobs")
			dlq := ctx.Queue("jobs-dlq")
			assert.Equal(t, jobs, ctx.Queue("jobs"), "declaring a name again is the same queue")
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Bindings: Bindings{"JOBS": jobs},
				Consumers: []Consumer{{Queue: jobs, MaxRetries: 2, DeadLetter: dlq}, {Queue: dlq, MaxRetries: NoRetries}}})
			return nil
		},
	})
	require.NoError(t, err)
	in := reg.apps[0].Inputs
	queues := in["queues"].ArrayValue()
	require.Len(t, queues, 3, "every declaration reaches the App, which merges them")
	assert.Equal(t, "jobs", queues[0].ObjectValue()["name"].StringValue())

	w := in["workers"].ArrayValue()[0].ObjectValue()
	b := w["bindings"].ObjectValue()["JOBS"].ObjectValue()
	assert.Equal(t, "queue", b["type"].StringValue())
	assert.Equal(t, "jobs", b["name"].StringValue())
	cons := w["queueConsumers"].ArrayValue()
	require.Len(t, cons, 2)
	first := cons[0].ObjectValue()
	assert.Equal(t, "jobs", first["queue"].StringValue())
	assert.Equal(t, 2.0, first["maxRetries"].NumberValue())
	assert.Equal(t, "jobs-dlq", first["deadLetterQueue"].StringValue())
	assert.NotContains(t, first, resource.PropertyKey("maxBatchSize"), "a zero setting is left to Cloudflare's default")
	assert.Equal(t, 0.0, cons[1].ObjectValue()["maxRetries"].NumberValue(), "NoRetries is 0 retries")
}

func TestConsumerOfAnotherAppsQueueIsRefused(t *testing.T) {
	_, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Consumers: []Consumer{{}}})
			return nil
		},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `worker "api" consumer 0's Queue is not a queue of this app`)
}
