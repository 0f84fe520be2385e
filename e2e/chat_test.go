//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/lumier-dev/lumier/examples/chat/stack"
)

// TestChat deploys examples/chat (the SQLite ChatRoom with WebSocket broadcast): messages
// posted are listed newest first, and two WebSocket clients both receive what one sends and what
// is posted. A second up is a no-op; destroy removes the script.
func TestChat(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	t.Chdir(copyExample(t, "chat"))
	s := inlineStack(t, ctx, c, "chat", "dev", stack.Config.RunFunc())

	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	requireScripts(t, c, "chat-dev-api")

	exerciseChat(t, ctx, url)

	t.Run("NoopUp", func(t *testing.T) { requireNoop(t, ctx, c, s) })

	t.Run("Destroy", func(t *testing.T) {
		destroy(t, ctx, s)
		requireScripts(t, c)
	})
}

// exerciseChat checks a deployed chat app at url: messages posted are listed newest first, and two
// WebSocket clients both receive what one sends and what is posted.
func exerciseChat(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	t.Run("Messages", func(t *testing.T) {
		requireCall(t, http.MethodGet, url+"/messages", "", 200, `[]`)
		for _, m := range []string{`{"user":"ada","text":"first"}`, `{"user":"bob","text":"second"}`, `{"user":"ada","text":"third"}`} {
			requireCall(t, http.MethodPost, url+"/messages", m, 201, m)
		}
		status, body, _ := call(t, http.MethodGet, url+"/messages", "")
		var got []struct {
			ID        int    `json:"id"`
			User      string `json:"user"`
			Text      string `json:"text"`
			Timestamp int64  `json:"timestamp"`
		}
		if status != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("GET /messages: %d %s", status, body)
		}
		var texts []string
		for _, m := range got {
			texts = append(texts, m.User+":"+m.Text)
			if m.ID == 0 || m.Timestamp == 0 {
				t.Fatalf("message %+v lacks its id or timestamp column", m)
			}
		}
		if strings.Join(texts, ",") != "ada:third,bob:second,ada:first" {
			t.Fatalf("GET /messages: %v, want newest first: ada:third,bob:second,ada:first", texts)
		}
		requireCall(t, http.MethodPost, url+"/messages", `{"user":"ada"}`, 400, `{"error":"want {\"user\": string, \"text\": string}"}`)
	})

	t.Run("WebSocketBroadcast", func(t *testing.T) {
		wsURL := "ws" + strings.TrimPrefix(url, "http") + "/ws"
		a := dialWS(t, ctx, wsURL)
		b := dialWS(t, ctx, wsURL)

		// A message from one client reaches every client, the sender included.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := a.Write(wctx, websocket.MessageText, []byte("hello from a")); err != nil {
			t.Fatalf("writing: %v", err)
		}
		requireWSMessage(t, a, "a", "hello from a")
		requireWSMessage(t, b, "b", "hello from a")

		// So does a message posted over HTTP.
		requireCall(t, http.MethodPost, url+"/messages", `{"user":"bob","text":"posted"}`, 201, `{"user":"bob","text":"posted"}`)
		requireWSMessage(t, a, "a", `{"user":"bob","text":"posted"}`)
		requireWSMessage(t, b, "b", `{"user":"bob","text":"posted"}`)

		for _, conn := range []*websocket.Conn{a, b} {
			if err := conn.Close(websocket.StatusNormalClosure, "done"); err != nil {
				t.Logf("closing: %v", err)
			}
		}
	})

}

func dialWS(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	dctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, url, nil)
	if err != nil {
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		t.Fatalf("dialing %s: %v (status %d)", url, err, status)
	}
	t.Cleanup(func() { conn.CloseNow() })
	return conn
}

func requireWSMessage(t *testing.T, conn *websocket.Conn, who, want string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	typ, data, err := conn.Read(ctx)
	if err != nil {
		t.Fatalf("client %s waiting for %q: %v", who, want, err)
	}
	if typ != websocket.MessageText || string(data) != want {
		t.Fatalf("client %s received %v %q, want text %q", who, typ, data, want)
	}
	t.Logf("client %s received %q", who, data)
}
