package local

import (
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
)

// Turning workers.dev off closes the script's port; on again, the same port answers.
func TestWorkersDevToggle(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "toggle", meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("on") } }`})
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
	assert.Equal(t, account.DefaultSubdomain, got.Subdomain)

	set, err := c.Workers.Subdomains.Update(ctxT(t), workers.SubdomainUpdateParams{AccountID: acct, Subdomain: cloudflare.F("team-a")})
	require.NoError(t, err)
	assert.Equal(t, "team-a", set.Subdomain)

	_, err = c.Workers.Subdomains.Update(ctxT(t), workers.SubdomainUpdateParams{AccountID: acct, Subdomain: cloudflare.F("Not OK")})
	requireCode(t, err, envelope.CodeValidation, "invalid subdomain")

	_, err = c.Workers.Scripts.Subdomain.New(ctxT(t), "missing", workers.ScriptSubdomainNewParams{AccountID: acct, Enabled: cloudflare.F(true)})
	requireCode(t, err, envelope.CodeScriptNotFound, "")
}

// A new account started with NoSubdomain has none: the read answers 10007 in Cloudflare's
// shape (testdata/cloudflare/workers/subdomain-none.json) until a PUT registers one, after
// which the read answers it (subdomain-get.json). A restart keeps what was registered.
func TestNoSubdomainAccount(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{NoSubdomain: true})
	path := "/accounts/" + s.AccountID() + "/workers/subdomain"
	r := raw(t, s, "GET", path, s.Token(), "", nil)
	assert.Equal(t, http.StatusNotFound, r.Status)
	shapetest.Check(t, "workers", "subdomain-none", r.Body)
	_, err := newClient(s).Workers.Subdomains.Get(ctxT(t), workers.SubdomainGetParams{AccountID: cloudflare.F(s.AccountID())})
	requireCode(t, err, envelope.CodeScriptNotFound, "no workers.dev subdomain")

	r = raw(t, s, "PUT", path, s.Token(), "application/json", []byte(`{"subdomain":"team-b"}`))
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	r = raw(t, s, "GET", path, s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status)
	shapetest.Check(t, "workers", "subdomain-get", r.Body)
	assert.JSONEq(t, `"team-b"`, string(r.field(t, "subdomain")))
	require.NoError(t, s.Close())

	// The option only shapes a new account: the registered subdomain survives a restart with it.
	s2 := startServer(t, dir, Options{NoSubdomain: true})
	got, err := newClient(s2).Workers.Subdomains.Get(ctxT(t), workers.SubdomainGetParams{AccountID: cloudflare.F(s2.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, "team-b", got.Subdomain)
}
