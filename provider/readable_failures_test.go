package provider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckFailuresNameNoProperty: the engine prints a failure that names a property with the Go
// value of the whole top-level input ("property 'bindings' value {[{map[...]}]} has a problem"),
// so failures reach it with no property and the user's path leading the reason.
func TestCheckFailuresNameNoProperty(t *testing.T) {
	s := newTestServer(t)
	in := counterInputs(t)
	in["assets"] = property.New(map[string]property.Value{"directory": property.New("")})
	in["bindings"] = property.New([]property.Value{property.New(map[string]property.Value{
		"name": property.New("bad name"), "type": property.New("plain_text"), "text": property.New("x")})})
	resp := check(t, s, in, nil)
	require.NotEmpty(t, resp.Failures)
	for _, f := range resp.Failures {
		assert.Empty(t, f.Property, "failure %q", f.Reason)
	}
	got := joined(reasons(resp))
	assert.Contains(t, got, "\nassets.directory is empty: set it to the directory of the static files")
	assert.Contains(t, got, "\nbindings: ")
}
