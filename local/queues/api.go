package queues

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
)

// Kinds of Queues API call, as the server counts them.
const (
	CallQueues        = "queues"         // GET .../queues[/{id}[/metrics]]
	CallEditQueues    = "edit_queues"    // POST, PUT, PATCH, DELETE .../queues[/{id}]
	CallConsumers     = "consumers"      // GET .../queues/{id}/consumers
	CallEditConsumers = "edit_consumers" // POST, PUT, DELETE .../queues/{id}/consumers[/{cid}]
	CallQueueMessages = "queue_messages" // POST .../queues/{id}/messages
)

// Cloudflare's Queues error codes (docs/cloudflare-api.md, Queues).
const (
	CodeNotFound        = 11000
	CodeConsumerExists  = 11004
	CodeNameTaken       = 11009 // unconfirmed: Cloudflare's code for a duplicate queue name
	CodeConsumerMissing = 11005 // unconfirmed: Cloudflare's code for an unknown consumer id
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

// Account is what the Queues API needs of the account's scripts.
type Account interface {
	// Producers are the scripts, sorted, with a queue binding to the named queue.
	Producers(queue string) []string
	// HasScript reports whether the account has the named script.
	HasScript(name string) bool
	// ReloadConsumers runs the scripts again after a consumer changed: a consuming script gets
	// the companion that delivers batches to its queue() handler.
	ReloadConsumers(ctx context.Context)
}

// API serves the Queues API (docs/cloudflare-api.md, Queues) from a Store, and ServeDeliver,
// our trigger of a delivery.
type API struct {
	store    *Store
	delivery *Delivery
	account  Account
	logger   *slog.Logger
}

// NewAPI serves store's queues and consumers; delivery delivers on demand; logger hears of
// created and deleted queues and consumers.
func NewAPI(store *Store, delivery *Delivery, account Account, logger *slog.Logger) *API {
	return &API{store: store, delivery: delivery, account: account, logger: logger}
}

// Routes registers the API's endpoints with handle, which puts each behind the checks every
// endpoint shares and counts its calls under kind.
func (a *API) Routes(handle func(pattern, kind string, h http.HandlerFunc)) {
	const q = "/accounts/{account}/queues"
	handle("GET "+q, CallQueues, a.handleQueueList)
	handle("POST "+q, CallEditQueues, a.handleQueueCreate)
	handle("GET "+q+"/{id}", CallQueues, a.withQueue(a.handleQueueGet))
	handle("PUT "+q+"/{id}", CallEditQueues, a.handleQueueRename)
	handle("PATCH "+q+"/{id}", CallEditQueues, a.handleQueueRename)
	handle("DELETE "+q+"/{id}", CallEditQueues, a.withQueue(a.handleQueueDelete))
	handle("GET "+q+"/{id}/metrics", CallQueues, a.withQueue(a.handleQueueMetrics))
	handle("GET "+q+"/{id}/consumers", CallConsumers, a.withQueue(a.handleConsumerList))
	handle("POST "+q+"/{id}/consumers", CallEditConsumers, a.withQueue(a.handleConsumerCreate))
	handle("PUT "+q+"/{id}/consumers/{cid}", CallEditConsumers, a.withQueue(a.handleConsumerUpdate))
	handle("DELETE "+q+"/{id}/consumers/{cid}", CallEditConsumers, a.handleConsumerDelete)
	handle("POST "+q+"/{id}/messages", CallQueueMessages, a.withQueue(a.handleQueuePush))
}

// withQueue runs h with the queue the path's {id} names, or answers that it does not exist.
func (a *API) withQueue(h func(http.ResponseWriter, *http.Request, queueRecord)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := a.store.get(r.PathValue("id"))
		if err != nil {
			envelope.WriteError(w, queueError(err))
			return
		}
		h(w, r, q)
	}
}

