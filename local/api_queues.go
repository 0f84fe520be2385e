package local

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Kinds of Queues API call counted by Server.Calls.
const (
	CallQueues          = "queues"           // GET .../queues[/{id}[/metrics]]
	CallEditQueues      = "edit_queues"      // POST, PUT, PATCH, DELETE .../queues[/{id}]
	CallConsumers       = "consumers"        // GET .../queues/{id}/consumers
	CallEditConsumers   = "edit_consumers"   // POST, PUT, DELETE .../queues/{id}/consumers[/{cid}]
	CallQueueMessages   = "queue_messages"   // POST .../queues/{id}/messages
	CallDeliverMessages = "deliver_messages" // POST /__lumier/queues/{name}/deliver (ours)
)

// Cloudflare's Queues error codes (docs/cloudflare-api.md, Queues).
const (
	codeQueueNotFound   = 11000
	codeConsumerExists  = 11004
	codeQueueNameTaken  = 11009 // unconfirmed: Cloudflare's code for a duplicate queue name
	codeConsumerMissing = 11005 // unconfirmed: Cloudflare's code for an unknown consumer id
)

// Consumer defaults and limits Cloudflare documents (docs/cloudflare-api.md, Queues).
const (
	defaultBatchSize     = 10
	defaultMaxRetries    = 3
	defaultMaxWaitTimeMs = 5000
	maxBatchSize         = 100
	maxRetriesLimit      = 100
	maxWaitTimeMsLimit   = 60000
	maxRetryDelay        = 43200
)

// deliverPath delivers a queue's ready messages now: POST /__lumier/queues/{name}/deliver.
const deliverPath = "/__lumier/queues/{name}/deliver"

// queueRoutes registers the Queues API (docs/cloudflare-api.md, Queues) and our delivery trigger.
func (s *Server) queueRoutes(mux *http.ServeMux) {
	const q = "/accounts/{account}/queues"
	s.handle(mux, "GET "+q, CallQueues, s.handleQueueList)
	s.handle(mux, "POST "+q, CallEditQueues, s.handleQueueCreate)
	s.handle(mux, "GET "+q+"/{id}", CallQueues, s.withQueue(s.handleQueueGet))
	s.handle(mux, "PUT "+q+"/{id}", CallEditQueues, s.handleQueueRename)
	s.handle(mux, "PATCH "+q+"/{id}", CallEditQueues, s.handleQueueRename)
	s.handle(mux, "DELETE "+q+"/{id}", CallEditQueues, s.withQueue(s.handleQueueDelete))
	s.handle(mux, "GET "+q+"/{id}/metrics", CallQueues, s.withQueue(s.handleQueueMetrics))
	s.handle(mux, "GET "+q+"/{id}/consumers", CallConsumers, s.withQueue(s.handleConsumerList))
	s.handle(mux, "POST "+q+"/{id}/consumers", CallEditConsumers, s.withQueue(s.handleConsumerCreate))
	s.handle(mux, "PUT "+q+"/{id}/consumers/{cid}", CallEditConsumers, s.withQueue(s.handleConsumerUpdate))
	s.handle(mux, "DELETE "+q+"/{id}/consumers/{cid}", CallEditConsumers, s.handleConsumerDelete)
	s.handle(mux, "POST "+q+"/{id}/messages", CallQueueMessages, s.withQueue(s.handleQueuePush))
	// Outside the v4 API (it is ours, not Cloudflare's), but authenticated like it.
	mux.HandleFunc("POST "+deliverPath, func(w http.ResponseWriter, r *http.Request) {
		if err := s.authenticate(r, false); err != nil {
			writeError(w, err)
			return
		}
		s.calls.add(CallDeliverMessages)
		s.handleDeliver(w, r)
	})
}

// withQueue runs h with the queue the path's {id} names, or answers that it does not exist.
func (s *Server) withQueue(h func(http.ResponseWriter, *http.Request, queueRecord)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := s.queues.get(r.PathValue("id"))
		if err != nil {
			writeError(w, queueError(err))
			return
		}
		h(w, r, q)
	}
}

