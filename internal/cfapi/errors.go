package cfapi

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
)

// ErrNotFound is matched (errors.Is) by every error for something the account does not have:
// an *APIError with one of Cloudflare's not-found codes, and Script's "not in the list" error.
// A 404 with another code is not one: 7000 ("No route for that URI") means the request went to
// a path the API does not serve (a wrong base URL, for one), and reading it as "the script does
// not exist" would make a create run against the wrong server.
var ErrNotFound = errors.New("not found")

// Cloudflare's not-found codes for Workers (see docs/cloudflare-api.md).
const (
	codeScriptNotFound  = 10007 // "This Worker does not exist on your account."
	codeServiceNotFound = 10090 // "workers.api.error.service_not_found"
	codeKVKeyNotFound   = 10009 // KV: "get: 'key not found'"
	codeKVNamespace404  = 10013 // KV: "namespace not found"
	codeD1NotFound      = 7404  // D1: "The database <id> could not be found"
	codeR2NoSuchBucket  = 10006 // R2: "The specified bucket does not exist."
	codeWorkflowMissing = 10200 // Workflows: "Workflow not found"
)

// APIError is a failed Cloudflare API call: the HTTP status and the first entry of the
// envelope's "errors" (Cloudflare usually sends exactly one).
//
// It deliberately keeps no *http.Request: cloudflare-go's own error does, with the
// Authorization header inside, and anything that dumps it would print the token.
type APIError struct {
	// Status is the HTTP status code.
	Status int
	// Code is Cloudflare's error code (e.g. 10079 for a migration tag mismatch); 0 when the
	// response carried none.
	Code int
	// Message is Cloudflare's error message, or the HTTP status text when there was none.
	Message string
	// Hint says which setting to fix, when the error is about the settings rather than the
	// request (a rejected token, an address that is not the Cloudflare API); else "".
	Hint string
}

// Error reads like `cloudflare: 10079 Actor migration tag precondition failed ... (HTTP 412)`,
// followed by the hint if there is one.
func (e *APIError) Error() string {
	msg := fmt.Sprintf("cloudflare: %s (HTTP %d)", e.Message, e.Status)
	if e.Code != 0 {
		msg = fmt.Sprintf("cloudflare: %d %s (HTTP %d)", e.Code, e.Message, e.Status)
	}
	if e.Hint != "" {
		msg += ": " + e.Hint
	}
	return msg
}

// Is makes errors.Is(err, ErrNotFound) true for not-found API errors.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.notFound()
}

func (e *APIError) notFound() bool {
	return e.Code == codeScriptNotFound || e.Code == codeServiceNotFound ||
		e.Code == codeKVKeyNotFound || e.Code == codeKVNamespace404 || e.Code == codeQueueNotFound || e.Code == codeD1NotFound || e.Code == codeR2NoSuchBucket ||
		e.Code == codeWorkflowMissing
}

// IsNotFound reports whether err means the script (or other object) does not exist.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound)
}

// AsAPIError returns the *APIError in err's chain, if any.
func AsAPIError(err error) (*APIError, bool) {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr, true
	}
	return nil, false
}

// The provider settings that errors about reaching the API name: this package serves the
// provider, and a user reading "connection refused" needs to know what to change.
const (
	urlSetting     = "lumier:apiUrl (or CLOUDFLARE_BASE_URL)"
	tokenSetting   = "lumier:apiToken (or CLOUDFLARE_API_TOKEN)"
	timeoutSetting = "lumier:requestTimeout"
)

// Cloudflare's codes for a missing or malformed Authorization header (docs/cloudflare-api.md).
const (
	codeMissingAuth   = 9106
	codeInvalidHeader = 6003
)

// convert turns whatever cloudflare-go returned into our error: *cloudflare.Error becomes
// *APIError (dropping its request); an answer that is not JSON (a proxy's or captive portal's
// HTML page) becomes an *APIError that says so; a timeout becomes a *TimeoutError; and
// anything else (transport errors) keeps its chain but gets the API URL in front and the token
// scrubbed from its text.
func (c *Client) convert(err error, w *wire) error {
	if errors.Is(err, context.Canceled) {
		return &redactedError{msg: c.redact(err.Error()), err: err}
	}
	if w.status != 0 && !isJSON(w.contentType) {
		// cloudflare-go could not parse the body as JSON, or parsed it into an empty error.
		msg := http.StatusText(w.status)
		if w.status < 400 {
			msg = "unexpected answer"
		}
		return &APIError{Status: w.status, Message: msg, Hint: fmt.Sprintf(
			"the answer from %s is %s, not the Cloudflare API's JSON; %s must be the API's base URL (%s, or the one "+
				"`lumier local` prints), not a web page or a proxy", c.baseURL, contentKind(w.contentType), urlSetting, DefaultBaseURL)}
	}
	var cfErr *cloudflare.Error
	if errors.As(err, &cfErr) {
		apiErr := &APIError{Status: cfErr.StatusCode, Message: http.StatusText(cfErr.StatusCode)}
		if len(cfErr.Errors) > 0 {
			apiErr.Code = int(cfErr.Errors[0].Code)
			if m := cfErr.Errors[0].Message; m != "" {
				apiErr.Message = c.redact(m)
			}
		}
		apiErr.Hint = c.authHint(apiErr)
		return apiErr
	}
	if w.timedOut || isTimeout(err) {
		return &TimeoutError{URL: c.baseURL, Timeout: c.timeout, err: err}
	}
	if w.status >= 400 {
		return &APIError{Status: w.status, Message: fmt.Sprintf("%s (unparseable error body: %s)",
			http.StatusText(w.status), c.redact(err.Error()))}
	}
	msg := c.redact(err.Error())
	if w.notResent {
		return &LostAnswerError{URL: c.baseURL, err: &redactedError{msg: msg, err: err}}
	}
	var opErr *net.OpError
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = fmt.Sprintf("cannot connect to the Cloudflare API at %s: %s. Check %s; for the local Cloudflare, start it "+
			"with `lumier local` and use the URL it prints", c.baseURL, msg, urlSetting)
	case errors.As(err, &dnsErr), errors.As(err, &opErr):
		msg = fmt.Sprintf("cannot reach the Cloudflare API at %s: %s. Check %s", c.baseURL, msg, urlSetting)
	}
	return &redactedError{msg: msg, err: err}
}

