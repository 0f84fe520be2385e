// Package tails is the local Cloudflare's tails: the sink workerd's tail Workers post events to,
// the sessions the API's tail endpoints hand out, and their WebSockets (Hub).
package tails

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/loopback"
	"github.com/lumier-dev/lumier/local/workerd"
)

// Tails: every script runs with a workerd tail (local/workerd/tail.go) that posts its events
// (console output, uncaught exceptions, the request they happened in) to the tail sink, a
// listener of its own on 127.0.0.1 that takes no token. The API's tail endpoints, in
// Cloudflare's shape (docs/cloudflare-api.md, "Tails"), hand out sessions; a session's WebSocket
// (protocol trace-v1) receives each event of its script as one JSON message, the way `wrangler
// tail` reads Cloudflare's.

// Kinds of the tail calls, as the server counts them.
const (
	CallStartTail  = "start_tail"  // POST .../workers/scripts/{name}/tails
	CallListTails  = "list_tails"  // GET .../workers/scripts/{name}/tails
	CallDeleteTail = "delete_tail" // DELETE .../workers/scripts/{name}/tails/{id}
)

// tailProtocol is the WebSocket subprotocol a tail client must ask for, as wrangler does.
const tailProtocol = "trace-v1"

// tailLifetime is how long a tail session lasts (its expires_at). Cloudflare's own lifetime is
// not published; a day outlasts any development session.
const tailLifetime = 24 * time.Hour

// SocketPath is where a session's WebSocket is served (Hub.ServeSocket), on the API's listener.
// Like Cloudflare's tail URL it takes no token: the session id, random and unguessable, is the
// key.
const SocketPath = "/__lumier/tails/{id}"

// tailBuffer is how many events a slow client may lag behind before newer ones are dropped.
const tailBuffer = 256

// tailWriteTimeout bounds sending one event to a client.
const tailWriteTimeout = 10 * time.Second

// Scripts is what the tail endpoints need of the account.
type Scripts interface {
	// HasScript reports whether the account has the named script.
	HasScript(name string) bool
}

// Hub holds the tail sessions and hands the sink's events to their clients.
type Hub struct {
	scripts Scripts
	sink    loopback.Server
	mu      sync.Mutex
	// sessions by id; guarded by mu.
	sessions map[string]*tailSession
	// done ends every client connection when the server closes: hijacked WebSocket
	// connections outlive the HTTP server's Shutdown.
	done     chan struct{}
	doneOnce sync.Once
}

// tailSession is one started tail.
type tailSession struct {
	id, script string
	url        string
	expires    time.Time
	// clients are the connected WebSockets' queues; a deleted session closes them.
	clients map[chan []byte]struct{}
}

// tailJSON is a tail as the API answers it: {id, url, expires_at}.
type tailJSON struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

// NewHub holds the tails of scripts' Workers.
func NewHub(scripts Scripts) *Hub {
	return &Hub{scripts: scripts, sessions: map[string]*tailSession{}, done: make(chan struct{})}
}

// Start listens for the tail Worker's posts.
func (h *Hub) Start() error { return h.sink.Start(http.HandlerFunc(h.serveSink)) }

// Close ends every session and stops the sink.
func (h *Hub) Close() error {
	h.doneOnce.Do(func() { close(h.done) })
	return h.sink.Close()
}

// Tail is what a script's workerd tail needs: the name to report events under and the sink;
// nil before the sink listens.
func (h *Hub) Tail(script string) *workerd.Tail {
	addr := h.sink.Addr()
	if addr == "" {
		return nil
	}
	return &workerd.Tail{Script: script, Address: addr}
}

// Routes registers the tail endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind. The sessions' WebSockets (ServeSocket) are
// outside the v4 API and registered by the server.
func (h *Hub) Routes(handle func(pattern, kind string, hf http.HandlerFunc)) {
	const tails = "/accounts/{account}/workers/scripts/{script}/tails"
	handle("POST "+tails, CallStartTail, h.handleStartTail)
	handle("GET "+tails, CallListTails, h.handleListTails)
	handle("DELETE "+tails+"/{id}", CallDeleteTail, h.handleDeleteTail)
}