// queueError maps the store's refusals to Cloudflare's answers.
func queueError(err error) error {
	switch {
	case errors.Is(err, errQueueMissing):
		return newAPIError(http.StatusNotFound, codeQueueNotFound, "Queue does not exist")
	case errors.Is(err, errQueueNameTaken):
		return newAPIError(http.StatusConflict, codeQueueNameTaken, "A queue with this name already exists")
	case errors.Is(err, errConsumerExists):
		return newAPIError(http.StatusConflict, codeConsumerExists, "This queue already has a Worker consumer: "+
			"update or delete it first")
	case errors.Is(err, errConsumerMissing):
		return newAPIError(http.StatusNotFound, codeConsumerMissing, "Consumer does not exist")
	}
	return err
}

// queueJSON is a queue as Cloudflare answers it (cloudflare-go's queues.Queue; wrangler's
// QueueResponse): the stored record plus the Workers that produce to it, both lists' counts, and
// the queue's settings.
type queueJSON struct {
	queueRecord
	ConsumersTotalCount int             `json:"consumers_total_count"`
	Producers           []queueProducer `json:"producers"`
	ProducersTotalCount int             `json:"producers_total_count"`
	Settings            queueSettings   `json:"settings"`
}

// queueProducer is a Worker with a queue binding to the queue.
type queueProducer struct {
	Type   string `json:"type"`
	Script string `json:"script"`
}

// queueSettings are a queue's own settings; the local Cloudflare has only the defaults of
// Cloudflare's Queues documentation (no delivery delay, not paused, four days' retention).
type queueSettings struct {
	DeliveryDelay          int  `json:"delivery_delay"`
	DeliveryPaused         bool `json:"delivery_paused"`
	MessageRetentionPeriod int  `json:"message_retention_period"`
}

// queueRetentionSeconds is Cloudflare's default message retention: four days.
const queueRetentionSeconds = 4 * 24 * 60 * 60

func (s *Server) queueJSON(q queueRecord) queueJSON {
	if q.Consumers == nil {
		q.Consumers = []consumerRecord{}
	}
	producers := []queueProducer{}
	st := s.st.Load()
	for _, name := range st.scriptNames() {
		for _, b := range st.Scripts[name].Bindings {
			if b.Type == bindingQueue && b.QueueName == q.Name {
				producers = append(producers, queueProducer{Type: "worker", Script: name})
				break
			}
		}
	}
	return queueJSON{queueRecord: q, ConsumersTotalCount: len(q.Consumers), Producers: producers,
		ProducersTotalCount: len(producers), Settings: queueSettings{MessageRetentionPeriod: queueRetentionSeconds}}
}

// handleQueueList lists queues by name, paged; each `name` parameter (wrangler repeats it to look
// several up at once) keeps only the queue of that name.
func (s *Server) handleQueueList(w http.ResponseWriter, r *http.Request) {
	names := r.URL.Query()["name"]
	out := []queueJSON{}
	for _, q := range s.queues.list() {
		if len(names) == 0 || slices.Contains(names, q.Name) {
			out = append(out, s.queueJSON(q))
		}
	}
	writePage(w, r, out)
}

