package cfapi

import (
	"context"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// DefaultTimeout bounds one API call when the caller sets no timeout. A 10 MiB upload (the
// largest Worker Cloudflare takes) needs about a minute at 1.5 Mbit/s, so a minute is the
// shortest bound that does not fail a slow but working link.
const DefaultTimeout = 60 * time.Second

// maxConnect bounds opening the TCP connection and the TLS handshake: a reachable API does
// both in well under a second, so waiting longer only delays a misconfiguration's error.
const maxConnect = 10 * time.Second

// errNoTimeLeft stops an attempt that would start after the call's deadline.
var errNoTimeLeft = errors.New("no time left for another attempt")

// httpClient bounds each phase of an attempt: connecting and the TLS handshake
// (min(timeout, maxConnect)), waiting for the response headers, and the whole exchange with
// the body (timeout). The call's deadline (see wire) additionally bounds the retries.
func httpClient(timeout time.Duration) *http.Client {
	connect := min(timeout, maxConnect)
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: connect, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = connect
	t.ResponseHeaderTimeout = timeout
	return &http.Client{Transport: t, Timeout: timeout}
}

// maxRetries caps the retries of one call; the call's deadline usually ends them first: with
// cloudflare-go's backoff (0.5s doubling up to 8s) ten retries wait about a minute, the default
// timeout.
const maxRetries = 10

// wire is what one call saw on the wire, and the deadline its attempts share.
type wire struct {
	start, deadline time.Time
	// repeatable marks a call whose request may reach the API twice without harm, whatever its
	// method (see idempotent).
	repeatable bool
	// resendOnDrop marks a call sent again after a dropped connection (never after a 5xx)
	// although a repeat is not harmless by itself: the caller makes the repeat safe (a create of
	// an object the account names uniquely, refused by name the second time, see
	// Client.createByName), or its worst outcome harmless (a version upload, see ScriptService.UploadVersion).
	resendOnDrop bool
	// lost counts the attempts that went out and got no answer: they may have been acted on.
	lost int
	// notResent is set when an attempt's connection dropped and the call is not safe to send
	// again: what the API did with it is unknown (see LostAnswerError).
	notResent bool
	// reached is the client's: whether any call of it got an answer from the API.
	reached *atomic.Bool
	// attempts counts the requests sent, the first included.
	attempts int
	// status and contentType are the last response's, 0 and "" when none came.
	status      int
	contentType string
	// timedOut is set when an attempt ran into the deadline.
	timedOut bool
}

// middleware runs each attempt (cloudflare-go retries inside the call) under the call's
// deadline, and tells cloudflare-go whether to retry: only what retryable and retryStatus
// allow, and never when the deadline has passed or its wait before the retry would pass it, so
// a call never takes longer than the client's timeout.
func (w *wire) middleware(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	w.status, w.contentType = 0, ""
	attempt := w.attempts
	w.attempts++
	if !time.Now().Before(w.deadline) {
		w.timedOut = true
		return noRetry(), errNoTimeLeft
	}
	ctx, cancel := context.WithDeadline(req.Context(), w.deadline)
	res, err := next(req.WithContext(ctx))
	if err != nil {
		cancel()
		if dropped(err) {
			w.lost++
		}
		if isTimeout(err) || !time.Now().Before(w.deadline) {
			w.timedOut = true
			return noRetry(), err
		}
		if !w.retryable(req, err) {
			w.notResent = dropped(err)
			return noRetry(), err
		}
		if time.Now().Add(retryWait(nil, attempt)).After(w.deadline) {
			return noRetry(), err
		}
		return nil, err // no response: cloudflare-go retries
	}
	w.reached.Store(true)
	w.status, w.contentType = res.StatusCode, res.Header.Get("Content-Type")
	// cloudflare-go reads the body after this returns: cancel only once it is closed.
	res.Body = &cancelOnClose{ReadCloser: res.Body, cancel: cancel}
	retry := w.retryStatus(req, res.StatusCode) && !time.Now().Add(retryWait(res, attempt)).After(w.deadline)
	res.Header.Set("X-Should-Retry", strconv.FormatBool(retry))
	return res, nil
}

// retryable reports whether a request that got no answer may be sent again. A refused
// connection never reached the API, so any request may; but before the API has ever answered
// this client, a refusal means a wrong lumier:apiUrl or a local Cloudflare not started, and
// waiting out the timeout would only delay saying so. A connection dropped after the request
// went out may have been acted on: only a call safe to repeat, or one marked resendOnDrop, is sent again.
func (w *wire) retryable(req *http.Request, err error) bool {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return w.reached.Load()
	case dropped(err):
		return w.idempotent(req) || w.resendOnDrop
	}
	return false
}

// dropped reports whether err is a connection closed after the request may have gone out.
func dropped(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE)
}

// retryStatus reports whether an answer with this status is retried: a 429 (the API did not act
// on the request; it asks to come back later), and for calls safe to repeat a 5xx. Other
// statuses, 409 included, would only answer the same again.
func (w *wire) retryStatus(req *http.Request, status int) bool {
	return status == http.StatusTooManyRequests || (status >= http.StatusInternalServerError && w.idempotent(req))
}

// idempotent reports whether sending the request twice has the effect of sending it once: GET,
// HEAD, PUT and DELETE by HTTP's definition, and the calls marked repeatable.
func (w *wire) idempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return w.repeatable
}

// noRetry is the response handed to cloudflare-go with an error to make it give up instead of
// retrying: it retries when there is no response at all, and obeys X-Should-Retry.
func noRetry() *http.Response {
	return &http.Response{Header: http.Header{"X-Should-Retry": {"false"}}, Body: http.NoBody}
}

// retryWait is the longest cloudflare-go waits before retrying after res: Retry-After(-Ms) when
// under a minute, else its backoff of 0.5s doubling per attempt up to 8s.
// A nil res is a request that got no answer.
func retryWait(res *http.Response, attempt int) time.Duration {
	if res == nil {
		return backoff(attempt)
	}
	if ms, err := strconv.ParseFloat(res.Header.Get("Retry-After-Ms"), 64); err == nil && ms >= 0 && ms < 60e3 {
		return time.Duration(ms * float64(time.Millisecond))
	}
	if s, err := strconv.ParseFloat(res.Header.Get("Retry-After"), 64); err == nil && s >= 0 && s < 60 {
		return time.Duration(s * float64(time.Second))
	}
	return backoff(attempt)
}

// backoff is cloudflare-go's wait before retry number attempt+1, jitter left out.
func backoff(attempt int) time.Duration {
	return min(time.Duration(0.5*float64(time.Second)*math.Pow(2, float64(attempt))), 8*time.Second)
}

// isTimeout reports whether err is a deadline or a transport timeout.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errNoTimeLeft) ||
		(errors.As(err, &netErr) && netErr.Timeout())
}

// cancelOnClose releases an attempt's deadline once its body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}
