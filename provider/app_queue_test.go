package provider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppQueuesBindAndConsumeByAppName: an App's queues are named <app>-<stage>-<name>, follow the
// app's removal, and a Worker's {type: queue, name} binding and queueConsumers (dead-letter queue
// included) resolve to those names, the Worker depending on the queues.
func TestAppQueuesBindAndConsumeByAppName(t *testing.T) {
	in := basicApp(t, "stage", property.New("dev"), "removal", property.New("remove"),
		"queues", list(obj("name", "jobs"), obj("name", "jobs-dlq")))
	workers := in["workers"].AsArray().AsSlice()
	in["workers"] = list(append(workers, obj("name", "api",
		"bindings", obj("JOBS", obj("type", "queue", "name", "jobs")),
		"queueConsumers", list(obj("queue", "jobs", "maxRetries", property.New(2.0), "deadLetterQueue", "jobs-dlq"))))...)
	reg, _, err := constructApp(t, in)
	require.NoError(t, err)

	require.Len(t, reg.of("lumier:index:Queue"), 2)
	jobsQueue := reg.byName("lumier:index:Queue", "my-app-jobs")
	assert.Equal(t, "my-app-dev-jobs", jobsQueue.Inputs.Get("queueName").AsString())
	assert.True(t, jobsQueue.Inputs.Get("deleteData").AsBool(), "removal remove lets the queue go with its messages")
	assert.Equal(t, "my-app-dev-jobs-dlq", reg.byName("lumier:index:Queue", "my-app-jobs-dlq").Inputs.Get("queueName").AsString())

	script := reg.of("lumier:index:Script")[0]
	var jobs property.Map
	for _, b := range script.Inputs.Get("bindings").AsArray().All {
		if b.AsMap().Get("name").AsString() == "JOBS" {
			jobs = b.AsMap()
		}
	}
	assert.Equal(t, "queue", jobs.Get("type").AsString())
	assert.Equal(t, "my-app-dev-jobs", jobs.Get("queueName").AsString())
	c := script.Inputs.Get("queueConsumers").AsArray().Get(0).AsMap()
	assert.Equal(t, "my-app-dev-jobs", c.Get("queue").AsString())
	assert.Equal(t, "my-app-dev-jobs-dlq", c.Get("deadLetterQueue").AsString())
	assert.Equal(t, 2.0, c.Get("maxRetries").AsNumber())
}

func TestAppRefusesAQueueItDoesNotDeclare(t *testing.T) {
	in := basicApp(t, "queues", list(obj("name", "jobs")))
	workers := in["workers"].AsArray().AsSlice()
	in["workers"] = list(append(workers, obj("name", "api",
		"bindings", obj("MAIL", obj("type", "queue", "name", "mail")),
		"queueConsumers", list(obj("queue", "jobs", "deadLetterQueue", "dead"))))...)
	_, _, err := constructApp(t, in)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `worker "api" binding MAIL names queue "mail", which this app does not declare (it declares "jobs"): add {name: "mail"} to queues`)
	assert.Contains(t, err.Error(), `worker "api" queueConsumers[0].deadLetterQueue names queue "dead"`)
}

// TestAppRefusesAQueueConsumedByTwoWorkers: Cloudflare allows one consumer Worker per queue
// (error 11004 at up, naming the queue by its id); the App refuses it at preview, naming the
// queue and both Workers in the user's names.
func TestAppRefusesAQueueConsumedByTwoWorkers(t *testing.T) {
	in := basicApp(t, "queues", list(obj("name", "jobs")))
	entry := counterEntry(t)
	workers := in["workers"].AsArray().AsSlice()
	in["workers"] = list(append(workers,
		obj("name", "api", "queueConsumers", list(obj("queue", "jobs"))),
		obj("name", "mailer", "entry", entry, "queueConsumers", list(obj("queue", "jobs"))))...)
	_, _, err := constructApp(t, in)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `queue "jobs" is consumed by two Workers, "api" and "mailer", and Cloudflare allows one `+
		`consumer Worker per queue: keep {queue: "jobs"} in the queueConsumers of one of them`)
}