// readQueueName reads the {"queue_name"} body of a create or update.
func readQueueName(r *http.Request) (string, error) {
	var body struct {
		QueueName string `json:"queue_name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return "", newAPIError(http.StatusBadRequest, codeValidation, "could not parse request body: %v", err)
	}
	if err := checkQueueName(body.QueueName); err != nil {
		return "", newAPIError(http.StatusBadRequest, codeValidation, "%v", err)
	}
	return body.QueueName, nil
}

func (s *Server) handleQueueCreate(w http.ResponseWriter, r *http.Request) {
	name, err := readQueueName(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q, err := s.queues.create(name)
	if err != nil {
		writeError(w, queueError(err))
		return
	}
	s.logger.Info("queue created", "queue", name, "id", q.ID)
	writeResult(w, http.StatusOK, s.queueJSON(q), nil)
}

func (s *Server) handleQueueGet(w http.ResponseWriter, r *http.Request, q queueRecord) {
	writeResult(w, http.StatusOK, s.queueJSON(q), nil)
}

func (s *Server) handleQueueRename(w http.ResponseWriter, r *http.Request) {
	name, err := readQueueName(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q, err := s.queues.rename(r.PathValue("id"), name)
	if err != nil {
		writeError(w, queueError(err))
		return
	}
	writeResult(w, http.StatusOK, s.queueJSON(q), nil)
}

func (s *Server) handleQueueDelete(w http.ResponseWriter, r *http.Request, q queueRecord) {
	if err := s.queues.remove(q.ID); err != nil {
		writeError(w, queueError(err))
		return
	}
	if len(q.Consumers) > 0 {
		s.reloadConsumers(r.Context())
	}
	s.logger.Info("queue deleted", "queue", q.Name, "id", q.ID)
	writeResult(w, http.StatusOK, nil, nil)
}

// handleQueueMetrics answers a queue's backlog with Cloudflare's field names.
func (s *Server) handleQueueMetrics(w http.ResponseWriter, r *http.Request, q queueRecord) {
	m, err := s.queues.metrics(q.Name)
	if err != nil {
		writeError(w, queueError(err))
		return
	}
	writeResult(w, http.StatusOK, map[string]any{
		"backlog_count": m.BacklogCount, "backlog_bytes": m.BacklogBytes, "oldest_message_timestamp_ms": m.OldestMs,
	}, nil)
}

func (s *Server) handleConsumerList(w http.ResponseWriter, r *http.Request, q queueRecord) {
	writeList(w, q.Consumers)
}

// consumerBody is the body of a consumer create or update.
type consumerBody struct {
	ScriptName      string `json:"script_name"`
	Script          string `json:"script"`
	Type            string `json:"type"`
	DeadLetterQueue string `json:"dead_letter_queue"`
	Settings        struct {
		BatchSize     *int `json:"batch_size"`
		MaxRetries    *int `json:"max_retries"`
		MaxWaitTimeMs *int `json:"max_wait_time_ms"`
		RetryDelay    *int `json:"retry_delay"`
	} `json:"settings"`
}

// readConsumer reads and checks a consumer body: Cloudflare's defaults fill unset settings, and
// a setting out of Cloudflare's range is refused naming it.
func (s *Server) readConsumer(r *http.Request, queueName string) (consumerRecord, error) {
	var body consumerBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return consumerRecord{}, newAPIError(http.StatusBadRequest, codeValidation, "could not parse request body: %v", err)
	}
	script := body.ScriptName
	if script == "" {
		script = body.Script
	}
	if body.Type != "" && body.Type != "worker" {
		return consumerRecord{}, newAPIError(http.StatusBadRequest, codeValidation,
			"consumer type %q is not supported by the local Cloudflare (it runs Worker consumers)", body.Type)
	}
	if _, ok := s.st.Load().Scripts[script]; !ok {
		return consumerRecord{}, scriptNotFound()
	}
	if body.DeadLetterQueue == queueName {
		return consumerRecord{}, newAPIError(http.StatusBadRequest, codeValidation,
			"dead_letter_queue %q is the consumed queue itself", body.DeadLetterQueue)
	}
	c := consumerRecord{Script: script, DeadLetterQueue: body.DeadLetterQueue, Settings: consumerSettings{
		BatchSize: defaultBatchSize, MaxRetries: defaultMaxRetries, MaxWaitTimeMs: defaultMaxWaitTimeMs,
	}}
	set := func(dst *int, v *int, name string, lo, hi int) error {
		if v == nil {
			return nil
		}
		if *v < lo || *v > hi {
			return newAPIError(http.StatusBadRequest, codeValidation, "settings.%s must be between %d and %d, got %d", name, lo, hi, *v)
		}
		*dst = *v
		return nil
	}
	st := body.Settings
	for _, err := range []error{
		set(&c.Settings.BatchSize, st.BatchSize, "batch_size", 1, maxBatchSize),
		set(&c.Settings.MaxRetries, st.MaxRetries, "max_retries", 0, maxRetriesLimit),
		set(&c.Settings.MaxWaitTimeMs, st.MaxWaitTimeMs, "max_wait_time_ms", 0, maxWaitTimeMsLimit),
		set(&c.Settings.RetryDelay, st.RetryDelay, "retry_delay", 0, maxRetryDelay),
	} {
		if err != nil {
			return consumerRecord{}, err
		}
	}
	return c, nil
}

func (s *Server) handleConsumerCreate(w http.ResponseWriter, r *http.Request, q queueRecord) {
	c, err := s.readConsumer(r, q.Name)
	if err != nil {
		writeError(w, err)
		return
	}
	if c, err = s.queues.addConsumer(q.ID, c); err != nil {
		writeError(w, queueError(err))
		return
	}
	s.reloadConsumers(r.Context())
	s.logger.Info("queue consumer added", "queue", q.Name, "script", c.Script)
	writeResult(w, http.StatusOK, c, nil)
}

func (s *Server) handleConsumerUpdate(w http.ResponseWriter, r *http.Request, q queueRecord) {
	c, err := s.readConsumer(r, q.Name)
	if err != nil {
		writeError(w, err)
		return
	}
	if c, err = s.queues.updateConsumer(q.ID, r.PathValue("cid"), c); err != nil {
		writeError(w, queueError(err))
		return
	}
	s.reloadConsumers(r.Context())
	writeResult(w, http.StatusOK, c, nil)
}

func (s *Server) handleConsumerDelete(w http.ResponseWriter, r *http.Request) {
	if err := s.queues.removeConsumer(r.PathValue("id"), r.PathValue("cid")); err != nil {
		writeError(w, queueError(err))
		return
	}
	s.reloadConsumers(r.Context())
	writeResult(w, http.StatusOK, nil, nil)
}

// handleQueuePush is Cloudflare's POST .../queues/{id}/messages: {"body", "content_type"?,
// "delay_seconds"?}, a JSON body unless content_type is "text".
func (s *Server) handleQueuePush(w http.ResponseWriter, r *http.Request, q queueRecord) {
	var body struct {
		Body         json.RawMessage `json:"body"`
		ContentType  string          `json:"content_type"`
		DelaySeconds int             `json:"delay_seconds"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxQueueMessageBytes+1<<10)).Decode(&body); err != nil {
		writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "could not parse request body: %v", err))
		return
	}
	msg := outgoing{Body: body.Body, ContentType: "json", DelaySecs: body.DelaySeconds}
	if body.ContentType == "text" {
		var text string
		if err := json.Unmarshal(body.Body, &text); err != nil {
			writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "a text message's body must be a string"))
			return
		}
		msg.Body, msg.ContentType = []byte(text), "text"
	}
	if _, err := s.queues.send(q.Name, []outgoing{msg}); err != nil {
		writeError(w, queueError(err))
		return
	}
	writeResult(w, http.StatusOK, nil, nil)
}

