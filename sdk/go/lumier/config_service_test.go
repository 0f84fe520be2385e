package lumier

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServiceAndJSONBindings: a Worker as a binding value is a service binding to it by name,
// lumier.Service names its entrypoint, and lumier.JSON hands the value to the App as is.
func TestServiceAndJSONBindings(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			auth := ctx.Worker("auth", WorkerOptions{Entry: counterEntry})
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Bindings: Bindings{
				"AUTH":     auth,
				"AUTH_RPC": Service(auth, "AuthRPC"),
				"CONFIG":   JSON(map[string]any{"limits": []any{1, 2}}),
			}})
			return nil
		},
	})
	require.NoError(t, err)
	bindings := reg.apps[0].Inputs["workers"].ArrayValue()[1].ObjectValue()["bindings"].ObjectValue()
	assert.Equal(t, resource.PropertyMap{"type": resource.NewStringProperty("service"), "name": resource.NewStringProperty("auth")},
		bindings["AUTH"].ObjectValue())
	assert.Equal(t, "AuthRPC", bindings["AUTH_RPC"].ObjectValue()["entrypoint"].StringValue())
	config := bindings["CONFIG"].ObjectValue()
	assert.Equal(t, "json", config["type"].StringValue())
	assert.Equal(t, 2, len(config["value"].ObjectValue()["limits"].ArrayValue()))
}
