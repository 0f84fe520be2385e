package local

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoopbackServesUntilClosed(t *testing.T) {
	var l loopback
	assert.Empty(t, l.addr(), "no address before start")
	require.NoError(t, l.start(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "hi") })))
	assert.True(t, strings.HasPrefix(l.addr(), "127.0.0.1:"), l.addr())
	res, err := http.Get("http://" + l.addr())
	require.NoError(t, err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	assert.Equal(t, "hi", string(b))
	addr := l.addr()
	require.NoError(t, l.close())
	require.NoError(t, l.close(), "closing twice is harmless")
	_, err = http.Get("http://" + addr)
	assert.Error(t, err, "nothing listens after close")
}

// TestLoopbackClosedRightAfterStart: a close that comes before the serving goroutine runs does
// not leave it serving a nil server (it crashed the test binary once).
func TestLoopbackClosedRightAfterStart(t *testing.T) {
	for range 200 {
		var l loopback
		require.NoError(t, l.start(http.NotFoundHandler()))
		require.NoError(t, l.close())
	}
}