// authHint names the token setting when Cloudflare refused the credentials.
func (c *Client) authHint(e *APIError) string {
	switch {
	case e.Status == http.StatusUnauthorized, e.Status == http.StatusForbidden,
		e.Code == codeMissingAuth, e.Code == codeInvalidHeader:
		return fmt.Sprintf("the API token was refused; check %s: it must be valid, not expired, and allowed "+
			"\"Workers Scripts: Edit\" on account %s. Set another with `pulumi config set --secret lumier:apiToken <token>`",
			tokenSetting, c.accountID)
	}
	return ""
}

// isJSON reports whether a Content-Type is JSON; an absent one is given the benefit of doubt.
func isJSON(contentType string) bool {
	if contentType == "" {
		return true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// contentKind names a Content-Type for a message: "an HTML page" rather than "text/html; charset=utf-8".
func contentKind(contentType string) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	if mt == "text/html" {
		return "an HTML page"
	}
	return fmt.Sprintf("%q", mt)
}

// TimeoutError is a call that got no (complete) answer within the client's timeout.
type TimeoutError struct {
	// URL is the API base URL that did not answer.
	URL string
	// Timeout is the bound that ran out.
	Timeout time.Duration
	err     error
}

// Error names the URL and both settings that can fix it.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("no answer from the Cloudflare API at %s within %s: check %s, or allow more time with %s",
		e.URL, e.Timeout, urlSetting, timeoutSetting)
}

// Unwrap keeps the transport's error (a net.Error, context.DeadlineExceeded) inspectable.
func (e *TimeoutError) Unwrap() error { return e.err }

// redact removes the API token from text that came from elsewhere (an API message or a
// transport error); a server echoing a header back must not put the token into our logs.
func (c *Client) redact(s string) string {
	if c.token == "" {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}

// redactedError keeps the original error for errors.Is/As (context.Canceled, net errors) while
// its text is scrubbed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// LostAnswerError is a request whose connection dropped after it went out, on a call that is
// not safe to send twice (a D1 query, for one): Cloudflare may have carried it out or not, and
// lumier does not send it again.
type LostAnswerError struct {
	// URL is the API base URL the request went to.
	URL string
	err error
}

// Error says what is known: the request went out, and nothing came back.
func (e *LostAnswerError) Error() string {
	return fmt.Sprintf("the connection to the Cloudflare API at %s dropped after the request went out, before any answer "+
		"(%v): Cloudflare may or may not have carried it out, and lumier does not send it again, since doing it twice "+
		"is not the same as doing it once", e.URL, e.err)
}

func (e *LostAnswerError) Unwrap() error { return e.err }

// RetriedError is a call that failed after lumier had already retried it: the user should not
// retry it at once by hand, and should know how long it was tried.
type RetriedError struct {
	// Attempts is the number of requests sent, the first included.
	Attempts int
	// Elapsed is how long the call took, its waits included.
	Elapsed time.Duration
	// Timeout is the bound on the call (lumier:requestTimeout).
	Timeout time.Duration
	err     error
}

// Error says how often the call was retried and within which bound; after 429s, that Cloudflare
// is limiting the account's request rate and what to do about it.
func (e *RetriedError) Error() string {
	retried := fmt.Sprintf("lumier already retried this call %d times over %s, within %s (%s)",
		e.Attempts-1, e.Elapsed.Round(100*time.Millisecond), timeoutSetting, e.Timeout)
	if apiErr, ok := AsAPIError(e.err); ok && apiErr.Status == http.StatusTooManyRequests {
		return fmt.Sprintf("%v: Cloudflare is limiting this account's request rate, and %s. Run it again in a few "+
			"minutes, or give the retries more time with a longer %s", e.err, retried, timeoutSetting)
	}
	return fmt.Sprintf("%v (%s)", e.err, retried)
}

// Unwrap keeps the last attempt's error (an *APIError, a *TimeoutError, a net error) inspectable.
func (e *RetriedError) Unwrap() error { return e.err }
