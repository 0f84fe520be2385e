package queues

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/lumier-dev/lumier/local/envelope"
)

// The queue backend is what workerd's queue bindings (producers) talk to (docs/architecture.md,
// "Queues on workerd"): an HTTP service on its own 127.0.0.1 port, reached by workerd as an
// external service that injects the queue name in NameHeader. Like the KV backend it takes
// no token, so it must never share the API's listener.
const NameHeader = "X-Lumier-Queue"

// Cloudflare's limits on what a producer sends (docs/cloudflare-api.md, Queues).
const (
	maxQueueMessageBytes = 128 << 10
	maxQueueBatch        = 100
	maxQueueBatchBytes   = 256 << 10
	maxQueueDelaySecs    = 43200
)

// ServeProducer answers workerd's producer calls: POST /message (send) and POST /batch (sendBatch),
// each with the queue's backlog after the write. workerd treats any other answer, an empty body
// included, as a failed send, which the Worker sees as an exception.
func (d *Delivery) ServeProducer(w http.ResponseWriter, r *http.Request) {
	name := r.Header.Get(NameHeader)
	if name == "" || r.Method != http.MethodPost {
		http.Error(w, "no queue", http.StatusBadRequest)
		return
	}
	var msgs []outgoing
	var err error
	switch r.URL.Path {
	case "/message":
		msgs, err = readOneMessage(w, r)
	case "/batch":
		msgs, err = readBatch(w, r)
	default:
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	m, err := d.store.send(name, msgs)
	if errors.Is(err, errQueueMissing) {
		http.Error(w, fmt.Sprintf("queue %q does not exist", name), http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	d.Notify()
	envelope.WriteJSON(w, http.StatusOK, map[string]any{"metadata": map[string]any{"metrics": m}})
}

// readOneMessage reads send(): the body as serialized, its format in X-Msg-Fmt and its delay in
// X-Msg-Delay-Secs.
func readOneMessage(w http.ResponseWriter, r *http.Request) ([]outgoing, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxQueueMessageBytes))
	if err != nil {
		return nil, fmt.Errorf("message larger than %d bytes", maxQueueMessageBytes)
	}
	delay, err := delaySecs(r.Header.Get("X-Msg-Delay-Secs"))
	if err != nil {
		return nil, err
	}
	format := r.Header.Get("X-Msg-Fmt")
	if format == "" {
		format = "v8"
	}
	return []outgoing{{Body: body, ContentType: format, DelaySecs: delay}}, nil
}

// readBatch reads sendBatch(): {"messages":[{"body": base64, "contentType", "delaySecs"}]}.
func readBatch(w http.ResponseWriter, r *http.Request) ([]outgoing, error) {
	var req struct {
		Messages []struct {
			Body        string `json:"body"`
			ContentType string `json:"contentType"`
			DelaySecs   *int   `json:"delaySecs"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 2*maxQueueBatchBytes)).Decode(&req); err != nil {
		return nil, fmt.Errorf("bad batch: %w", err)
	}
	if len(req.Messages) > maxQueueBatch {
		return nil, fmt.Errorf("a batch holds at most %d messages, got %d", maxQueueBatch, len(req.Messages))
	}
	batchDelay, err := delaySecs(r.Header.Get("X-Msg-Delay-Secs"))
	if err != nil {
		return nil, err
	}
	out := make([]outgoing, 0, len(req.Messages))
	total := 0
	for i, m := range req.Messages {
		body, err := base64.StdEncoding.DecodeString(m.Body)
		if err != nil {
			return nil, fmt.Errorf("message %d: body is not base64: %w", i, err)
		}
		total += len(body)
		if len(body) > maxQueueMessageBytes || total > maxQueueBatchBytes {
			return nil, fmt.Errorf("message %d: over the %d bytes a message or %d bytes a batch may hold", i,
				maxQueueMessageBytes, maxQueueBatchBytes)
		}
		o := outgoing{Body: body, ContentType: m.ContentType, DelaySecs: batchDelay}
		if o.ContentType == "" {
			o.ContentType = "v8"
		}
		if m.DelaySecs != nil {
			if *m.DelaySecs < 0 || *m.DelaySecs > maxQueueDelaySecs {
				return nil, fmt.Errorf("message %d: delaySeconds must be between 0 and %d", i, maxQueueDelaySecs)
			}
			o.DelaySecs = *m.DelaySecs
		}
		out = append(out, o)
	}
	return out, nil
}

func delaySecs(v string) (int, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxQueueDelaySecs {
		return 0, fmt.Errorf("delaySeconds %q must be a whole number between 0 and %d", v, maxQueueDelaySecs)
	}
	return n, nil
}
