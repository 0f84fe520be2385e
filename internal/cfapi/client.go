// Package cfapi is the only code that talks to the Cloudflare API (the real one, or the local
// Cloudflare, which speaks the same subset). It wraps cloudflare-go/v4 with the handful of
// calls lumier needs, returns *APIError for API failures, and never lets the token reach an
// error message or a log line.
package cfapi

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
)

// DefaultBaseURL is Cloudflare's API, used when New gets an empty base URL.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// Client calls the Cloudflare API for one account. Its calls are grouped by API family, as
// cloudflare-go groups its services (client.Workers.Scripts, client.KV, client.Queues, ...): each
// family is a field, c.Scripts.Upload, c.KV.CreateNamespace, c.Queues.Create. The Client holds
// what every call shares: the transport with its retries and time bound, the conversion and
// redaction of errors, the checks made before a request, and notices.
type Client struct {
	// Scripts uploads, reads and deletes Workers scripts, their versions and deployments,
	// settings, cron schedules, tails and workers.dev route.
	Scripts *ScriptService
	// Assets uploads a script's static assets.
	Assets *AssetService
	// DurableObjects reads Durable Object namespaces and the bindings that reference them.
	DurableObjects *DurableObjectService
	// Workflows creates, reads and deletes Workflows.
	Workflows *WorkflowService
	// Zones finds the account's zones; Routes puts scripts on their hostnames.
	Zones  *ZoneService
	Routes *RouteService
	// KV, R2, D1 and Queues manage the storage products: KV namespaces and their keys, R2
	// buckets and objects, D1 databases and queries, queues, their consumers and messages.
	KV     *KVService
	R2     *R2Service
	D1     *D1Service
	Queues *QueueService

	cf        *cloudflare.Client
	accountID string
	// baseURL is named in errors about reaching the API at all.
	baseURL string
	// timeout bounds one call, retries and their waits included.
	timeout time.Duration
	// token is kept only to scrub it from error texts; requests carry it via cloudflare-go.
	token string
	// reached is set once any call got an answer: from then on a refused connection is the API
	// restarting, worth waiting for, not a wrong URL (see wire.retryable).
	reached atomic.Bool
	// notice receives what the user should hear of a call that succeeded (see SetNotice).
	notice Notice
}

// New returns a client for accountID at baseURL (DefaultBaseURL when empty, the local
// Cloudflare's URL() in tests) authenticating with an API token, with DefaultTimeout per call.
//
// A call is retried with cloudflare-go's backoff (0.5s doubling up to 8s, or Retry-After) while
// its time lasts, when a retry cannot do harm (see wire): a 429, a refused connection once the
// API has answered, and for calls safe to repeat a 5xx or a dropped connection. opts are applied
// last, so callers can change retries or the HTTP client. Do not pass option.WithDebugLog: it
// dumps the Authorization header; use LogRequests instead.
func New(baseURL, token, accountID string, opts ...option.RequestOption) *Client {
	return NewWithTimeout(baseURL, token, accountID, DefaultTimeout, opts...)
}

// NewWithTimeout is New with its own bound on each call (connecting, waiting for the answer,
// reading it, and any retries); timeout <= 0 means DefaultTimeout.
func NewWithTimeout(baseURL, token, accountID string, timeout time.Duration, opts ...option.RequestOption) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	base := []option.RequestOption{
		option.WithBaseURL(baseURL),
		option.WithAPIToken(token),
		option.WithHTTPClient(httpClient(timeout)),
		option.WithMaxRetries(maxRetries),
		// cloudflare.NewClient also reads CLOUDFLARE_API_KEY/EMAIL/... from the environment;
		// sending those next to our token would make the credentials depend on the shell the
		// engine happened to start from.
		option.WithHeaderDel("X-Auth-Key"),
		option.WithHeaderDel("X-Auth-Email"),
		option.WithHeaderDel("X-Auth-User-Service-Key"),
	}
	c := &Client{
		cf:        cloudflare.NewClient(append(base, opts...)...),
		accountID: accountID,
		baseURL:   baseURL,
		timeout:   timeout,
		token:     token,
	}
	c.Scripts = &ScriptService{c}
	c.Assets = &AssetService{c}
	c.DurableObjects = &DurableObjectService{c: c}
	c.Workflows = &WorkflowService{c}
	c.Zones = &ZoneService{c}
	c.Routes = &RouteService{c}
	c.KV = &KVService{c}
	c.R2 = &R2Service{c}
	c.D1 = &D1Service{c}
	c.Queues = &QueueService{c}
	return c
}

// call runs one cloudflare-go call (fn gets the extra per-request options to pass on) within
// the client's timeout, and converts its error. The middleware bounds every attempt by the
// call's deadline, decides which failures are retried, and records what the wire said, which
// cloudflare-go loses when a body is not JSON. A POST is sent again only when it cannot have
// reached the API (see wire.retryable); calls that are safe to repeat use callRepeatable.
func (c *Client) call(fn func(opts ...option.RequestOption) error) error {
	return c.do(false, fn)
}

// callRepeatable is call for a request whose repetition changes nothing more than the request
// itself (deploying the same version again, turning workers.dev on twice), whatever its method:
// it is retried after a 5xx or a dropped connection too.
func (c *Client) callRepeatable(fn func(opts ...option.RequestOption) error) error {
	return c.do(true, fn)
}

func (c *Client) do(repeatable bool, fn func(opts ...option.RequestOption) error) error {
	return c.send(c.newWire(repeatable, false), fn)
}

// newWire starts a call now, with the client's timeout.
func (c *Client) newWire(repeatable, resendOnDrop bool) *wire {
	return &wire{start: time.Now(), deadline: time.Now().Add(c.timeout), repeatable: repeatable, resendOnDrop: resendOnDrop, reached: &c.reached}
}

// send runs fn's attempts on w and converts its error.
func (c *Client) send(w *wire, fn func(opts ...option.RequestOption) error) error {
	if err := fn(option.WithMiddleware(w.middleware)); err != nil {
		err = c.convert(err, w)
		if w.attempts > 1 {
			err = &RetriedError{Attempts: w.attempts, Elapsed: time.Since(w.start), Timeout: c.timeout, err: err}
		}
		return err
	}
	return nil
}

// validName is Cloudflare's rule for script names (docs/cloudflare-api.md), checked before a
// request: names go into request paths unescaped (cloudflare-go formats them in with %s), so a
// name with '/' or '?' would address a different endpoint, and a name Cloudflare refuses is
// better refused here with the rule in the message.
var validName = regexp.MustCompile(`^[a-z0-9_][a-z0-9_-]*$`)

// maxNameLen is Cloudflare's limit on a script name's length.
const maxNameLen = 63

// precheck fails early, with a clear message, where cloudflare-go would otherwise send a
// request to "accounts//..." or a wrong path.
func (c *Client) precheck(ctx context.Context) error {
	if c.accountID == "" {
		return errors.New("no Cloudflare account id configured")
	}
	return ctx.Err()
}

// precheckScript is precheck plus a script name check.
func (c *Client) precheckScript(ctx context.Context, name string) error {
	if !validName.MatchString(name) || len(name) > maxNameLen {
		return fmt.Errorf("invalid script name %q: Cloudflare allows lowercase letters, digits, '-' and '_', "+
			"not starting with '-', at most %d characters", name, maxNameLen)
	}
	return c.precheck(ctx)
}