// handleDeliver delivers the named queue's deliverable messages now, batch after batch, and
// answers what happened to them.
func (s *Server) handleDeliver(w http.ResponseWriter, r *http.Request) {
	q, err := s.queues.byName(r.PathValue("name"))
	if err != nil {
		writeError(w, queueError(err))
		return
	}
	if len(q.Consumers) == 0 {
		writeError(w, newAPIError(http.StatusBadRequest, codeValidation, "queue %q has no consumer: give a Worker "+
			"queueConsumers naming it (or POST .../queues/%s/consumers) before delivering", q.Name, q.ID))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), deliverTimeout)
	defer cancel()
	rep, err := s.deliverNow(ctx, q.ID)
	if err != nil {
		writeError(w, newAPIError(http.StatusBadGateway, codeValidation, "%v", err))
		return
	}
	writeResult(w, http.StatusOK, rep, nil)
}

// deliverTimeout bounds one on-demand delivery, every batch included.
const deliverTimeout = 2 * time.Minute

// reloadConsumers runs the scripts again after a consumer changed: a consuming script gets the
// companion that delivers batches to its queue() handler (local/workerd/scheduled.go).
func (s *Server) reloadConsumers(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st.Load()
	if err := s.apply(ctx, st, st, ""); err != nil {
		s.logger.Warn("reloading scripts after a queue consumer changed", "err", err)
	}
}

// queueNames are the queue names a queue binding record may use, for messages.
func queueNamesOf(qs []queueRecord) string {
	names := make([]string, 0, len(qs))
	for _, q := range qs {
		names = append(names, q.Name)
	}
	return strings.Join(names, ", ")
}