// handleStartTail is POST .../tails. The body holds wrangler's filters, which are not applied:
// every event of the script is sent.
func (h *Hub) handleStartTail(w http.ResponseWriter, r *http.Request) {
	script := r.PathValue("script")
	if !h.scripts.HasScript(script) {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	id := make([]byte, 16)
	_, _ = rand.Read(id)
	t := &tailSession{id: hex.EncodeToString(id), script: script, expires: time.Now().Add(tailLifetime),
		clients: map[chan []byte]struct{}{}}
	t.url = "ws://" + r.Host + "/__lumier/tails/" + t.id
	h.mu.Lock()
	h.dropExpired()
	h.sessions[t.id] = t
	h.mu.Unlock()
	envelope.WriteResult(w, http.StatusOK, t.json(), nil)
}

// handleListTails is GET .../tails: the script's live sessions.
func (h *Hub) handleListTails(w http.ResponseWriter, r *http.Request) {
	script := r.PathValue("script")
	if !h.scripts.HasScript(script) {
		envelope.WriteError(w, envelope.ScriptNotFound())
		return
	}
	h.mu.Lock()
	h.dropExpired()
	out := []tailJSON{}
	for _, t := range h.sessions {
		if t.script == script {
			out = append(out, t.json())
		}
	}
	h.mu.Unlock()
	envelope.WriteResult(w, http.StatusOK, out, nil)
}

// handleDeleteTail is DELETE .../tails/{id}: the session ends and its clients are disconnected.
func (h *Hub) handleDeleteTail(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	t, ok := h.sessions[r.PathValue("id")]
	if ok && t.script == r.PathValue("script") {
		h.end(t)
	}
	h.mu.Unlock()
	if !ok || t.script != r.PathValue("script") {
		envelope.WriteError(w, envelope.NewError(http.StatusNotFound, codeTailNotFound, "Tail not found"))
		return
	}
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// codeTailNotFound answers a tail id the script does not have (unconfirmed: Cloudflare's code
// for it is not published; 10007 is its code for a missing Workers object).
const codeTailNotFound = envelope.CodeScriptNotFound

// ServeSocket serves a session's WebSocket: one JSON message per event of its script.
// Messages from the client (wrangler sends its filters) are read and ignored.
func (h *Hub) ServeSocket(w http.ResponseWriter, r *http.Request) {
	queue := make(chan []byte, tailBuffer)
	h.mu.Lock()
	t, ok := h.sessions[r.PathValue("id")]
	ok = ok && time.Now().Before(t.expires)
	if ok {
		t.clients[queue] = struct{}{}
	}
	h.mu.Unlock()
	if !ok {
		http.Error(w, "no such tail: start one with POST .../workers/scripts/{name}/tails", http.StatusNotFound)
		return
	}
	defer h.leave(t, queue)
	c, err := websocket.Accept(maskingHijacker{w}, r, &websocket.AcceptOptions{Subprotocols: []string{tailProtocol}})
	if err != nil {
		return // Accept has answered the client
	}
	defer c.CloseNow()
	if c.Subprotocol() != tailProtocol {
		c.Close(websocket.StatusPolicyViolation, "ask for the WebSocket protocol "+tailProtocol)
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		defer cancel()
		for {
			if _, _, err := c.Read(ctx); err != nil {
				return
			}
		}
	}()
	for {
		select {
		case msg, open := <-queue:
			if !open {
				c.Close(websocket.StatusNormalClosure, "tail deleted")
				return
			}
			wctx, wcancel := context.WithTimeout(ctx, tailWriteTimeout)
			err := c.Write(wctx, websocket.MessageText, msg)
			wcancel()
			if err != nil {
				return
			}
		case <-ctx.Done():
			return
		case <-h.done:
			c.Close(websocket.StatusGoingAway, "the local Cloudflare is stopping")
			return
		}
	}
}

// serveSink takes one batch from the tail Worker: {"script", "events"}. Each event goes to the
// script's sessions with scriptName filled in, which workerd leaves null.
func (h *Hub) serveSink(w http.ResponseWriter, r *http.Request) {
	var batch struct {
		Script string           `json:"script"`
		Events []map[string]any `json:"events"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 32<<20)).Decode(&batch); err != nil {
		http.Error(w, "tail batch: "+err.Error(), http.StatusBadRequest)
		return
	}
	msgs := make([][]byte, 0, len(batch.Events))
	for _, e := range batch.Events {
		e["scriptName"] = batch.Script
		if msg, err := json.Marshal(e); err == nil {
			msgs = append(msgs, msg)
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, t := range h.sessions {
		if t.script != batch.Script {
			continue
		}
		for queue := range t.clients {
			for _, msg := range msgs {
				select {
				case queue <- msg:
				default: // the client lags: drop rather than hold up the sink
				}
			}
		}
	}
}

// leave forgets a client's queue unless the session's end closed it already.
func (h *Hub) leave(t *tailSession, queue chan []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(t.clients, queue)
}

// end removes t and disconnects its clients. Callers hold mu.
func (h *Hub) end(t *tailSession) {
	delete(h.sessions, t.id)
	for queue := range t.clients {
		close(queue)
		delete(t.clients, queue)
	}
}

// dropExpired ends the sessions past their expiry. Callers hold mu.
func (h *Hub) dropExpired() {
	now := time.Now()
	for _, t := range h.sessions {
		if !now.Before(t.expires) {
			h.end(t)
		}
	}
}

func (t *tailSession) json() tailJSON {
	return tailJSON{ID: t.id, URL: t.url, ExpiresAt: t.expires.UTC().Format(time.RFC3339)}
}
