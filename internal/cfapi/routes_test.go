package cfapi

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Zones, routes and custom domains read as Cloudflare's sources give them (testdata/cloudflare).
func TestFixtureZonesRoutesDomains(t *testing.T) {
	const zone = "023e105f4ecef8ad9ca31a8372d0c353"
	c := fixtureClient(t, map[string]string{
		"GET /zones":                                           "zones/zone-list",
		"GET /zones/" + zone + "/workers/routes":               "workers/route-list",
		"POST /zones/" + zone + "/workers/routes":              "workers/route-create",
		"GET /accounts/" + fixtureAccount + "/workers/domains": "workers/domain-list",
		"PUT /accounts/" + fixtureAccount + "/workers/domains": "workers/domain-attach",
	})
	ctx := context.Background()

	z, found, err := c.Zones.ByName(ctx, "example.com")
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, Zone{ID: zone, Name: "example.com"}, z)
	_, found, err = c.Zones.ByName(ctx, "other.org") // the fixture server answers example.com: not this name
	require.NoError(t, err)
	assert.False(t, found)

	routes, err := c.Routes.List(ctx, zone)
	require.NoError(t, err)
	assert.Equal(t, []Route{{ID: zone, Pattern: "example.com/api/*", Script: "my-app-dev-api"}}, routes)
	r, err := c.Routes.Create(ctx, zone, "example.com/api/*", "my-app-dev-api")
	require.NoError(t, err)
	assert.Equal(t, Route{ID: zone, Pattern: "example.com/api/*", Script: "my-app-dev-api"}, r)

	want := Domain{ID: "dbe10b4bc17c295377eabd600e1787fd", Hostname: "api.example.com", Service: "my-app-dev-api",
		ZoneID: zone, ZoneName: "example.com"}
	domains, err := c.Routes.Domains(ctx, DomainFilter{Service: "my-app-dev-api"})
	require.NoError(t, err)
	assert.Equal(t, []Domain{want}, domains)
	d, err := c.Routes.AttachDomain(ctx, zone, "api.example.com", "my-app-dev-api")
	require.NoError(t, err)
	assert.Equal(t, want, d)
}

// Ids go into request paths: one that could address another endpoint is refused before a request.
func TestRouteIDsAreChecked(t *testing.T) {
	c := New("http://127.0.0.1:1", "token", fixtureAccount)
	_, err := c.Routes.List(context.Background(), "../accounts")
	require.ErrorContains(t, err, `invalid zone id "../accounts"`)
	require.ErrorContains(t, c.Routes.Delete(context.Background(), "abc", "x/y"), `invalid route id "x/y"`)
}
