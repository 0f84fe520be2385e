package runtime

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The router proxies a script's port to wherever the script runs now, with the client's path
// and host; a script that is not running gets a clear 503.
func TestRouterProxies(t *testing.T) {
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Method+" "+r.Host+" "+r.URL.RequestURI())
	}))
	defer backend.Close()
	target := strings.TrimPrefix(backend.URL, "http://")
	running := true
	r := newRouter(slog.New(slog.DiscardHandler), func(script string) routeTarget {
		return routeTarget{addr: target, ok: running && script == "api"}
	})
	defer r.CloseAll()

	port, err := r.Open("api", 0, 0, nil)
	require.NoError(t, err)
	again, err := r.Open("api", 0, 0, nil)
	require.NoError(t, err)
	assert.Equal(t, port, again, "opening an open script is a no-op")

	url := "http://127.0.0.1:" + strconv.Itoa(port)
	status, body := send(t, "POST", url+"/a/b?c=d")
	assert.Equal(t, http.StatusOK, status)
	assert.Equal(t, "POST 127.0.0.1:"+strconv.Itoa(port)+" /a/b?c=d", body)

	running = false
	status, body = send(t, "GET", url)
	assert.Equal(t, http.StatusServiceUnavailable, status)
	assert.Contains(t, body, "script api is not running")

	r.Close("api")
	_, ok := r.Port("api")
	assert.False(t, ok)
	_, err = http.Get(url)
	assert.Error(t, err, "a closed script's port stops answering")
}

// A script's recorded port that another program took is replaced, and new ports are searched
// from the given base, skipping ports other scripts recorded.
func TestRouterPorts(t *testing.T) {
	r := newRouter(slog.New(slog.DiscardHandler), func(string) routeTarget { return routeTarget{} })
	defer r.CloseAll()

	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port

	port, err := r.Open("moved", takenPort, 0, nil)
	require.NoError(t, err)
	assert.NotEqual(t, takenPort, port)

	base := takenPort // taken: the search moves on
	port, err = r.Open("searched", 0, base, map[int]bool{base + 1: true})
	require.NoError(t, err)
	assert.Greater(t, port, base+1)
	assert.Less(t, port, base+portSearch)
}

// send makes one request to url and returns its status and trimmed body.
func send(t *testing.T, method, url string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, nil)
	require.NoError(t, err)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, strings.TrimSpace(string(b))
}
