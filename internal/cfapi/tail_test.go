package cfapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Scripts.StartTail reads Cloudflare's answer (testdata/cloudflare/workers/tail-start.json).
func TestFixtureStartTail(t *testing.T) {
	c := fixtureClient(t, map[string]string{
		"POST /accounts/" + fixtureAccount + "/workers/scripts/counter/tails": "workers/tail-start",
	})
	tail, err := c.Scripts.StartTail(context.Background(), "counter")
	require.NoError(t, err)
	assert.Equal(t, Tail{
		ID:        "03dc9f77817b488fb26c5861ec18f791",
		URL:       "wss://tail.developers.workers.dev/03dc9f77817b488fb26c5861ec18f791",
		ExpiresAt: "2026-12-07T06:00:00Z",
	}, tail)
}

func TestStartTailChecksTheName(t *testing.T) {
	c := New("http://127.0.0.1:1", "token", fixtureAccount)
	_, err := c.Scripts.StartTail(context.Background(), "Bad/Name")
	assert.ErrorContains(t, err, `starting a tail of script "Bad/Name": invalid script name`)
}
