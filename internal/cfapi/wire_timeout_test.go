package cfapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/blackhole"
)

func TestSilentAPITimesOutWithinTimeout(t *testing.T) {
	url := "http://" + blackhole.Start(t) + "/client/v4"
	const timeout = 700 * time.Millisecond
	c := NewWithTimeout(url, testToken, "acc", timeout)
	start := time.Now()
	_, err := c.Script(context.Background(), "my-script")
	elapsed := time.Since(start)

	require.Error(t, err)
	assert.Contains(t, err.Error(), `reading script "my-script": `)
	assert.Contains(t, err.Error(), `no answer from the Cloudflare API at `+url+` within 700ms: `+
		"check lumier:apiUrl (or CLOUDFLARE_BASE_URL), or allow more time with lumier:requestTimeout")
	var te *TimeoutError
	require.True(t, errors.As(err, &te), "a *TimeoutError in the chain, got %T", err)
	assert.GreaterOrEqual(t, elapsed, timeout, "it waited for the answer")
	// The retries (two by default) must not start once the call's time is used up: allow the
	// scheduler some slack, but not another attempt's worth.
	assert.Less(t, elapsed, timeout+timeout/2, "retries went past the call's deadline")
	assert.NotContains(t, err.Error(), testToken)
}

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
	c := NewWithTimeout(srv.URL, testToken, "acc", 2*time.Second)
	start := time.Now()
	_, err := c.Namespaces(context.Background())
	assert.Less(t, time.Since(start), 2*time.Second, "waiting 5s for a retry would pass the 2s timeout")
	assert.EqualValues(t, 1, calls.Load(), "no retry whose wait outlasts the call")
	require.ErrorContains(t, err, "cloudflare: 971 Please wait and consider throttling your request speed (HTTP 429)")
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
	_, err := NewWithTimeout(srv.URL, testToken, "acc", 5*time.Second).Namespaces(context.Background())
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
		_, err := New(srv.URL, testToken, "acc").Namespaces(context.Background())
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
	_, err := New(srv.URL, testToken, "acc").Namespaces(context.Background())
	require.ErrorContains(t, err, "cloudflare: 10000 Authentication error (HTTP 403): the API token was refused; "+
		`check lumier:apiToken (or CLOUDFLARE_API_TOKEN): it must be valid, not expired, and allowed "Workers Scripts: Edit" on account acc`)
}

func TestConnectionRefusedNamesTheURLSetting(t *testing.T) {
	url := "http://" + closedAddr(t) + "/client/v4"
	_, err := New(url, testToken, "acc").Namespaces(context.Background())
	require.ErrorContains(t, err, "cannot connect to the Cloudflare API at "+url+": ")
	require.ErrorContains(t, err, "connection refused. Check lumier:apiUrl (or CLOUDFLARE_BASE_URL); for the local "+
		"Cloudflare, start it with `lumier local`")
}
