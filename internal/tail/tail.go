// Package tail reads a Worker's tail, the stream Cloudflare's tail API hands out (a WebSocket
// of protocol trace-v1, one JSON event per message), and renders its events for a terminal:
// each request's console output and uncaught exceptions under the script's name, stacks mapped
// back to the sources.
package tail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// Protocol is the WebSocket subprotocol of a tail, as wrangler asks for it.
const Protocol = "trace-v1"

// Event is one tail message: what one invocation of the Worker printed and threw, and what
// caused it (wrangler's TailEventMessage, workerd's TraceItem).
type Event struct {
	Outcome        string      `json:"outcome"`
	ScriptName     string      `json:"scriptName"`
	EventTimestamp int64       `json:"eventTimestamp"`
	Logs           []Log       `json:"logs"`
	Exceptions     []Exception `json:"exceptions"`
	Trigger        *Trigger    `json:"event"`
}

// Log is one console call.
type Log struct {
	// Message is the call's arguments, as JSON values.
	Message   json.RawMessage `json:"message"`
	Level     string          `json:"level"`
	Timestamp int64           `json:"timestamp"`
}

// Exception is one uncaught exception.
type Exception struct {
	Name      string `json:"name"`
	Message   string `json:"message"`
	Stack     string `json:"stack"`
	Timestamp int64  `json:"timestamp"`
}

// Trigger is what caused the invocation: a request, a Cron Trigger or a queue batch.
type Trigger struct {
	Request *struct {
		URL    string `json:"url"`
		Method string `json:"method"`
	} `json:"request"`
	Response *struct {
		Status int `json:"status"`
	} `json:"response"`
	Cron  string `json:"cron"`
	Queue string `json:"queue"`
}

// dialTimeout bounds connecting to a tail.
const dialTimeout = 30 * time.Second

// Conn is a connection to one tail.
type Conn struct {
	ws *websocket.Conn
}

// Dial connects to a tail's WebSocket and sends wrangler's opening message (its debug flag).
func Dial(ctx context.Context, wsURL string) (*Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	c, _, err := websocket.Dial(dctx, wsURL, &websocket.DialOptions{Subprotocols: []string{Protocol}})
	if err != nil {
		return nil, fmt.Errorf("connecting to the tail at %s: %w", redact(wsURL), err)
	}
	c.SetReadLimit(32 << 20)
	if err := c.Write(dctx, websocket.MessageText, []byte(`{"debug":false}`)); err != nil {
		c.CloseNow()
		return nil, fmt.Errorf("opening the tail at %s: %w", redact(wsURL), err)
	}
	return &Conn{ws: c}, nil
}

// Read calls each for every event until ctx ends (nil) or the connection closes, then closes
// the connection.
func (conn *Conn) Read(ctx context.Context, each func(Event)) error {
	c := conn.ws
	defer c.CloseNow()
	for {
		_, msg, err := c.Read(ctx)
		if ctx.Err() != nil {
			c.Close(websocket.StatusNormalClosure, "")
			return nil
		}
		if err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return errors.New("the tail was closed")
			}
			return fmt.Errorf("reading the tail: %w", err)
		}
		var e Event
		if err := json.Unmarshal(msg, &e); err != nil {
			return fmt.Errorf("reading the tail: an event is not JSON: %w", err)
		}
		each(e)
	}
}

// redact keeps only the scheme and host of a tail URL: its path is the tail's key.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "the tail URL"
	}
	return u.Scheme + "://" + u.Host
}

// Lines renders e for a terminal, every line prefixed with "[script] ": the request line (or
// cron, queue) with the outcome when it is not "ok", then each console call and each uncaught
// exception with its stack, mapped by mapStack (nil leaves stacks as they are). An event with
// neither logs nor exceptions renders nothing.
func Lines(e Event, mapStack func(string) string) []string {
	if len(e.Logs) == 0 && len(e.Exceptions) == 0 {
		return nil
	}
	prefix := "[" + e.ScriptName + "] "
	head := trigger(e.Trigger)
	if e.Outcome != "" && e.Outcome != "ok" {
		head += " (" + e.Outcome + ")"
	}
	out := []string{prefix + head}
	for _, l := range e.Logs {
		level := l.Level
		if level == "" {
			level = "log"
		}
		out = append(out, prefix+"  "+level+": "+message(l.Message))
	}
	for _, x := range e.Exceptions {
		out = append(out, prefix+"  uncaught "+x.Name+": "+x.Message)
		stack := x.Stack
		if mapStack != nil {
			stack = mapStack(stack)
		}
		for _, line := range strings.Split(stack, "\n") {
			if line = strings.TrimSpace(line); line != "" {
				out = append(out, prefix+"      "+line)
			}
		}
	}
	return out
}

// trigger is the event's one-line description: "POST /hits", "cron */5 * * * *", "queue jobs".
func trigger(t *Trigger) string {
	switch {
	case t == nil:
		return "event"
	case t.Request != nil:
		target := t.Request.URL
		if u, err := url.Parse(target); err == nil && u.Path != "" {
			target = u.RequestURI()
		}
		line := t.Request.Method + " " + target
		if t.Response != nil {
			line += fmt.Sprintf(" %d", t.Response.Status)
		}
		return line
	case t.Cron != "":
		return "cron " + t.Cron
	case t.Queue != "":
		return "queue " + t.Queue
	}
	return "event"
}

// message renders a console call's arguments the way a console does: strings as they are,
// other values as JSON, separated by spaces.
func message(raw json.RawMessage) string {
	var args []json.RawMessage
	if err := json.Unmarshal(raw, &args); err != nil {
		args = []json.RawMessage{raw}
	}
	parts := make([]string, len(args))
	for i, a := range args {
		var s string
		var compact bytes.Buffer
		switch {
		case json.Unmarshal(a, &s) == nil:
			parts[i] = s
		case json.Compact(&compact, a) == nil:
			parts[i] = compact.String()
		default:
			parts[i] = string(a)
		}
	}
	return strings.Join(parts, " ")
}
