package lumier

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrintDeclarationsWritesTheAppsInputs: the program runs against the mock monitor and the
// App's inputs come out as plain JSON.
func TestPrintDeclarationsWritesTheAppsInputs(t *testing.T) {
	var out bytes.Buffer
	err := PrintDeclarations(Config{
		App: func(a AppContext) AppConfig { return AppConfig{Name: "shop-" + a.Stage} },
		Run: func(ctx *Context) error {
			api := ctx.Worker("api", WorkerOptions{Entry: "src/index.ts", Bindings: Bindings{
				"EVENTS": AnalyticsEngine("page_views"), "TOKEN": pulumi.ToSecret(pulumi.String("s3cret")).(pulumi.StringOutput)}})
			ctx.DurableObject("counter", DurableObjectOptions{Worker: api, ClassName: "Counter"})
			ctx.Export("script", api.ScriptName())
			return nil
		},
	}, "dev", &out)
	require.NoError(t, err)
	var inputs map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &inputs), out.String())
	assert.Equal(t, "shop-dev", inputs["name"])
	workers := inputs["workers"].([]any)
	require.Len(t, workers, 1)
	bindings := workers[0].(map[string]any)["bindings"].(map[string]any)
	assert.Equal(t, map[string]any{"type": "analytics_engine", "dataset": "page_views"}, bindings["EVENTS"])
	assert.Contains(t, out.String(), `"className":"Counter"`)
}
