package workerd

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildConfigQueue: two scripts producing to one queue share one backend service, which
// injects the queue name; a queue binding without a backend is refused.
func TestBuildConfigQueue(t *testing.T) {
	q := Binding{Name: "JOBS", Type: BindingQueue, QueueName: "app-dev-jobs", QueueBackend: "127.0.0.1:4322"}
	a := Script{Name: "a", Modules: []Module{{Name: "index.js", Content: []byte("export default {}")}}, Bindings: []Binding{q}}
	b := a
	b.Name = "b"
	cfg, err := buildConfig([]Script{a, b}, "/st")
	require.NoError(t, err)
	text := string(cfg.text)
	assert.Equal(t, 2, strings.Count(text, `(name = "JOBS", queue = "lumier:queue:app-dev-jobs")`), text)
	assert.Equal(t, 1, strings.Count(text, `(name = "lumier:queue:app-dev-jobs", external = (address = "127.0.0.1:4322", `+
		`http = (injectRequestHeaders = [(name = "X-Lumier-Queue", value = "app-dev-jobs")])))`), text)

	q.QueueBackend = ""
	a.Bindings = []Binding{q}
	_, err = buildConfig([]Script{a}, "/st")
	assert.ErrorContains(t, err, "needs a queue name and a backend")
}

// TestCompanionDeliversQueueBatches: the companion that runs scheduled() also runs queue(),
// turning each message's body back into a value by its content type.
func TestCompanionDeliversQueueBatches(t *testing.T) {
	for _, want := range []string{
		`url.pathname === "/queue"`,
		`env.WORKER.queue(batch.queue, batch.messages.map(message), { metrics: batch.metrics })`,
		`case "json": out.body = JSON.parse(`,
		`case "text": out.body = new TextDecoder().decode(bytes)`,
		`default: out.serializedBody = bytes.buffer`,
		`timestamp: new Date(m.timestamp)`,
	} {
		assert.Contains(t, scheduledSource, want)
	}
}
