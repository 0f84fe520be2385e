package cfapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"slices"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/queues"
)

// QueueService is the Queues family of calls (cloudflare-go's client.Queues): queues, their
// consumers and messages.
type QueueService struct{ c *Client }

// codeQueueNotFound is Cloudflare's code for a queue id the account does not have
// (docs/cloudflare-api.md, Queues).
const codeQueueNotFound = 11000

// Queue is one Cloudflare Queue of the account.
type Queue struct {
	// ID is the queue id; the consumers API and the queue's metrics are addressed by it.
	ID string
	// Name is the queue name, unique in the account: what a queue binding and a consumer's
	// dead-letter queue name.
	Name string
}

// Consumer is a Worker that consumes a queue, with Cloudflare's delivery settings.
type Consumer struct {
	// ID is the consumer id (empty before it is created).
	ID string
	// Script is the consuming Worker's script name.
	Script string
	// DeadLetterQueue names the queue that receives messages out of retries; "" drops them.
	DeadLetterQueue string
	// BatchSize is the most messages in one batch; MaxWaitTimeMs how long a batch may wait to
	// fill; MaxRetries how often a message is retried; RetryDelay the seconds before a retry.
	BatchSize, MaxWaitTimeMs, MaxRetries, RetryDelay int
}

// validQueueName is Cloudflare's rule for queue names (docs/cloudflare-api.md, Queues),
// checked before a request since names go into request bodies and error messages.
var validQueueName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidateQueueName reports why name is not a valid queue name, or nil.
func ValidateQueueName(name string) error {
	if !validQueueName.MatchString(name) {
		return fmt.Errorf("invalid queue name %q: Cloudflare allows lowercase letters, digits and '-', "+
			"starting with a letter or digit, at most 63 characters", name)
	}
	return nil
}

// Create creates a queue named name.
func (s *QueueService) Create(ctx context.Context, name string) (Queue, error) {
	if err := ValidateQueueName(name); err != nil {
		return Queue{}, err
	}
	if err := s.c.precheck(ctx); err != nil {
		return Queue{}, fmt.Errorf("creating queue %q: %w", name, err)
	}
	var out Queue
	err := s.c.createByName(ctx, "queue", name, codeQueueNameTaken, func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Queues.New(ctx, queues.QueueNewParams{
			AccountID: cloudflare.F(s.c.accountID),
			QueueName: cloudflare.F(name),
		}, opts...)
		if res != nil {
			out = Queue{ID: res.QueueID, Name: res.QueueName}
		}
		return err
	}, func() error {
		found, err := s.List(ctx, name)
		if err == nil && len(found) == 0 {
			err = ErrNotFound
		}
		if err == nil {
			out = found[0]
		}
		return err
	})
	if err != nil {
		return Queue{}, fmt.Errorf("creating queue %q: %w", name, err)
	}
	return out, nil
}

// ByID reads one queue; IsNotFound(err) when the account has none with that id.
func (s *QueueService) ByID(ctx context.Context, id string) (Queue, error) {
	if err := s.precheckID(ctx, id); err != nil {
		return Queue{}, fmt.Errorf("reading queue %q: %w", id, err)
	}
	var out Queue
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Queues.Get(ctx, id, queues.QueueGetParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		if res != nil {
			out = Queue{ID: res.QueueID, Name: res.QueueName}
		}
		return err
	})
	if err != nil {
		return Queue{}, fmt.Errorf("reading queue %q: %w", id, err)
	}
	return out, nil
}

