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

// TestDeclarationsExportEveryAppOutput: the App's outputs are empty under the mock monitor, and
// only the values a program exports read them (Deferred, evaluated once Run has returned), so
// a program exporting every one of them still prints the App's inputs, all of them.
func TestDeclarationsExportEveryAppOutput(t *testing.T) {
	var out bytes.Buffer
	err := PrintDeclarations(Config{
		App: func(a AppContext) AppConfig { return AppConfig{Name: "shop"} },
		Run: func(ctx *Context) error {
			api := ctx.Worker("api", WorkerOptions{Entry: "src/index.ts", Routes: []any{"example.com/api/*"}})
			counter := ctx.DurableObject("counter", DurableObjectOptions{Worker: api, ClassName: "Counter"})
			cache, db, jobs, files := ctx.KvNamespace("cache"), ctx.D1Database("db", D1Options{}), ctx.Queue("jobs"), ctx.R2Bucket("files")
			ctx.Worker("api", WorkerOptions{Entry: "src/index.ts", Bindings: Bindings{
				"COUNTER": counter, "CACHE": cache, "DB": db, "JOBS": jobs, "FILES": files}})
			for name, v := range map[string]Deferred{"url": api.URL(), "urls": api.URLs(), "script": api.ScriptName(),
				"counter": counter.Output(), "cache": cache.ID(), "db": db.ID(), "jobs": jobs.QueueName(), "files": files.BucketName()} {
				ctx.Export(name, v)
			}
			return nil
		},
	}, "dev", &out)
	require.NoError(t, err)
	var inputs map[string]any
	require.NoError(t, json.Unmarshal(out.Bytes(), &inputs), out.String())
	bindings := inputs["workers"].([]any)[1].(map[string]any)["bindings"].(map[string]any)
	assert.Equal(t, map[string]any{"type": "kv_namespace", "name": "cache"}, bindings["CACHE"])
	assert.Len(t, bindings, 5)
	for _, list := range []string{"durableObjects", "kvNamespaces", "d1Databases", "queues", "r2Buckets"} {
		assert.Len(t, inputs[list], 1, list)
	}
}
