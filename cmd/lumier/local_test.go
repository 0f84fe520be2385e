package main

import (
	"bytes"
	"context"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// waitLimit bounds a wait for an event (a log line, a process starting or exiting), so that a
// broken build fails instead of hanging: generous, since it is no check of speed and the test
// machines are shared.
const waitLimit = time.Minute

// syncBuffer is a bytes.Buffer safe to read while the command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var baseURL = regexp.MustCompile(`export CLOUDFLARE_BASE_URL=(\S+)`)

// `lumier local` prints how to reach it, serves the API with the token it printed, and stops
// cleanly when its context is cancelled (what SIGINT and SIGTERM do).
func TestLocalServesAndStops(t *testing.T) {
	t.Setenv(tokenEnv, "from-env")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"local", "--addr", "127.0.0.1:0", "--state", t.TempDir(),
			"--faults", "GET /user/tokens/verify=503x1", "-log-requests", "-plan", "paid", "-zone", "example.org,shop.test"}, &stdout, &stderr)
	}()

	var url string
	require.Eventually(t, func() bool {
		m := baseURL.FindStringSubmatch(stdout.String())
		if m != nil {
			url = m[1]
		}
		return m != nil
	}, waitLimit, 20*time.Millisecond, "banner; stderr: %s", stderr.String())
	out := stdout.String()
	assert.Contains(t, out, "export CLOUDFLARE_API_TOKEN=from-env")
	assert.Contains(t, out, "export CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef")
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/client/v4$`, url)
	assert.Contains(t, out, "GET /user/tokens/verify=503x1")
	assert.Regexp(t, `plan +paid\n`, out)
	assert.Regexp(t, `zones +example\.com, example\.org, shop\.test \(routes and custom domains answer on the API's port by Host: `+
		`curl -H 'Host: <hostname>' http://127\.0\.0\.1:\d+/\)\n`, out)
	// Every common client's variables: wrangler reads CLOUDFLARE_API_BASE_URL.
	assert.Contains(t, out, "export CLOUDFLARE_API_BASE_URL="+url+"\n")

	verify := func() int {
		req, _ := http.NewRequest("GET", url+"/user/tokens/verify", nil)
		req.Header.Set("Authorization", "Bearer from-env")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		return res.StatusCode
	}
	assert.Equal(t, http.StatusServiceUnavailable, verify(), "the fault from --faults")
	assert.Equal(t, http.StatusOK, verify())
	// -log-requests prints each request, the fault and the success alike, without the token.
	require.Eventually(t, func() bool {
		return strings.Contains(stderr.String(), "GET /client/v4/user/tokens/verify -> 503") &&
			strings.Contains(stderr.String(), "GET /client/v4/user/tokens/verify -> 200")
	}, waitLimit, 10*time.Millisecond, "request lines; stderr: %s", stderr.String())
	assert.NotContains(t, stderr.String(), "from-env", "the token is never logged")

	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, stderr.String())
	case <-time.After(waitLimit):
		t.Fatal("lumier local did not stop")
	}
	_, err := http.Get(url + "/user/tokens/verify")
	assert.Error(t, err, "the API is closed")
}

func TestLocalRefusesBadSetup(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, 1, run(context.Background(), []string{"local", "--addr", "0.0.0.0:8787", "--state", t.TempDir()}, &out, &errOut))
	assert.Contains(t, errOut.String(), "not a loopback address")

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"local", "--faults", "PUT /x"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "--faults")

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"local", "-plan", "pro"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `-plan: unknown plan "pro"`)

	errOut.Reset()
	assert.Equal(t, 1, run(context.Background(), []string{"local", "-zone", "localhost", "--state", t.TempDir()}, &out, &errOut))
	assert.Contains(t, errOut.String(), `zone "localhost": want a domain name such as "example.org"`)

	errOut.Reset()
	assert.Equal(t, 2, run(context.Background(), []string{"local", "extra"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "unexpected arguments")

	errOut.Reset()
	assert.Equal(t, 0, run(context.Background(), []string{"local", "-h"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "-addr")
}
