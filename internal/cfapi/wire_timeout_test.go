package cfapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/blackhole"
)

// countAttempts is a middleware outside the client's own that counts every attempt cloudflare-go
// makes, those the client's middleware stops before the wire included.
func countAttempts() (*atomic.Int32, option.RequestOption) {
	var n atomic.Int32
	return &n, option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		n.Add(1)
		return next(req)
	})
}

// TestSilentAPITimesOutWithinTimeout: a call to an API that never answers fails once the
// client's timeout is used up, naming the URL and the settings, after one attempt: cloudflare-go
// makes no retry (and waits for none) once the call's time is used up.
func TestSilentAPITimesOutWithinTimeout(t *testing.T) {
	hole := blackhole.Start(t)
	url := "http://" + hole.Addr() + "/client/v4"
	const timeout = 700 * time.Millisecond
	attempts, counting := countAttempts()
	c := NewWithTimeout(url, testToken, "acc", timeout, counting)
	start := time.Now()
	_, err := c.Scripts.Get(context.Background(), "my-script")
	elapsed := time.Since(start)

	require.Error(t, err)
	assert.Contains(t, err.Error(), `reading script "my-script": `)
	assert.Contains(t, err.Error(), `no answer from the Cloudflare API at `+url+` within 700ms: `+
		"check lumier:apiUrl (or CLOUDFLARE_BASE_URL), or allow more time with lumier:requestTimeout")
	var te *TimeoutError
	require.True(t, errors.As(err, &te), "a *TimeoutError in the chain, got %T", err)
	assert.GreaterOrEqual(t, elapsed, timeout, "it waited for the answer")
	assert.EqualValues(t, 1, attempts.Load(), "no retry starts once the call's time is used up")
	assert.Equal(t, 1, hole.Connections(t), "the one attempt reached the API")
	assert.NotContains(t, err.Error(), testToken)
}

// TestRetryWaitPastDeadlineIsNotTaken: a 429 whose Retry-After outlasts the call's timeout is
// not retried, nor waited for: the call fails with the 429 itself, after one attempt.
func TestRetryWaitPastDeadlineIsNotTaken(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}]}`))
	}))
	t.Cleanup(srv.Close)
	attempts, counting := countAttempts()
	c := NewWithTimeout(srv.URL, testToken, "acc", 2*time.Second, counting)
	_, err := c.DurableObjects.Namespaces(context.Background())
	assert.EqualValues(t, 1, attempts.Load(), "no retry whose wait outlasts the call")
	assert.EqualValues(t, 1, calls.Load())
	require.ErrorContains(t, err, "cloudflare: 971 Please wait and consider throttling your request speed (HTTP 429)")
	var te *TimeoutError
	assert.False(t, errors.As(err, &te), "the call did not wait past its deadline for a retry: %v", err)
}

func TestRetryWithinDeadlineStillHappens(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":971,"message":"slow down"}]}`))
			return
		}
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":[]}`))
	}))
	t.Cleanup(srv.Close)
	_, err := NewWithTimeout(srv.URL, testToken, "acc", 5*time.Second).DurableObjects.Namespaces(context.Background())
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load(), "the 429 is retried once")
}

func TestHTMLAnswerNamesTheURLSetting(t *testing.T) {
	for _, status := range []int{http.StatusOK, http.StatusForbidden, http.StatusBadGateway} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			_, _ = w.Write([]byte("<!doctype html><html><body>Sign in to the Wi-Fi</body></html>"))
		}))
		// A 502 is retried while the call's time lasts: keep that short.
		_, err := NewWithTimeout(srv.URL, testToken, "acc", 2*time.Second).DurableObjects.Namespaces(context.Background())
		srv.Close()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "the answer from "+srv.URL+" is an HTML page, not the Cloudflare API's JSON; "+
			"lumier:apiUrl (or CLOUDFLARE_BASE_URL) must be the API's base URL", "HTTP %d", status)
		assert.NotContains(t, err.Error(), "invalid character", "HTTP %d: no JSON decoder text", status)
	}
}

func TestRefusedTokenNamesTheTokenSetting(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":10000,"message":"Authentication error"}]}`))
	}))
	t.Cleanup(srv.Close)
	_, err := New(srv.URL, testToken, "acc").DurableObjects.Namespaces(context.Background())
	require.ErrorContains(t, err, "cloudflare: 10000 Authentication error (HTTP 403): the API token was refused; "+
		`check lumier:apiToken (or CLOUDFLARE_API_TOKEN): it must be valid, not expired, and allowed "Workers Scripts: Edit" on account acc`)
}

func TestConnectionRefusedNamesTheURLSetting(t *testing.T) {
	url := "http://" + closedAddr(t) + "/client/v4"
	_, err := New(url, testToken, "acc").DurableObjects.Namespaces(context.Background())
	require.ErrorContains(t, err, "cannot connect to the Cloudflare API at "+url+": ")
	require.ErrorContains(t, err, "connection refused. Check lumier:apiUrl (or CLOUDFLARE_BASE_URL); for the local "+
		"Cloudflare, start it with `lumier local`")
}
