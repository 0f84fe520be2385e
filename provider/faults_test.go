package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/fault"
	"github.com/lumier-dev/lumier/local/requestlog"
)

// startFaulty runs the local Cloudflare with fault rules the test can add to.
func startFaulty(t *testing.T) (*local.Server, *fault.Set) {
	t.Helper()
	faults, err := fault.NewSet()
	require.NoError(t, err)
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), Token: testToken, AccountID: testAccount, Faults: faults})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { _ = srv.Close() })
	return srv, faults
}

// TestCreateRetriesRateLimits: a 429 on the upload is retried after Retry-After, and the script
// is uploaded exactly once.
func TestCreateRetriesRateLimits(t *testing.T) {
	srv, faults := startFaulty(t)
	s := configured(t, srv)
	require.NoError(t, faults.Add(fault.Rule{Method: "PUT", Path: "/accounts/*/workers/scripts/*", Status: 429, Times: 1, RetryAfter: 1}))
	in := checked(t, s, counterInputs(t), nil)
	_, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.NoError(t, err)
	assert.Equal(t, 1, srv.Calls()[local.CallUpload], "calls: %v", srv.Calls())
	assert.Equal(t, 1, srv.Calls()[local.CallFaulted], "calls: %v", srv.Calls())
}

// TestRerunAfterFailedCreateConverges: the upload (with its migration) lands but enabling
// workers.dev fails past the retries the 2s request timeout leaves room for (three at most:
// waits of 0.5s, 1s, then 2s would pass it). The Create fails with the API's error; running it
// again starts from the tag Cloudflare reports, so it neither repeats the migration nor hits
// 10079, and the script ends up served.
func TestRerunAfterFailedCreateConverges(t *testing.T) {
	srv, faults := startFaulty(t)
	s, err := configureWith(t, map[string]property.Value{"requestTimeout": property.New("2s")}, srv.URL())
	require.NoError(t, err)
	require.NoError(t, faults.Add(fault.Rule{Method: "POST", Path: "/accounts/*/workers/scripts/*/subdomain", Status: 500, Times: 4}))
	in := checked(t, s, counterInputs(t), nil)
	_, err = s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "(HTTP 500) (lumier already retried this call ")
	assert.NotContains(t, err.Error(), testToken, "errors must not carry the API token")
	assert.Equal(t, 1, srv.Calls()[local.CallUpload])

	created, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.NoError(t, err)
	assert.Equal(t, "v1", created.Properties.Get("migrationTag").AsString(), "the migration must not run twice")
	url := created.Properties.Get("url").AsString()
	require.NotEmpty(t, url)
	assert.Equal(t, `{"count":1}`, request(t, "POST", url+"/"))
}

// TestRateLimitedCreateSaysItRetried: an upload answered 429 every time fails once the retries
// have used the request timeout, and the error says lumier already retried, how often, and what
// to do, instead of leaving the user to retry at once by hand.
func TestRateLimitedCreateSaysItRetried(t *testing.T) {
	srv, faults := startFaulty(t)
	s, err := configureWith(t, map[string]property.Value{"requestTimeout": property.New("3s")}, srv.URL())
	require.NoError(t, err)
	require.NoError(t, faults.Add(fault.Rule{Method: "PUT", Path: "/accounts/*/workers/scripts/*", Status: 429, RetryAfter: 1}))
	in := checked(t, s, counterInputs(t), nil)
	_, err = s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.Error(t, err)
	faulted := srv.Calls()[local.CallFaulted]
	require.GreaterOrEqual(t, faulted, 2, "the 429 was retried")
	assert.Contains(t, err.Error(), "(HTTP 429): Cloudflare is limiting this account's request rate, and lumier already "+
		fmt.Sprintf("retried this call %d times over ", faulted-1))
	assert.Contains(t, err.Error(), "within lumier:requestTimeout (3s). Run it again in a few minutes, or give the "+
		"retries more time with a longer lumier:requestTimeout")
	assert.Empty(t, srv.Scripts(), "nothing uploaded")
}

// TestNewWorkerTurnsOnWorkersDevWhileReadingNamespaceIDs: after a new Worker's upload, its
// classes' namespace ids (read from its settings) and its workers.dev route are independent, so
// both calls are in flight at once: with the settings answering a second late, workers.dev is
// turned on before the answer to the settings read that follows the upload (each call's arrival
// and answer read from the local Cloudflare's request log), and the state still gets both the
// namespace id and the URL.
func TestNewWorkerTurnsOnWorkersDevWhileReadingNamespaceIDs(t *testing.T) {
	srv, faults := startFaulty(t)
	s := configured(t, srv)
	require.NoError(t, faults.Add(fault.Rule{Method: "GET", Path: "/accounts/*/workers/scripts/*/settings", Delay: time.Second}))
	in := checked(t, s, counterInputs(t), nil)
	created, err := s.Create(p.CreateRequest{Urn: scriptURN("api"), Properties: in})
	require.NoError(t, err)
	assert.NotEmpty(t, created.Properties.Get("namespaceIds").AsMap().Get("Counter").AsString())
	assert.NotEmpty(t, created.Properties.Get("url").AsString())

	log, err := os.ReadFile(srv.RequestLogPath())
	require.NoError(t, err)
	var settings, workersDev *requestlog.Record
	uploaded := false
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		var r requestlog.Record
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		switch {
		case r.Method == "PUT" && strings.HasSuffix(r.Path, "/workers/scripts/my-app-dev-api"):
			uploaded = true
		case uploaded && r.Method == "GET" && strings.HasSuffix(r.Path, "/settings"):
			settings = &r
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/subdomain"):
			workersDev = &r
		}
	}
	require.NotNil(t, settings, "no settings read after the upload in the request log:\n%s", log)
	require.NotNil(t, workersDev, "workers.dev was not turned on:\n%s", log)
	answered := settings.Time.Add(time.Duration(settings.DurationMs * float64(time.Millisecond)))
	assert.True(t, workersDev.Time.Before(answered),
		"workers.dev was turned on at %s, after the settings' answer at %s: the calls ran one after the other",
		workersDev.Time.Format(time.StampMicro), answered.Format(time.StampMicro))
}
