package fault

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	f, err := Parse(`PUT /accounts/*/workers/scripts/*=429x1:retry-after=2;
		get /client/v4/accounts/*/workers/scripts=500x2
		* /**=250ms
		DELETE /accounts/*/workers/scripts/*=503:delay=1s`)
	require.NoError(t, err)
	require.Len(t, f.rules, 4)
	assert.Equal(t, Rule{Method: "PUT", Path: "/accounts/*/workers/scripts/*", Status: 429, Times: 1, RetryAfter: 2}, f.rules[0].Rule)
	assert.Equal(t, Rule{Method: "GET", Path: "/accounts/*/workers/scripts", Status: 500, Times: 2}, f.rules[1].Rule)
	assert.Equal(t, Rule{Method: "*", Path: "/**", Delay: 250 * time.Millisecond}, f.rules[2].Rule)
	assert.Equal(t, Rule{Method: "DELETE", Path: "/accounts/*/workers/scripts/*", Status: 503, Delay: time.Second}, f.rules[3].Rule)
	assert.Equal(t, "PUT /accounts/*/workers/scripts/*=429x1:retry-after=2; GET /accounts/*/workers/scripts=500x2; "+
		"* /**=250ms; DELETE /accounts/*/workers/scripts/*=503:delay=1s", f.String())

	// A 429 without retry-after gets Retry-After: 1.
	f, err = Parse("PUT /x=429")
	require.NoError(t, err)
	assert.Equal(t, 1, f.rules[0].RetryAfter)

	f, err = Parse("POST /accounts/*/storage/kv/namespaces=dropx1")
	require.NoError(t, err)
	assert.Equal(t, Rule{Method: "POST", Path: "/accounts/*/storage/kv/namespaces", Drop: true, Times: 1}, f.rules[0].Rule)
	assert.Equal(t, "POST /accounts/*/storage/kv/namespaces=dropx1", f.String())

	for spec, want := range map[string]string{
		"PUT /x":                  `no "="`,
		"/x=500":                  `want "METHOD PATH"`,
		"PUT /x=200":              "400..599",
		"PUT /x=soon":             "neither an HTTP status",
		"PUT /x=500x0":            "positive",
		"PUT /x=500:retry-after=": "whole seconds",
		"PUT /x=500:bogus=1":      "unknown option",
	} {
		_, err := Parse(spec)
		assert.ErrorContains(t, err, want, spec)
	}
}

func TestMatching(t *testing.T) {
	f, err := Parse("PUT /accounts/*/workers/scripts/*=500x2; GET /accounts/**=502")
	require.NoError(t, err)

	_, ok := f.take("PUT", "/accounts/a/workers/scripts")
	assert.False(t, ok, "one * is one segment")
	_, ok = f.take("GET", "/accounts/a/workers/scripts/x")
	assert.True(t, ok, "** matches the rest")
	_, ok = f.take("GET", "/user/tokens/verify")
	assert.False(t, ok)

	for i := 0; i < 2; i++ {
		got, ok := f.take("PUT", "/accounts/a/workers/scripts/x")
		require.True(t, ok)
		assert.Equal(t, 500, got.Status)
	}
	_, ok = f.take("PUT", "/accounts/a/workers/scripts/x")
	assert.False(t, ok, "x2 hits twice")
	assert.Equal(t, "GET /accounts/**=502", f.String(), "used-up rules are gone from the listing")

	var none *Set
	_, ok = none.take("GET", "/")
	assert.False(t, ok)
}