// queueError maps the store's refusals to Cloudflare's answers.
func queueError(err error) error {
	switch {
	case errors.Is(err, errQueueMissing):
		return envelope.NewError(http.StatusNotFound, CodeNotFound, "Queue does not exist")
	case errors.Is(err, errQueueNameTaken):
		return envelope.NewError(http.StatusConflict, CodeNameTaken, "A queue with this name already exists")
	case errors.Is(err, errConsumerExists):
		return envelope.NewError(http.StatusConflict, CodeConsumerExists, "This queue already has a Worker consumer: "+
			"update or delete it first")
	case errors.Is(err, errConsumerMissing):
		return envelope.NewError(http.StatusNotFound, CodeConsumerMissing, "Consumer does not exist")
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

func (a *API) queueJSON(q queueRecord) queueJSON {
	if q.Consumers == nil {
		q.Consumers = []consumerRecord{}
	}
	producers := []queueProducer{}
	for _, name := range a.account.Producers(q.Name) {
		producers = append(producers, queueProducer{Type: "worker", Script: name})
	}
	return queueJSON{queueRecord: q, ConsumersTotalCount: len(q.Consumers), Producers: producers,
		ProducersTotalCount: len(producers), Settings: queueSettings{MessageRetentionPeriod: queueRetentionSeconds}}
}

// handleQueueList lists queues by name, paged; each `name` parameter (wrangler repeats it to look
// several up at once) keeps only the queue of that name.
func (a *API) handleQueueList(w http.ResponseWriter, r *http.Request) {
	names := r.URL.Query()["name"]
	out := []queueJSON{}
	for _, q := range a.store.List() {
		if len(names) == 0 || slices.Contains(names, q.Name) {
			out = append(out, a.queueJSON(q))
		}
	}
	envelope.WritePage(w, r, out)
}

// readQueueName reads the {"queue_name"} body of a create or update.
func readQueueName(r *http.Request) (string, error) {
	var body struct {
		QueueName string `json:"queue_name"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return "", envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse request body: %v", err)
	}
	if err := checkQueueName(body.QueueName); err != nil {
		return "", envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "%v", err)
	}
	return body.QueueName, nil
}

func (a *API) handleQueueCreate(w http.ResponseWriter, r *http.Request) {
	name, err := readQueueName(r)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	q, err := a.store.create(name)
	if err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	a.logger.Info("queue created", "queue", name, "id", q.ID)
	envelope.WriteResult(w, http.StatusOK, a.queueJSON(q), nil)
}

func (a *API) handleQueueGet(w http.ResponseWriter, r *http.Request, q queueRecord) {
	envelope.WriteResult(w, http.StatusOK, a.queueJSON(q), nil)
}

func (a *API) handleQueueRename(w http.ResponseWriter, r *http.Request) {
	name, err := readQueueName(r)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	q, err := a.store.rename(r.PathValue("id"), name)
	if err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, a.queueJSON(q), nil)
}

func (a *API) handleQueueDelete(w http.ResponseWriter, r *http.Request, q queueRecord) {
	if err := a.store.remove(q.ID); err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	if len(q.Consumers) > 0 {
		a.account.ReloadConsumers(r.Context())
	}
	a.logger.Info("queue deleted", "queue", q.Name, "id", q.ID)
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// handleQueueMetrics answers a queue's backlog with Cloudflare's field names.
func (a *API) handleQueueMetrics(w http.ResponseWriter, r *http.Request, q queueRecord) {
	m, err := a.store.metrics(q.Name)
	if err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, map[string]any{
		"backlog_count": m.BacklogCount, "backlog_bytes": m.BacklogBytes, "oldest_message_timestamp_ms": m.OldestMs,
	}, nil)
}

func (a *API) handleConsumerList(w http.ResponseWriter, r *http.Request, q queueRecord) {
	envelope.WriteList(w, q.Consumers)
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
func (a *API) readConsumer(r *http.Request, queueName string) (consumerRecord, error) {
	var body consumerBody
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body); err != nil {
		return consumerRecord{}, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse request body: %v", err)
	}
	script := body.ScriptName
	if script == "" {
		script = body.Script
	}
	if body.Type != "" && body.Type != "worker" {
		return consumerRecord{}, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
			"consumer type %q is not supported by the local Cloudflare (it runs Worker consumers)", body.Type)
	}
	if !a.account.HasScript(script) {
		return consumerRecord{}, envelope.ScriptNotFound()
	}
	if body.DeadLetterQueue == queueName {
		return consumerRecord{}, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation,
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
			return envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "settings.%s must be between %d and %d, got %d", name, lo, hi, *v)
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

func (a *API) handleConsumerCreate(w http.ResponseWriter, r *http.Request, q queueRecord) {
	c, err := a.readConsumer(r, q.Name)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	if c, err = a.store.addConsumer(q.ID, c); err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	a.account.ReloadConsumers(r.Context())
	a.logger.Info("queue consumer added", "queue", q.Name, "script", c.Script)
	envelope.WriteResult(w, http.StatusOK, c, nil)
}

func (a *API) handleConsumerUpdate(w http.ResponseWriter, r *http.Request, q queueRecord) {
	c, err := a.readConsumer(r, q.Name)
	if err != nil {
		envelope.WriteError(w, err)
		return
	}
	if c, err = a.store.updateConsumer(q.ID, r.PathValue("cid"), c); err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	a.account.ReloadConsumers(r.Context())
	envelope.WriteResult(w, http.StatusOK, c, nil)
}

func (a *API) handleConsumerDelete(w http.ResponseWriter, r *http.Request) {
	if err := a.store.removeConsumer(r.PathValue("id"), r.PathValue("cid")); err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	a.account.ReloadConsumers(r.Context())
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// handleQueuePush is Cloudflare's POST .../queues/{id}/messages: {"body", "content_type"?,
// "delay_seconds"?}, a JSON body unless content_type is "text".
func (a *API) handleQueuePush(w http.ResponseWriter, r *http.Request, q queueRecord) {
	var body struct {
		Body         json.RawMessage `json:"body"`
		ContentType  string          `json:"content_type"`
		DelaySeconds int             `json:"delay_seconds"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxQueueMessageBytes+1<<10)).Decode(&body); err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "could not parse request body: %v", err))
		return
	}
	msg := outgoing{Body: body.Body, ContentType: "json", DelaySecs: body.DelaySeconds}
	if body.ContentType == "text" {
		var text string
		if err := json.Unmarshal(body.Body, &text); err != nil {
			envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "a text message's body must be a string"))
			return
		}
		msg.Body, msg.ContentType = []byte(text), "text"
	}
	if _, err := a.store.send(q.Name, []outgoing{msg}); err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, nil, nil)
}

