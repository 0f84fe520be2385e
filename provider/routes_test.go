package provider

import (
	"context"
	"testing"
	"time"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
)

// A routes option takes patterns and {pattern, zoneName | zoneId} objects, as YAML and the
// generated SDKs pass them; anything else is refused, naming the Worker and the element.
func TestRoutesFrom(t *testing.T) {
	rs, err := routesFrom("api", []any{"example.com/api/*", map[string]any{"pattern": "shop.example.org/*", "zoneName": "example.org"},
		map[string]any{"pattern": "x.example.net/*", "zoneId": "abc"}})
	require.NoError(t, err)
	assert.Equal(t, []Route{{Pattern: "example.com/api/*"}, {Pattern: "shop.example.org/*", ZoneName: ptr("example.org")},
		{Pattern: "x.example.net/*", ZoneID: ptr("abc")}}, rs)
	_, err = routesFrom("api", []any{"a.com/*", 42.0})
	require.EqualError(t, err, `worker "api" routes[1] is a number: write a pattern such as "example.com/api/*" or {pattern, zoneName}`)
	_, err = routesFrom("api", []any{map[string]any{"zoneName": "example.com"}})
	require.ErrorContains(t, err, `worker "api" routes[0] has no pattern`)
}

// Routes and domains change as sets; one a refresh found gone (no recorded id) is a change too.
func TestRoutingChanged(t *testing.T) {
	state := ScriptState{ScriptArgs: ScriptArgs{Routes: []Route{{Pattern: "a.com/*"}, {Pattern: "a.com/b/*"}}, Domains: []string{"x.a.com"}},
		RouteIDs: map[string]string{"a.com/*": "z/1", "a.com/b/*": "z/2"}, DomainIDs: map[string]string{"x.a.com": "d"}}
	same := ScriptArgs{Routes: []Route{{Pattern: "a.com/b/*"}, {Pattern: "a.com/*"}}, Domains: []string{"x.a.com"}}
	assert.False(t, routingChanged(state, same))
	zoned := same
	zoned.Routes = []Route{{Pattern: "a.com/b/*", ZoneName: ptr("a.com")}, {Pattern: "a.com/*"}}
	assert.True(t, routingChanged(state, zoned), "naming the zone is a change")
	assert.True(t, routingChanged(state, ScriptArgs{Routes: same.Routes}), "a domain removed")
	gone := state
	gone.RouteIDs = map[string]string{"a.com/*": "z/1"}
	assert.True(t, routingChanged(gone, same), "a route a refresh found gone")
	assert.False(t, routingChanged(ScriptState{}, ScriptArgs{}))
}

// Patterns and hostnames Cloudflare refuses fail the check before any API call (no client is
// configured here), each with its reason.
func TestCheckRoutingRefusesBadPatterns(t *testing.T) {
	failures := checkRouting(context.Background(), ScriptArgs{ScriptName: "api",
		Routes:  []Route{{Pattern: "example.com/*.jpg"}, {Pattern: "example.com/*"}, {Pattern: "example.com/*"}},
		Domains: []string{"api.example.com/v1"}}, nil)
	var reasons []string
	for _, f := range failures {
		reasons = append(reasons, f.Property+": "+f.Reason)
	}
	assert.Equal(t, []string{
		`routes: route pattern "example.com/*.jpg": a wildcard may only end the path, as in "example.com/images/*"`,
		`routes: route "example.com/*" is listed twice`,
		`domains: custom domain "api.example.com/v1": paths are not allowed in custom domains (a custom domain serves every path); use a route for a path`,
	}, reasons)
}

// The urls output lists URLs one can call: the workers.dev URL, the custom domains, then the
// routes whose host has no wildcard, each without its trailing wildcard and once.
func TestURLsOf(t *testing.T) {
	s := ScriptState{URL: "https://api.sub.workers.dev", ScriptArgs: ScriptArgs{Domains: []string{"api.example.com"},
		Routes: []Route{{Pattern: "example.com/api/*"}, {Pattern: "http://example.com/x"}, {Pattern: "*.example.com/*"},
			{Pattern: "example.com/shop*"}, {Pattern: "example.com"}, {Pattern: "api.example.com/*"}}}}
	assert.Equal(t, []string{"https://api.sub.workers.dev", "https://api.example.com/", "https://example.com/api/",
		"http://example.com/x", "https://example.com/shop", "https://example.com/"}, urlsOf(s))
	assert.Equal(t, []string{}, urlsOf(ScriptState{}))
}

// An App passes a Worker's routes and domains to it; two declarations of the Worker must agree.
func TestAppRoutes(t *testing.T) {
	plan, err := planApp("dev", AppArgs{Name: "shop", Workers: []AppWorker{
		{Name: "api", Entry: "src/api.ts", Routes: []any{"example.com/api/*"}},
		{Name: "api", Domains: []string{"api.example.com"}},
	}})
	require.NoError(t, err)
	args := plan.workerArgs(plan.workers["api"])
	assert.Equal(t, []any{"example.com/api/*"}, args.Routes)
	assert.Equal(t, []string{"api.example.com"}, args.Domains)

	_, err = planApp("dev", AppArgs{Name: "shop", Workers: []AppWorker{
		{Name: "api", Entry: "src/api.ts", Routes: []any{"example.com/api/*"}},
		{Name: "api", Routes: []any{"example.com/v2/*"}},
	}})
	require.ErrorContains(t, err, `worker "api" is declared twice with different routes: [example.com/api/*] and [example.com/v2/*]`)
}

// TestImportReadsRoutesOfEveryZone: an imported script has no recorded routes, so its Read
// looks through every zone of the account for the routes that run it.
func TestImportReadsRoutesOfEveryZone(t *testing.T) {
	srv, err := local.New(local.Options{Addr: "127.0.0.1:0", StateDir: t.TempDir(), Token: testToken,
		AccountID: testAccount, Zones: []string{"example.org"}})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	require.NoError(t, srv.Start(ctx))
	t.Cleanup(func() { _ = srv.Close() })
	s := configured(t, srv)
	urn := scriptURN("api")
	_, err = s.Create(p.CreateRequest{Urn: urn, Properties: checked(t, s, counterInputs(t), nil)})
	require.NoError(t, err)

	api := cfapi.New(srv.URL(), testToken, testAccount)
	want := map[string]string{}
	for _, r := range []struct{ zone, pattern string }{{"example.org", "shop.example.org/*"}, {"example.com", "example.com/api/*"}} {
		z, found, err := api.Zones.ByName(ctx, r.zone)
		require.NoError(t, err)
		require.True(t, found, r.zone)
		route, err := api.Routes.Create(ctx, z.ID, r.pattern, "my-app-dev-api")
		require.NoError(t, err)
		want[r.pattern] = z.ID + "/" + route.ID
	}

	imported, err := s.Read(p.ReadRequest{ID: testAccount + "/my-app-dev-api", Urn: urn})
	require.NoError(t, err)
	var patterns []string
	for _, r := range imported.Inputs.Get("routes").AsArray().All {
		patterns = append(patterns, r.AsMap().Get("pattern").AsString())
	}
	assert.Equal(t, []string{"example.com/api/*", "shop.example.org/*"}, patterns, "the imported inputs declare the routes")
	ids := map[string]string{}
	for k, v := range imported.Properties.Get("routeIds").AsMap().All {
		ids[k] = v.AsString()
	}
	assert.Equal(t, want, ids)
	var urls []string
	for _, u := range imported.Properties.Get("urls").AsArray().All {
		urls = append(urls, u.AsString())
	}
	assert.Contains(t, urls, "https://shop.example.org/")
}
