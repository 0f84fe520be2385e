package local

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counterMeta is the metadata of the counter: one SQLite class bound as COUNTER.
func counterMeta(oldTag, newTag string) map[string]any {
	return meta(map[string]any{
		"bindings":   []any{doBinding("COUNTER", "Counter")},
		"migrations": migrations(oldTag, newTag, map[string]any{"new_sqlite_classes": []string{"Counter"}}),
	})
}

// The Counter, uploaded with cloudflare-go, counts on its workers.dev URL; after a
// restart on the same state directory it answers at the same URL with the same count.
func TestCounterWorkerSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})

	res := mustUpload(t, s, "counter", counterMeta("", "v1"), workerModule(t, "counter.js"))
	assert.Equal(t, "counter", res.ID)
	url := enableWorkersDev(t, s, "counter")
	assert.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)

	for want := 1; want <= 2; want++ {
		status, body := call(t, "POST", url+"/hits", "")
		require.Equal(t, http.StatusOK, status, body)
		assert.JSONEq(t, `{"count":`+string(rune('0'+want))+`}`, body)
	}
	_, body := call(t, "GET", url+"/hits", "")
	assert.JSONEq(t, `{"count":2}`, body)
	// The id comes from the path the Worker sees: another path is another counter.
	_, body = call(t, "GET", url+"/other", "")
	assert.JSONEq(t, `{"count":0}`, body)

	// The list carries the migration tag the provider plans migrations from.
	list, err := newClient(s).Workers.Scripts.List(ctxT(t), workers.ScriptListParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	require.Len(t, list.Result, 1)
	assert.Equal(t, `"v1"`, list.Result[0].JSON.ExtraFields["migration_tag"].Raw())

	// The account's subdomain is state too.
	_, err = newClient(s).Workers.Subdomains.Update(ctxT(t), workers.SubdomainUpdateParams{
		AccountID: cloudflare.F(s.AccountID()), Subdomain: cloudflare.F("my-team"),
	})
	require.NoError(t, err)
	ns, ok := namespaceOf(t, s, "counter", "Counter")
	require.True(t, ok)

	require.NoError(t, s.Close())
	// The port is free again once the server is closed.
	_, err = http.Get(url + "/hits")
	require.Error(t, err)

	s2 := startServer(t, dir, Options{})
	url2, ok := s2.ScriptURL("counter")
	require.True(t, ok)
	assert.Equal(t, url, url2, "same URL after a restart")
	_, body = call(t, "GET", url2+"/hits", "")
	assert.JSONEq(t, `{"count":2}`, body)
	assert.Equal(t, url, enableWorkersDev(t, s2, "counter"))

	// Tag, namespace identity and subdomain came back from the state directory.
	list, err = newClient(s2).Workers.Scripts.List(ctxT(t), workers.ScriptListParams{AccountID: cloudflare.F(s2.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, `"v1"`, list.Result[0].JSON.ExtraFields["migration_tag"].Raw())
	ns2, ok := namespaceOf(t, s2, "counter", "Counter")
	require.True(t, ok)
	assert.Equal(t, ns, ns2)
	sub, err := newClient(s2).Workers.Subdomains.Get(ctxT(t), workers.SubdomainGetParams{AccountID: cloudflare.F(s2.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, "my-team", sub.Subdomain)
	// A new version with the right old tag continues the migration history.
	mustUpload(t, s2, "counter", meta(map[string]any{
		"bindings":   []any{doBinding("COUNTER", "Counter")},
		"migrations": migrations("v1", "v2"),
	}), workerModule(t, "counter.js"))
	_, body = call(t, "GET", url2+"/hits", "")
	assert.JSONEq(t, `{"count":2}`, body, "data survives a new version")
}

// The ChatRoom: SQLite storage through RPC, and a WebSocket broadcast between two clients
// through the script's port (the proxy handles the upgrade).
func TestChatRoomSQLiteAndWebSocket(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "chat", meta(map[string]any{
		"bindings":   []any{doBinding("CHAT_ROOM", "ChatRoom")},
		"migrations": migrations("", "v1", map[string]any{"new_sqlite_classes": []string{"ChatRoom"}}),
	}), workerModule(t, "chat.js"))
	url := enableWorkersDev(t, s, "chat")

	for _, text := range []string{"first", "second"} {
		status, body := call(t, "POST", url+"/messages", `{"user":"ada","text":"`+text+`"}`)
		require.Equal(t, http.StatusCreated, status, body)
	}
	status, body := call(t, "GET", url+"/messages", "")
	require.Equal(t, http.StatusOK, status, body)
	var msgs []struct {
		ID        int    `json:"id"`
		User      string `json:"user"`
		Text      string `json:"text"`
		Timestamp int64  `json:"timestamp"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &msgs))
	require.Len(t, msgs, 2)
	assert.Equal(t, "second", msgs[0].Text, "newest first")
	assert.Equal(t, "first", msgs[1].Text)
	assert.Equal(t, "ada", msgs[0].User)

	ctx := ctxT(t)
	wsURL := "ws" + strings.TrimPrefix(url, "http") + "/ws"
	a, _, err := websocket.Dial(ctx, wsURL, nil)
	require.NoError(t, err)
	defer a.CloseNow()
	b, _, err := websocket.Dial(ctx, wsURL, nil)
	require.NoError(t, err)
	defer b.CloseNow()

	require.NoError(t, a.Write(ctx, websocket.MessageText, []byte("hello room")))
	for _, c := range []*websocket.Conn{a, b} {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		typ, msg, err := c.Read(rctx)
		cancel()
		require.NoError(t, err)
		assert.Equal(t, websocket.MessageText, typ)
		assert.Equal(t, "hello room", string(msg))
	}
	a.Close(websocket.StatusNormalClosure, "")
	b.Close(websocket.StatusNormalClosure, "")
}

// Bad set-ups fail in New with a message that says what to do.
func TestSetupErrors(t *testing.T) {
	_, err := New(Options{Addr: "0.0.0.0:8787", StateDir: t.TempDir()})
	require.ErrorContains(t, err, "not a loopback address")
	_, err = New(Options{Addr: ":8787", StateDir: t.TempDir()})
	require.ErrorContains(t, err, "not a loopback address")

	_, err = New(Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), Workerd: filepath.Join(t.TempDir(), "workerd")})
	require.ErrorContains(t, err, "npm ci")

	_, err = New(Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), AccountID: "xyz"})
	require.ErrorContains(t, err, "32 lowercase hex")

	if os.Geteuid() != 0 { // root writes anywhere
		ro := t.TempDir()
		require.NoError(t, os.Chmod(ro, 0o500))
		_, err = New(Options{Addr: "127.0.0.1:0", StateDir: filepath.Join(ro, "state")})
		require.ErrorContains(t, err, "cannot be created")
	}
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	_, err = New(Options{Addr: "127.0.0.1:0", StateDir: filepath.Join(file, "state")})
	require.ErrorContains(t, err, "cannot be created")

	// Port in use: the shared server holds its port.
	busy := sharedServer(t).Addr()
	s, err := New(Options{Addr: busy, StateDir: t.TempDir()})
	require.NoError(t, err)
	defer s.Close()
	require.ErrorContains(t, s.Start(ctxT(t)), "already in use")

	// Two servers on one state directory.
	dir := t.TempDir()
	a, err := New(Options{Addr: "127.0.0.1:0", StateDir: dir})
	require.NoError(t, err)
	defer a.Close()
	_, err = New(Options{Addr: "127.0.0.1:0", StateDir: dir})
	require.ErrorContains(t, err, "in use by another lumier local")
}