// ServeDeliver delivers the named queue's deliverable messages now, batch after batch, and
// answers what happened to them.
func (a *API) ServeDeliver(w http.ResponseWriter, r *http.Request) {
	q, err := a.store.ByName(r.PathValue("name"))
	if err != nil {
		envelope.WriteError(w, queueError(err))
		return
	}
	if len(q.Consumers) == 0 {
		envelope.WriteError(w, envelope.NewError(http.StatusBadRequest, envelope.CodeValidation, "queue %q has no consumer: give a Worker "+
			"queueConsumers naming it (or POST .../queues/%s/consumers) before delivering", q.Name, q.ID))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), deliverTimeout)
	defer cancel()
	rep, err := a.delivery.DeliverNow(ctx, q.ID)
	if err != nil {
		envelope.WriteError(w, envelope.NewError(http.StatusBadGateway, envelope.CodeValidation, "%v", err))
		return
	}
	envelope.WriteResult(w, http.StatusOK, rep, nil)
}

// deliverTimeout bounds one on-demand delivery, every batch included.
const deliverTimeout = 2 * time.Minute

// queueNameRule is Cloudflare's rule for a queue name (its Queues documentation): lowercase
// letters, digits and '-', starting with a letter or digit, at most 63 characters.
var queueNameRule = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

func checkQueueName(name string) error {
	if !queueNameRule.MatchString(name) {
		return fmt.Errorf("invalid queue name %q: Cloudflare allows lowercase letters, digits and '-', "+
			"starting with a letter or digit, at most 63 characters", name)
	}
	return nil
}
