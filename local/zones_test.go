package local

import (
	"io"
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	cfzones "github.com/cloudflare/cloudflare-go/v4/zones"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/zones"
)

// zoneGet sends a request for host and path to the API's port, as `curl -H 'Host: ...'` does.
func zoneGet(t *testing.T, s *Server, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctxT(t), "GET", "http://"+s.Addr()+path, nil)
	require.NoError(t, err)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res.StatusCode, string(b)
}

func namedWorker(name string) module {
	return module{Name: "index.js", Src: `export default { fetch() { return new Response("` + name + `") } }`}
}

// Zones, routes and custom domains answer in Cloudflare's shapes; requests reach the Worker the
// most specific route selects, a route runs in front of the hostname's custom domain (its
// origin), and everything survives a restart.
func TestZoneRoutesAndDomains(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{Zones: []string{"example.org"}})
	c := newClient(s)
	for _, name := range []string{"site", "api", "admin", "www"} {
		mustUpload(t, s, name, meta(nil), namedWorker(name))
	}

	r := raw(t, s, "GET", "/zones?name=example.com&account.id="+s.AccountID(), s.Token(), "", nil)
	require.Equal(t, http.StatusOK, r.Status, string(r.Body))
	shapetest.Check(t, "zones", "zone-list", r.Body)
	list, err := c.Zones.List(ctxT(t), cfzones.ZoneListParams{Name: cloudflare.F("example.org")})
	require.NoError(t, err)
	require.Len(t, list.Result, 1)
	org := list.Result[0].ID
	list, err = c.Zones.List(ctxT(t), cfzones.ZoneListParams{Name: cloudflare.F("example.com")})
	require.NoError(t, err)
	com := list.Result[0].ID

	route := func(zone, pattern, script string) {
		t.Helper()
		_, err := c.Workers.Routes.New(ctxT(t), workers.RouteNewParams{ZoneID: cloudflare.F(zone),
			Pattern: cloudflare.F(pattern), Script: cloudflare.F(script)})
		require.NoError(t, err, pattern)
	}
	route(com, "*example.com/*", "site")
	route(com, "example.com/api/*", "api")
	route(com, "example.com/api/admin", "admin")
	route(com, "www.example.com/*", "www")
	route(org, "app.example.org/hello*", "api")
	r = raw(t, s, "GET", "/zones/"+com+"/workers/routes", s.Token(), "", nil)
	shapetest.Check(t, "workers", "route-list", r.Body)

	// The same pattern again is refused, naming the script that holds it.
	_, err = c.Workers.Routes.New(ctxT(t), workers.RouteNewParams{ZoneID: cloudflare.F(com),
		Pattern: cloudflare.F("example.com/api/*"), Script: cloudflare.F("site")})
	requireCode(t, err, zones.CodeRouteTaken, `script "api"`)
	for pattern, why := range map[string]string{
		"example.com/*.jpg":   "a wildcard may only end the path",
		"ftp://example.com/*": "the scheme may only be http:// or https://",
		"api.*.example.com/*": "a wildcard may only start the host",
		"example.com/?foo=*":  "may not hold a query",
		"other.net/*":         "is not in zone example.com",
	} {
		_, err = c.Workers.Routes.New(ctxT(t), workers.RouteNewParams{ZoneID: cloudflare.F(com),
			Pattern: cloudflare.F(pattern), Script: cloudflare.F("site")})
		requireCode(t, err, zones.CodeRouteInvalid, why)
	}

	d, err := c.Workers.Domains.Update(ctxT(t), workers.DomainUpdateParams{AccountID: cloudflare.F(s.AccountID()),
		Environment: cloudflare.F("production"), Hostname: cloudflare.F("api.example.org"), Service: cloudflare.F("api"),
		ZoneID: cloudflare.F(org)})
	require.NoError(t, err)
	assert.Equal(t, "example.org", d.ZoneName)
	_, err = c.Workers.Domains.Update(ctxT(t), workers.DomainUpdateParams{AccountID: cloudflare.F(s.AccountID()),
		Environment: cloudflare.F("production"), Hostname: cloudflare.F("api.example.org"), Service: cloudflare.F("site"),
		ZoneID: cloudflare.F(org)})
	requireCode(t, err, zones.CodeDomainTaken, `custom domain of script "api"`)
	r = raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/domains?service=api", s.Token(), "", nil)
	shapetest.Check(t, "workers", "domain-list", r.Body)

	check := func(host, path, want string) {
		t.Helper()
		status, body := zoneGet(t, s, host, path)
		assert.Equal(t, http.StatusOK, status, "%s%s: %s", host, path, body)
		assert.Equal(t, want, body, "%s%s", host, path)
	}
	check("example.com", "/", "site")
	check("example.com:8443", "/api/users?x=1", "api")
	check("example.com", "/api/admin", "admin")
	check("example.com", "/api/admin?x", "api") // an exact path does not match with a query
	check("www.example.com", "/api/x", "www")   // an exact host wins over a wildcard one
	check("blog.example.com", "/", "site")
	check("api.example.org", "/anything", "api") // the custom domain
	check("app.example.org", "/hello/there", "api")
	status, body := zoneGet(t, s, "app.example.org", "/other")
	assert.Equal(t, http.StatusNotFound, status)
	assert.Contains(t, body, "no route or custom domain of zone matches app.example.org/other")

	// A route on the custom domain's hostname runs in front of it.
	route(org, "api.example.org/auth", "admin")
	check("api.example.org", "/auth", "admin")
	check("api.example.org", "/other", "api")

	require.NoError(t, s.Close())
	s = startServer(t, dir, Options{Zones: []string{"example.org"}})
	check("example.com", "/api/admin", "admin")
	check("api.example.org", "/x", "api")

	// Deleting a script deletes its custom domains with it.
	_, err = newClient(s).Workers.Scripts.Delete(ctxT(t), "api", workers.ScriptDeleteParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	r = raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/domains", s.Token(), "", nil)
	assert.Contains(t, string(r.Body), `"result":[]`)
}

// A zone option that is not a domain name is refused when the server is made.
func TestZoneOptionChecked(t *testing.T) {
	_, err := New(Options{StateDir: t.TempDir(), Zones: []string{"not a zone"}, Workerd: "/bin/true"})
	require.ErrorContains(t, err, `zone "not a zone": want a domain name`)
}