// List lists the account's queues, every page of them; names, when given, keep only the
// queues of those names (the list's `name` filter, which wrangler sends once per name).
// cloudflare-go v4.6.0 models the list as one page without filters, so the page and name
// parameters are added as options.
func (s *QueueService) List(ctx context.Context, names ...string) ([]Queue, error) {
	if err := s.c.precheck(ctx); err != nil {
		return nil, fmt.Errorf("listing queues: %w", err)
	}
	items, err := listPages(s.c, func(page int, opts ...option.RequestOption) ([]queues.Queue, resultInfo, error) {
		opts = append(opts, pageQuery(page)...)
		for _, n := range names {
			opts = append(opts, option.WithQueryAdd("name", n))
		}
		res, err := s.c.cf.Queues.List(ctx, queues.QueueListParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		if err != nil {
			return nil, resultInfo{}, err
		}
		info, err := readResultInfo(res.JSON.ExtraFields)
		return res.Result, info, err
	})
	if err != nil {
		return nil, fmt.Errorf("listing queues: %w", err)
	}
	out := make([]Queue, 0, len(items))
	for _, q := range items {
		if len(names) == 0 || slices.Contains(names, q.QueueName) {
			out = append(out, Queue{ID: q.QueueID, Name: q.QueueName})
		}
	}
	return out, nil
}

// Delete deletes a queue, its undelivered messages and its consumers.
func (s *QueueService) Delete(ctx context.Context, id string) error {
	if err := s.precheckID(ctx, id); err != nil {
		return fmt.Errorf("deleting queue %q: %w", id, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Queues.Delete(ctx, id, queues.QueueDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("deleting queue %q: %w", id, err)
	}
	return nil
}

// Backlog is how many messages a queue holds undelivered (GET .../queues/{id}/metrics
// backlog_count). cloudflare-go v4.6.0 has no method for the metrics endpoint, so the path is
// requested directly (docs/cloudflare-api.md, Queues).
func (s *QueueService) Backlog(ctx context.Context, id string) (int, error) {
	if err := s.precheckID(ctx, id); err != nil {
		return 0, fmt.Errorf("reading the backlog of queue %q: %w", id, err)
	}
	var res struct {
		Result struct {
			BacklogCount json.Number `json:"backlog_count"`
		} `json:"result"`
	}
	path := fmt.Sprintf("accounts/%s/queues/%s/metrics", url.PathEscape(s.c.accountID), id)
	err := s.c.call(func(opts ...option.RequestOption) error {
		return s.c.cf.Get(ctx, path, nil, &res, opts...)
	})
	if err != nil {
		return 0, fmt.Errorf("reading the backlog of queue %q: %w", id, err)
	}
	if res.Result.BacklogCount == "" {
		return 0, nil
	}
	n, err := res.Result.BacklogCount.Int64()
	if err != nil {
		return 0, fmt.Errorf("reading the backlog of queue %q: backlog_count %q: %w", id, res.Result.BacklogCount, err)
	}
	return int(n), nil
}

// Consumers lists the consumers of a queue.
func (s *QueueService) Consumers(ctx context.Context, queueID string) ([]Consumer, error) {
	if err := s.precheckID(ctx, queueID); err != nil {
		return nil, fmt.Errorf("listing consumers of queue %q: %w", queueID, err)
	}
	var out []Consumer
	err := s.c.call(func(opts ...option.RequestOption) error {
		res, err := s.c.cf.Queues.Consumers.Get(ctx, queueID, queues.ConsumerGetParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		if res != nil {
			for _, r := range res.Result {
				out = append(out, consumerFrom(r))
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("listing consumers of queue %q: %w", queueID, err)
	}
	return out, nil
}

// consumerFrom reads a Worker consumer. cloudflare-go v4.6.0's Consumer has no field for
// dead_letter_queue, which Cloudflare returns, so it is read from the raw answer.
func consumerFrom(r queues.Consumer) Consumer {
	out := Consumer{ID: r.ConsumerID, Script: r.Script}
	if w, ok := r.AsUnion().(queues.ConsumerMqWorkerConsumer); ok {
		out.BatchSize = int(w.Settings.BatchSize)
		out.MaxRetries = int(w.Settings.MaxRetries)
		out.MaxWaitTimeMs = int(w.Settings.MaxWaitTimeMs)
		out.RetryDelay = int(w.Settings.RetryDelay)
	}
	var extra struct {
		DeadLetterQueue string `json:"dead_letter_queue"`
		ScriptName      string `json:"script_name"`
	}
	if json.Unmarshal([]byte(r.JSON.RawJSON()), &extra) == nil {
		out.DeadLetterQueue = extra.DeadLetterQueue
		if out.Script == "" {
			out.Script = extra.ScriptName
		}
	}
	return out
}

// CreateConsumer makes script a consumer of queueID with con's settings. A queue has one Worker
// consumer, so the create is one by name (createByName): after a dropped connection it is sent
// again, and when that is refused (11004) because the lost attempt made the consumer, the queue's
// consumer for con.Script is the one it made.
func (s *QueueService) CreateConsumer(ctx context.Context, queueID string, con Consumer) (Consumer, error) {
	if err := s.precheckID(ctx, queueID); err != nil {
		return Consumer{}, fmt.Errorf("adding consumer %q to queue %q: %w", con.Script, queueID, err)
	}
	var out Consumer
	err := s.c.createByName(ctx, "queue consumer", con.Script, codeConsumerExists, func(opts ...option.RequestOption) error {
		body := queues.ConsumerNewParamsBodyMqWorkerConsumer{
			ScriptName: cloudflare.F(con.Script),
			Type:       cloudflare.F(queues.ConsumerNewParamsBodyMqWorkerConsumerTypeWorker),
			Settings: cloudflare.F(queues.ConsumerNewParamsBodyMqWorkerConsumerSettings{
				BatchSize:     cloudflare.F(float64(con.BatchSize)),
				MaxRetries:    cloudflare.F(float64(con.MaxRetries)),
				MaxWaitTimeMs: cloudflare.F(float64(con.MaxWaitTimeMs)),
				RetryDelay:    cloudflare.F(float64(con.RetryDelay)),
			}),
		}
		if con.DeadLetterQueue != "" {
			body.DeadLetterQueue = cloudflare.F(con.DeadLetterQueue)
		}
		res, err := s.c.cf.Queues.Consumers.New(ctx, queueID, queues.ConsumerNewParams{
			AccountID: cloudflare.F(s.c.accountID), Body: body,
		}, opts...)
		if res != nil {
			out = consumerFrom(*res)
		}
		return err
	}, func() error {
		found, err := s.Consumers(ctx, queueID)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(found, func(x Consumer) bool { return x.Script == con.Script })
		if i < 0 {
			return fmt.Errorf("the queue's consumer is not script %q's: %w", con.Script, ErrNotFound)
		}
		out = found[i]
		return nil
	})
	if err != nil {
		return Consumer{}, fmt.Errorf("adding consumer %q to queue %q: %w", con.Script, queueID, err)
	}
	return out, nil
}

// UpdateConsumer replaces the settings of consumer con.ID of queueID.
func (s *QueueService) UpdateConsumer(ctx context.Context, queueID string, con Consumer) error {
	if err := s.precheckID(ctx, queueID); err != nil {
		return fmt.Errorf("updating consumer %q of queue %q: %w", con.Script, queueID, err)
	}
	if err := s.precheckID(ctx, con.ID); err != nil {
		return fmt.Errorf("updating consumer %q of queue %q: %w", con.Script, queueID, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		body := queues.ConsumerUpdateParamsBodyMqWorkerConsumer{
			ScriptName: cloudflare.F(con.Script),
			Type:       cloudflare.F(queues.ConsumerUpdateParamsBodyMqWorkerConsumerTypeWorker),
			Settings: cloudflare.F(queues.ConsumerUpdateParamsBodyMqWorkerConsumerSettings{
				BatchSize:     cloudflare.F(float64(con.BatchSize)),
				MaxRetries:    cloudflare.F(float64(con.MaxRetries)),
				MaxWaitTimeMs: cloudflare.F(float64(con.MaxWaitTimeMs)),
				RetryDelay:    cloudflare.F(float64(con.RetryDelay)),
			}),
		}
		if con.DeadLetterQueue != "" {
			body.DeadLetterQueue = cloudflare.F(con.DeadLetterQueue)
		}
		_, err := s.c.cf.Queues.Consumers.Update(ctx, queueID, con.ID, queues.ConsumerUpdateParams{
			AccountID: cloudflare.F(s.c.accountID), Body: body,
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("updating consumer %q of queue %q: %w", con.Script, queueID, err)
	}
	return nil
}

// DeleteConsumer removes consumer id from queueID; the queue keeps its messages.
func (s *QueueService) DeleteConsumer(ctx context.Context, queueID, id string) error {
	if err := s.precheckID(ctx, queueID); err != nil {
		return fmt.Errorf("removing consumer %q of queue %q: %w", id, queueID, err)
	}
	if err := s.precheckID(ctx, id); err != nil {
		return fmt.Errorf("removing consumer %q of queue %q: %w", id, queueID, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Queues.Consumers.Delete(ctx, queueID, id, queues.ConsumerDeleteParams{AccountID: cloudflare.F(s.c.accountID)}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("removing consumer %q of queue %q: %w", id, queueID, err)
	}
	return nil
}

// SendMessage sends one text message to a queue (tests and tools fill queues with it).
func (s *QueueService) SendMessage(ctx context.Context, queueID, text string) error {
	if err := s.precheckID(ctx, queueID); err != nil {
		return fmt.Errorf("sending to queue %q: %w", queueID, err)
	}
	err := s.c.call(func(opts ...option.RequestOption) error {
		_, err := s.c.cf.Queues.Messages.Push(ctx, queueID, queues.MessagePushParams{
			AccountID: cloudflare.F(s.c.accountID),
			Body: queues.MessagePushParamsBodyMqQueueMessageText{
				Body:        cloudflare.F(text),
				ContentType: cloudflare.F(queues.MessagePushParamsBodyMqQueueMessageTextContentTypeText),
			},
		}, opts...)
		return err
	})
	if err != nil {
		return fmt.Errorf("sending to queue %q: %w", queueID, err)
	}
	return nil
}

// precheckID refuses an id that would change the request path (ids go into it unescaped).
func (s *QueueService) precheckID(ctx context.Context, id string) error {
	if id == "" || url.PathEscape(id) != id {
		return fmt.Errorf("invalid queue or consumer id %q: expected the 32 hex digits Cloudflare returns", id)
	}
	return s.c.precheck(ctx)
}
