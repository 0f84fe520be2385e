package provider

import (
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUnsetSettingsAreNotAChange: the provider `pulumi import` records holds only the settings
// the stack sets, and the program's provider holds the others as "": that is no change, in either
// direction; a setting that is set and changes still is one.
func TestUnsetSettingsAreNotAChange(t *testing.T) {
	s := newTestServer(t)
	urn := presource.URN("urn:pulumi:dev::my-app::pulumi:providers:lumier::default")
	set := map[string]property.Value{
		"accountId": property.New(testAccount),
		"apiToken":  property.New(testToken).WithSecret(true),
	}
	imported := property.NewMap(set)
	checked, err := s.CheckConfig(p.CheckRequest{Urn: urn, Inputs: imported})
	require.NoError(t, err)
	require.Equal(t, "", checked.Inputs.Get("workersPlan").AsString(), "infer writes an unset setting as \"\"")

	for name, pair := range map[string][2]property.Map{"after an import": {imported, checked.Inputs}, "back": {checked.Inputs, imported}} {
		diff, err := s.DiffConfig(p.DiffRequest{Urn: urn, OldInputs: pair[0], State: pair[0], Inputs: pair[1]})
		require.NoError(t, err)
		assert.False(t, diff.HasChanges, "%s: %v", name, diff.DetailedDiff)
	}
	moved := checked.Inputs.Set("apiUrl", property.New("http://127.0.0.1:1/client/v4"))
	diff, err := s.DiffConfig(p.DiffRequest{Urn: urn, OldInputs: imported, State: imported, Inputs: moved})
	require.NoError(t, err)
	assert.Contains(t, diff.DetailedDiff, "apiUrl", "a setting that is set and changes is a change")
}
