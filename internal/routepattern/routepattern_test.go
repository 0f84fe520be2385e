package routepattern

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Route patterns are taken apart and matched the way Cloudflare documents them.
func TestParseAndMatch(t *testing.T) {
	rp, err := Parse("https://*.example.com/images/*")
	require.NoError(t, err)
	assert.Equal(t, Pattern{Scheme: "https", Host: "example.com", HostWild: true, SubOnly: true, Path: "/images/", PathSuffix: true}, rp)
	assert.True(t, rp.Matches("https", "cdn.example.com", "/images/a.png"))
	assert.False(t, rp.Matches("http", "cdn.example.com", "/images/a.png"))
	assert.False(t, rp.Matches("https", "example.com", "/images/a.png"))
	rp, err = Parse("example.com")
	require.NoError(t, err)
	assert.True(t, rp.Matches("https", "example.com", "/"))
	assert.False(t, rp.Matches("https", "example.com", "/x"))
	rp, err = Parse("*example.com/*")
	require.NoError(t, err)
	assert.True(t, rp.Matches("http", "example.com", "/x?y"))
	assert.True(t, rp.Matches("http", "www.example.com", "/"))
}

// Patterns and hostnames Cloudflare refuses are refused with the rule they break.
func TestRefused(t *testing.T) {
	for pattern, why := range map[string]string{
		"example.com/*.jpg":   "a wildcard may only end the path",
		"ftp://example.com/*": "the scheme may only be http:// or https://",
		"api.*.example.com/*": "a wildcard may only start the host",
		"example.com/?foo=*":  "may not hold a query",
		"/api/*":              "has no host",
	} {
		_, err := Parse(pattern)
		assert.ErrorContains(t, err, why, pattern)
	}
	for host, why := range map[string]string{
		"*.example.com":       "wildcard operators (*) are not allowed",
		"api.example.com/v1":  "paths are not allowed",
		"https://example.com": "without a scheme",
		"example.com:8443":    "without a port",
	} {
		assert.ErrorContains(t, CheckHostname(host), why, host)
	}
	assert.NoError(t, CheckHostname("api.example.com"))
}
