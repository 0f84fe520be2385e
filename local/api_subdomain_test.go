package local

import (
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Turning workers.dev off closes the script's port; on again, the same port answers.
func TestWorkersDevToggle(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "toggle", meta(nil), module{"index.js", `export default { fetch() { return new Response("on") } }`})
	url := enableWorkersDev(t, s, "toggle")
	_, body := call(t, "GET", url, "")
	assert.Equal(t, "on", body)

	c := newClient(s)
	_, err := c.Workers.Scripts.Subdomain.Delete(ctxT(t), "toggle", workers.ScriptSubdomainDeleteParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	_, err = http.Get(url)
	require.Error(t, err, "a disabled script's port stops answering")
	got, err := c.Workers.Scripts.Subdomain.Get(ctxT(t), "toggle", workers.ScriptSubdomainGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.False(t, got.Enabled)
	assert.NotContains(t, got.JSON.RawJSON(), `"url"`)

	assert.Equal(t, url, enableWorkersDev(t, s, "toggle"), "re-enabling keeps the URL")

	// Deleting the script closes its port too.
	_, err = c.Workers.Scripts.Delete(ctxT(t), "toggle", workers.ScriptDeleteParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	_, err = http.Get(url)
	require.Error(t, err)
}

// The account's workers.dev subdomain can be read and set; a bad name is refused.
func TestAccountSubdomain(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	got, err := c.Workers.Subdomains.Get(ctxT(t), workers.SubdomainGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.Equal(t, defaultSubdomain, got.Subdomain)

	set, err := c.Workers.Subdomains.Update(ctxT(t), workers.SubdomainUpdateParams{AccountID: acct, Subdomain: cloudflare.F("team-a")})
	require.NoError(t, err)
	assert.Equal(t, "team-a", set.Subdomain)

	_, err = c.Workers.Subdomains.Update(ctxT(t), workers.SubdomainUpdateParams{AccountID: acct, Subdomain: cloudflare.F("Not OK")})
	requireCode(t, err, codeValidation, "invalid subdomain")

	_, err = c.Workers.Scripts.Subdomain.New(ctxT(t), "missing", workers.ScriptSubdomainNewParams{AccountID: acct, Enabled: cloudflare.F(true)})
	requireCode(t, err, codeScriptNotFound, "")
}
