package workerd

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestScheduledScriptGetsCompanion(t *testing.T) {
	plain, err := buildConfig([]Script{counterScript("api")}, "/data/storage")
	require.NoError(t, err)
	assert.False(t, plain.experimental, "no companion, no --experimental")
	assert.NotContains(t, string(plain.text), scheduledPrefix)

	s := counterScript("api")
	s.Scheduled = true
	cfg, err := buildConfig([]Script{s}, "/data/storage")
	require.NoError(t, err)
	assert.True(t, cfg.experimental)
	assert.Equal(t, []string{"api", "lumier:scheduled:api"}, cfg.sockets)
	text := string(cfg.text)
	assert.Contains(t, text, `(name = "lumier:scheduled:api", worker = (`)
	assert.Contains(t, text, `bindings = [(name = "WORKER", service = "api")]`)
	assert.Contains(t, text, `compatibilityFlags = ["service_binding_extra_handlers"]`)
	assert.Equal(t, scheduledSource, string(cfg.files["modules/api/scheduled.js"]))
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
