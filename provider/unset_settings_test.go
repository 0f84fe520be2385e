package provider

import (
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCheckConfigLeavesUnsetSettingsOut: the checked provider inputs hold the settings the stack
// sets and none of the others, so that the provider `pulumi import` records (with only the set
// ones) has the same settings as the program's.
func TestCheckConfigLeavesUnsetSettingsOut(t *testing.T) {
	s := newTestServer(t)
	resp, err := s.CheckConfig(p.CheckRequest{Urn: "urn:pulumi:dev::my-app::pulumi:providers:lumier::default",
		Inputs: property.NewMap(map[string]property.Value{
			"accountId": property.New(testAccount),
			"apiToken":  property.New(testToken).WithSecret(true),
		})})
	require.NoError(t, err)
	require.Empty(t, resp.Failures)
	for _, k := range []string{"apiUrl", "requestTimeout", "workersPlan"} {
		_, has := resp.Inputs.GetOk(k)
		assert.False(t, has, "unset %s is left out", k)
	}
	assert.Equal(t, testAccount, resp.Inputs.Get("accountId").AsString())
	assert.True(t, resp.Inputs.Get("apiToken").Secret(), "the token stays secret")
}
