package cfapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

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
}

// Error reads like `cloudflare: 10079 Actor migration tag precondition failed ... (HTTP 412)`.
func (e *APIError) Error() string {
	if e.Code == 0 {
		return fmt.Sprintf("cloudflare: %s (HTTP %d)", e.Message, e.Status)
	}
	return fmt.Sprintf("cloudflare: %d %s (HTTP %d)", e.Code, e.Message, e.Status)
}

// Is makes errors.Is(err, ErrNotFound) true for not-found API errors.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.notFound()
}

func (e *APIError) notFound() bool {
	return e.Code == codeScriptNotFound || e.Code == codeServiceNotFound
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

// convert turns whatever cloudflare-go returned into our error: *cloudflare.Error becomes
// *APIError (dropping its request), a non-JSON error response (a proxy's HTML page) becomes an
// *APIError from the status seen on the wire, and anything else (transport errors) is kept but
// with the token scrubbed from its text.
func (c *Client) convert(err error, status int) error {
	var cfErr *cloudflare.Error
	if errors.As(err, &cfErr) {
		apiErr := &APIError{Status: cfErr.StatusCode, Message: http.StatusText(cfErr.StatusCode)}
		if len(cfErr.Errors) > 0 {
			apiErr.Code = int(cfErr.Errors[0].Code)
			if m := cfErr.Errors[0].Message; m != "" {
				apiErr.Message = c.redact(m)
			}
		}
		return apiErr
	}
	if status >= 400 && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		// cloudflare-go could not parse the error body as JSON and returned the parse error.
		return &APIError{Status: status, Message: fmt.Sprintf("%s (unparseable error body: %s)",
			http.StatusText(status), c.redact(err.Error()))}
	}
	return &redactedError{msg: c.redact(err.Error()), err: err}
}

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
