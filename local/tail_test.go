package local

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/envelope"
)

// tailingWorker logs on every request and throws on /boom.
const tailingWorker = `export default {
  async fetch(request) {
    const url = new URL(request.url);
    console.log("hit " + url.pathname);
    if (url.pathname === "/boom") throw new Error("kaboom");
    return new Response("ok");
  },
};
`

// dialTail connects to a tail's WebSocket the way wrangler does: protocol trace-v1, then its
// filters message.
func dialTail(t *testing.T, url string) *websocket.Conn {
	t.Helper()
	c, _, err := websocket.Dial(ctxT(t), url, &websocket.DialOptions{Subprotocols: []string{"trace-v1"}})
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	require.NoError(t, c.Write(ctxT(t), websocket.MessageText, []byte(`{"debug":false}`)))
	return c
}

// readEvent reads one tail message.
func readEvent(t *testing.T, c *websocket.Conn) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, msg, err := c.Read(ctx)
	require.NoError(t, err)
	var e map[string]any
	require.NoError(t, json.Unmarshal(msg, &e), "message: %s", msg)
	return e
}

// TestTailStreamsAScriptsEvents starts a tail on a script through the API in Cloudflare's shape
// and reads, on its WebSocket, each request's console output and uncaught exception under the
// script's name with the request that caused them; another script's events do not reach it.
func TestTailStreamsAScriptsEvents(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	mustUpload(t, s, "tailed", meta(nil), module{Name: "index.js", Src: tailingWorker})
	mustUpload(t, s, "other", meta(nil), module{Name: "index.js", Src: tailingWorker})
	url := enableWorkersDev(t, s, "tailed")
	otherURL := enableWorkersDev(t, s, "other")
	tails := "/accounts/" + s.AccountID() + "/workers/scripts/tailed/tails"

	r := raw(t, s, "POST", tails, s.Token(), "application/json", []byte(`{"filters":[]}`))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	shapetest.Check(t, "workers", "tail-start", r.Body)
	var tail tailAnswer
	require.NoError(t, json.Unmarshal(r.Result, &tail))
	assert.True(t, strings.HasPrefix(tail.URL, "ws://127.0.0.1:"), "the WebSocket is the local Cloudflare's: %s", tail.URL)
	expires, err := time.Parse(time.RFC3339, tail.ExpiresAt)
	require.NoError(t, err)
	assert.True(t, expires.After(time.Now()))

	r = raw(t, s, "GET", tails, s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	shapetest.Check(t, "workers", "tail-list", r.Body)
	assert.JSONEq(t, `[{"id":"`+tail.ID+`","url":"`+tail.URL+`","expires_at":"`+tail.ExpiresAt+`"}]`, string(r.Result))

	c := dialTail(t, tail.URL)
	status, _ := call(t, "GET", otherURL+"/not-this-one", "")
	require.Equal(t, http.StatusOK, status)
	status, _ = call(t, "POST", url+"/boom", "")
	require.Equal(t, http.StatusInternalServerError, status)

	e := readEvent(t, c)
	assert.Equal(t, "tailed", e["scriptName"])
	assert.Equal(t, "exception", e["outcome"])
	request := e["event"].(map[string]any)["request"].(map[string]any)
	assert.Equal(t, "POST", request["method"])
	assert.True(t, strings.HasSuffix(request["url"].(string), "/boom"), "request url %v", request["url"])
	logs := e["logs"].([]any)
	require.Len(t, logs, 1)
	assert.Equal(t, []any{"hit /boom"}, logs[0].(map[string]any)["message"])
	exceptions := e["exceptions"].([]any)
	require.Len(t, exceptions, 1)
	assert.Equal(t, "kaboom", exceptions[0].(map[string]any)["message"])
	// Headers and cf are open maps, whose keys no fixture can list.
	request["headers"], request["cf"] = nil, nil
	msg, err := json.Marshal(e)
	require.NoError(t, err)
	shapetest.Check(t, "workers", "tail-event", msg)

	// Deleting the tail ends its WebSocket and its listing.
	r = raw(t, s, "DELETE", tails+"/"+tail.ID, s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, _, err = c.Read(ctx)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err), "read after delete: %v", err)
	r = raw(t, s, "GET", tails, s.Token(), "", nil)
	assert.JSONEq(t, `[]`, string(r.Result))
	r = raw(t, s, "DELETE", tails+"/"+tail.ID, s.Token(), "", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
}

// A tail needs the script to exist, and its WebSocket the trace-v1 protocol, as wrangler asks.
func TestTailRefusals(t *testing.T) {
	s := sharedServer(t)
	base := "/accounts/" + s.AccountID() + "/workers/scripts/"
	r := raw(t, s, "POST", base+"no-such-script/tails", s.Token(), "application/json", []byte(`{}`))
	assert.Equal(t, http.StatusNotFound, r.Status)
	assert.Equal(t, envelope.CodeScriptNotFound, r.code())

	mustUpload(t, s, "tail-refusals", meta(nil), module{Name: "index.js", Src: tailingWorker})
	r = raw(t, s, "POST", base+"tail-refusals/tails", s.Token(), "application/json", []byte(`{}`))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var tail tailAnswer
	require.NoError(t, json.Unmarshal(r.Result, &tail))
	c, _, err := websocket.Dial(ctxT(t), tail.URL, nil)
	require.NoError(t, err)
	defer c.CloseNow()
	_, _, err = c.Read(ctxT(t))
	assert.Equal(t, websocket.StatusPolicyViolation, websocket.CloseStatus(err), "no protocol: %v", err)

	r = raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/scripts/tail-refusals/tails", "", "", nil)
	assert.NotEqual(t, http.StatusOK, r.Status, "listing tails takes the token")
	_, _, err = websocket.Dial(ctxT(t), strings.Replace(tail.URL, tail.ID, "0123", 1), &websocket.DialOptions{Subprotocols: []string{"trace-v1"}})
	assert.ErrorContains(t, err, "404", "an unknown tail id")
}

// wrangler sends its opening message unmasked (the ws library's mask: false), which
// Cloudflare's tail accepts: the local Cloudflare keeps the connection and streams the events.
func TestTailAcceptsWranglersUnmaskedMessage(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	mustUpload(t, s, "tailed", meta(nil), module{Name: "index.js", Src: tailingWorker})
	url := enableWorkersDev(t, s, "tailed")
	r := raw(t, s, "POST", "/accounts/"+s.AccountID()+"/workers/scripts/tailed/tails", s.Token(), "application/json", []byte(`{}`))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	var tail tailAnswer
	require.NoError(t, json.Unmarshal(r.Result, &tail))

	u, err := neturl.Parse(tail.URL)
	require.NoError(t, err)
	conn, err := net.DialTimeout("tcp", u.Host, testTimeout)
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(testTimeout)))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: trace-v1\r\n\r\n", u.Path, u.Host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
	assert.Equal(t, "trace-v1", resp.Header.Get("Sec-WebSocket-Protocol"))
	// An unmasked text frame, FIN set: {"debug":false}.
	msg := []byte(`{"debug":false}`)
	_, err = conn.Write(append([]byte{0x81, byte(len(msg))}, msg...))
	require.NoError(t, err)

	status, _ := call(t, "GET", url+"/after-unmasked", "")
	require.Equal(t, http.StatusOK, status)
	// The server's frame: a text frame, unmasked, 16- or 64-bit length when long.
	head := make([]byte, 2)
	_, err = io.ReadFull(br, head)
	require.NoError(t, err)
	require.Equal(t, byte(0x81), head[0], "a text frame, not a close")
	n := uint64(head[1] & 0x7f)
	switch n {
	case 126:
		ext := make([]byte, 2)
		_, err = io.ReadFull(br, ext)
		n = uint64(binary.BigEndian.Uint16(ext))
	case 127:
		ext := make([]byte, 8)
		_, err = io.ReadFull(br, ext)
		n = binary.BigEndian.Uint64(ext)
	}
	require.NoError(t, err)
	body := make([]byte, n)
	_, err = io.ReadFull(br, body)
	require.NoError(t, err)
	var e struct {
		ScriptName string `json:"scriptName"`
		Logs       []struct {
			Message []string `json:"message"`
		} `json:"logs"`
	}
	require.NoError(t, json.Unmarshal(body, &e), "message: %s", body)
	assert.Equal(t, "tailed", e.ScriptName)
	require.Len(t, e.Logs, 1)
	assert.Equal(t, []string{"hit /after-unmasked"}, e.Logs[0].Message)
}

// tailAnswer is a tail as the API answers it (Cloudflare's shape: docs/cloudflare-api.md, "Tails").
type tailAnswer struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}
