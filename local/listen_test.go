package local

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCheckLoopback(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8787": "127.0.0.1:8787",
		"localhost:0":    "127.0.0.1:0",
		"[::1]:8787":     "[::1]:8787",
		"127.0.0.2:1":    "127.0.0.2:1",
	} {
		got, err := checkLoopback(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"0.0.0.0:8787", ":8787", "192.168.1.2:8787", "example.com:80", "[::]:8787"} {
		_, err := checkLoopback(in)
		assert.ErrorContains(t, err, "not a loopback address", in)
	}
	_, err := checkLoopback("8787")
	assert.ErrorContains(t, err, "want host:port")
}
