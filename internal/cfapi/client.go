// Package cfapi is the only code that talks to the Cloudflare API (the real one, or the local
// Cloudflare, which speaks the same subset). It wraps cloudflare-go/v4 with the handful of
// calls lumier needs, returns *APIError for API failures, and never lets the token reach an
// error message or a log line.
package cfapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
)

// DefaultBaseURL is Cloudflare's API, used when New gets an empty base URL.
const DefaultBaseURL = "https://api.cloudflare.com/client/v4"

// Client calls the Workers and Durable Objects APIs of one account.
type Client struct {
	cf        *cloudflare.Client
	accountID string
	// token is kept only to scrub it from error texts; requests carry it via cloudflare-go.
	token string
}

// New returns a client for accountID at baseURL (DefaultBaseURL when empty, the local
// Cloudflare's URL() in tests) authenticating with an API token.
//
// cloudflare-go's retries stay on: 408/409/429/5xx and connection errors are retried twice,
// honouring Retry-After. opts are applied last, so callers can change retries, timeouts or the
// HTTP client. Do not pass option.WithDebugLog: it dumps the Authorization header; use
// LogRequests instead.
func New(baseURL, token, accountID string, opts ...option.RequestOption) *Client {
	if baseURL == "" {
		baseURL = DefaultBaseURL
	}
	base := []option.RequestOption{
		option.WithBaseURL(baseURL),
		option.WithAPIToken(token),
		// cloudflare.NewClient also reads CLOUDFLARE_API_KEY/EMAIL/... from the environment;
		// sending those next to our token would make the credentials depend on the shell the
		// engine happened to start from.
		option.WithHeaderDel("X-Auth-Key"),
		option.WithHeaderDel("X-Auth-Email"),
		option.WithHeaderDel("X-Auth-User-Service-Key"),
	}
	return &Client{
		cf:        cloudflare.NewClient(append(base, opts...)...),
		accountID: accountID,
		token:     token,
	}
}

// call runs one cloudflare-go call (fn gets the extra per-request options to pass on) and
// converts its error. The middleware records the last HTTP status, which cloudflare-go loses
// when an error body is not JSON.
func (c *Client) call(fn func(opts ...option.RequestOption) error) error {
	status := 0
	seen := option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		res, err := next(req)
		if res != nil {
			status = res.StatusCode
		}
		return res, err
	})
	if err := fn(seen); err != nil {
		return c.convert(err, status)
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
