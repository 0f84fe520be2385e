package loopback

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopbackServesUntilClosed(t *testing.T) {
	var l Server
	assert.Empty(t, l.Addr(), "no address before start")
	require.NoError(t, l.Start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hi") })))
	assert.True(t, strings.HasPrefix(l.Addr(), "127.0.0.1:"), l.Addr())
	res, err := http.Get("http://" + l.Addr())
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "hi", string(b))
	addr := l.Addr()
	require.NoError(t, l.Close())
	require.NoError(t, l.Close(), "closing twice is harmless")
	_, err = http.Get("http://" + addr)
	assert.Error(t, err, "nothing listens after close")
}

// TestLoopbackClosedRightAfterStart: a close that comes before the serving goroutine runs does
// not leave it serving a nil server (it crashed the test binary once).
func TestLoopbackClosedRightAfterStart(t *testing.T) {
	for range 200 {
		var l Server
		require.NoError(t, l.Start(http.NotFoundHandler()))
		require.NoError(t, l.Close())
	}
}
