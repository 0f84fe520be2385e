package cfapi

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// answering is a server that fails the first failures requests with status, then answers
// Cloudflare's success envelope; it counts the requests by method.
func answering(t *testing.T, status, failures int, retryAfter string) (url string, calls func(method string) int32) {
	t.Helper()
	var n atomic.Int32
	counts := map[string]*atomic.Int32{http.MethodGet: {}, http.MethodPost: {}, http.MethodPut: {}, http.MethodDelete: {}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		counts[r.Method].Add(1)
		w.Header().Set("Content-Type", "application/json")
		if failures < 0 || int(n.Add(1)) <= failures {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			w.WriteHeader(status)
			_, _ = w.Write([]byte(`{"success":false,"errors":[{"code":971,"message":"Please wait and consider throttling your request speed"}],"messages":[],"result":null}`))
			return
		}
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":{"id":"0123456789abcdef0123456789abcdef","title":"t","enabled":true,"previews_enabled":true}}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func(method string) int32 { return counts[method].Load() }
}

func TestServerErrorRetriedForGetNotForPost(t *testing.T) {
	url, calls := answering(t, http.StatusInternalServerError, 1, "0")
	c := NewWithTimeout(url, testToken, "acc", 30*time.Second)
	ctx := context.Background()

	_, err := c.KV.NamespaceByID(ctx, "ns")
	require.NoError(t, err, "a GET after a 500 is sent again")
	assert.EqualValues(t, 2, calls(http.MethodGet))

	url, calls = answering(t, http.StatusInternalServerError, 1, "0")
	c = NewWithTimeout(url, testToken, "acc", 30*time.Second)
	_, err = c.KV.CreateNamespace(ctx, "cache")
	require.ErrorContains(t, err, "(HTTP 500)")
	assert.EqualValues(t, 1, calls(http.MethodPost), "a create that may have been acted on is not sent twice")
	assert.NotContains(t, err.Error(), "retried")

	url, calls = answering(t, http.StatusBadGateway, 1, "0")
	c = NewWithTimeout(url, testToken, "acc", 30*time.Second)
	_, err = c.Scripts.SetWorkersDev(ctx, "api", true)
	require.NoError(t, err, "turning workers.dev on twice is harmless: retried")
	assert.EqualValues(t, 2, calls(http.MethodPost))
}

func TestConflictIsNotRetried(t *testing.T) {
	url, calls := answering(t, http.StatusConflict, -1, "")
	_, err := NewWithTimeout(url, testToken, "acc", 30*time.Second).KV.NamespaceByID(context.Background(), "ns")
	require.ErrorContains(t, err, "(HTTP 409)")
	assert.EqualValues(t, 1, calls(http.MethodGet), "a 409 answers the same the next time")
}

// TestRateLimitedCallSaysItWasRetried: a call answered 429 every time is retried, POST
// included, until the next wait would pass the timeout; the error then says so.
func TestRateLimitedCallSaysItWasRetried(t *testing.T) {
	url, calls := answering(t, http.StatusTooManyRequests, -1, "0.2")
	_, err := NewWithTimeout(url, testToken, "acc", 2*time.Second).KV.CreateNamespace(context.Background(), "cache")
	require.Error(t, err)
	n := calls(http.MethodPost)
	require.Greater(t, n, int32(2), "retried more than cloudflare-go's default twice")
	var retried *RetriedError
	require.ErrorAs(t, err, &retried)
	assert.EqualValues(t, n, retried.Attempts)
	assert.Contains(t, err.Error(), "cloudflare: 971 Please wait and consider throttling your request speed (HTTP 429): "+
		"Cloudflare is limiting this account's request rate, and lumier already retried this call ")
	assert.Contains(t, err.Error(), "within lumier:requestTimeout (2s). Run it again in a few minutes, or give the "+
		"retries more time with a longer lumier:requestTimeout")
	apiErr, ok := AsAPIError(err)
	require.True(t, ok, "the API error stays inspectable")
	assert.Equal(t, http.StatusTooManyRequests, apiErr.Status)
	assert.NotContains(t, err.Error(), testToken)
}

// TestRefusedConnectionWaitsForARestartingAPI: once the API has answered, a refused connection
// is retried with backoff, so an API that is down for longer than cloudflare-go's own two
// retries (three refusals) is reached when it comes back; before it has ever answered, a refusal
// fails at once (a wrong URL).
func TestRefusedConnectionWaitsForARestartingAPI(t *testing.T) {
	var calls atomic.Int32
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"success":true,"errors":[],"messages":[],"result":{"id":"ns","title":"t"}}`))
	})
	first := httptest.NewServer(handler)
	addr := first.Listener.Addr().String()

	// Counts the attempts refused; the API comes back on the same address after the third.
	var refusals atomic.Int32
	down := make(chan struct{})
	watch := option.WithMiddleware(func(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		res, err := next(req)
		if errors.Is(err, syscall.ECONNREFUSED) && refusals.Add(1) == 3 {
			close(down)
		}
		return res, err
	})
	c := NewWithTimeout(first.URL, testToken, "acc", 30*time.Second, watch)
	ctx := context.Background()
	_, err := c.KV.NamespaceByID(ctx, "ns")
	require.NoError(t, err)
	first.Close()

	probe := NewWithTimeout("http://"+addr, testToken, "acc", 30*time.Second)
	_, err = probe.KV.NamespaceByID(ctx, "ns")
	require.ErrorContains(t, err, "connection refused", "the API is down")
	assert.NotContains(t, err.Error(), "retried", "a client that never reached the API does not wait for it")

	restarted := make(chan *httptest.Server, 1)
	go func() {
		<-down
		l, err := net.Listen("tcp", addr)
		if err != nil {
			restarted <- nil
			return
		}
		srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: handler}}
		srv.Start()
		restarted <- srv
	}()
	_, err = c.KV.NamespaceByID(ctx, "ns")
	require.EqualValues(t, 3, refusals.Load(), "the call was refused three times: %v", err)
	srv := <-restarted
	require.NotNil(t, srv, "listening again on %s", addr)
	t.Cleanup(srv.Close)
	require.NoError(t, err, "the call waited for the API to come back")
	assert.EqualValues(t, 2, calls.Load())
}
