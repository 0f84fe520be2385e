package local

import (
	"io"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/durable_objects"
	cfkv "github.com/cloudflare/cloudflare-go/v4/kv"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/fault"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A 429 with Retry-After: 1 on the upload is retried by cloudflare-go after a second, and the
// upload then reaches the endpoint exactly once.
func TestFaultInjectionRetried(t *testing.T) {
	s := sharedServer(t)
	require.NoError(t, shared.faults.Add(fault.Rule{Method: "PUT", Path: "/accounts/*/workers/scripts/faulty", Status: 429, Times: 1, RetryAfter: 1}))
	before := s.Calls()

	start := time.Now()
	mustUpload(t, s, "faulty", meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("ok") } }`})
	assert.GreaterOrEqual(t, time.Since(start), time.Second, "cloudflare-go waited for Retry-After")

	after := s.Calls()
	assert.Equal(t, 1, after[CallUpload]-before[CallUpload], "the upload ran exactly once")
	assert.Equal(t, 1, after[CallFaulted]-before[CallFaulted], "one attempt was failed by the fault")

	// Without retries the client sees Cloudflare's rate-limit error and the header.
	require.NoError(t, shared.faults.Add(fault.Rule{Method: "GET", Path: "/accounts/*/workers/durable_objects/namespaces", Status: 429, Times: 1}))
	_, err := newClient(s, option.WithMaxRetries(0)).DurableObjects.Namespaces.List(ctxT(t),
		durable_objects.NamespaceListParams{AccountID: cloudflare.F(s.AccountID())})
	requireCode(t, err, envelope.CodeRateLimited, "Please wait and consider throttling your request speed")
	var cfErr *cloudflare.Error
	require.ErrorAs(t, err, &cfErr)
	assert.Equal(t, "1", cfErr.Response.Header.Get("Retry-After"))

	// 500s are retried too; latency is added.
	require.NoError(t, shared.faults.Add(fault.Rule{Method: "GET", Path: "/accounts/*/workers/subdomain", Status: 500, Times: 1}))
	require.NoError(t, shared.faults.Add(fault.Rule{Method: "GET", Path: "/accounts/*/workers/subdomain", Delay: 300 * time.Millisecond, Times: 1}))
	start = time.Now()
	_, err = newClient(s).Workers.Subdomains.Get(ctxT(t), workers.SubdomainGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 300*time.Millisecond)
}

// Reads make no mutating calls: what a no-op update of the provider must look like.
func TestCallsCountMutations(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "counted", meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("ok") } }`})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())

	mutating := s.MutatingCalls()
	before := s.Calls()
	_, err := c.Workers.Scripts.List(ctxT(t), workers.ScriptListParams{AccountID: acct})
	require.NoError(t, err)
	_, err = c.Workers.Scripts.ScriptAndVersionSettings.Get(ctxT(t), "counted", workers.ScriptScriptAndVersionSettingGetParams{AccountID: acct})
	require.NoError(t, err)
	_, err = c.DurableObjects.Namespaces.List(ctxT(t), durable_objects.NamespaceListParams{AccountID: acct})
	require.NoError(t, err)
	_, err = c.Workers.Scripts.Subdomain.Get(ctxT(t), "counted", workers.ScriptSubdomainGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.Equal(t, mutating, s.MutatingCalls(), "reads are not mutations")

	after := s.Calls()
	for _, kind := range []string{CallListScripts, CallSettings, CallNamespaces, CallScriptSubdomain} {
		assert.Equal(t, 1, after[kind]-before[kind], kind)
	}
	enableWorkersDev(t, s, "counted")
	assert.Equal(t, mutating+1, s.MutatingCalls())
}

// TestDropFaultServesThenHangsUp: a "drop" fault lets the request act (the namespace exists) and
// closes the connection without an answer, so the client cannot tell that it did.
func TestDropFaultServesThenHangsUp(t *testing.T) {
	s := sharedServer(t)
	require.NoError(t, shared.faults.Add(fault.Rule{Method: "POST", Path: "/accounts/*/storage/kv/namespaces", Drop: true, Times: 1}))
	before := s.Calls()
	c := newClient(s, option.WithMaxRetries(0))
	_, err := c.KV.Namespaces.New(ctxT(t), cfkv.NamespaceNewParams{AccountID: cloudflare.F(s.AccountID()), Title: cloudflare.F("dropped-create")})
	require.ErrorIs(t, err, io.EOF, "the connection closed without an answer")
	after := s.Calls()
	assert.Equal(t, 1, after[CallDropped]-before[CallDropped])
	assert.Equal(t, 1, after[kv.CallEditNamespaces]-before[kv.CallEditNamespaces], "the create reached its endpoint")

	_, err = c.KV.Namespaces.New(ctxT(t), cfkv.NamespaceNewParams{AccountID: cloudflare.F(s.AccountID()), Title: cloudflare.F("dropped-create")})
	requireCode(t, err, kv.CodeTitleTaken, "a namespace with this account ID and title already exists")
}
