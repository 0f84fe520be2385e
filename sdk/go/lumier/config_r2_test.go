// This file is written by hand; it tests config_r2.go.

package lumier

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestR2BucketIsABindingValue: ctx.R2Bucket records each declaration (the App merges them) and
// binds the bucket by its name in the app.
func TestR2BucketIsABindingValue(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			files := ctx.R2Bucket("files")
			assert.Equal(t, files, ctx.R2Bucket("files"), "declaring files again is the same bucket")
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Bindings: Bindings{"FILES": files}})
			return nil
		},
	})
	require.NoError(t, err)
	in := reg.apps[0].Inputs
	buckets := in["r2Buckets"].ArrayValue()
	require.Len(t, buckets, 2)
	assert.Equal(t, "files", buckets[0].ObjectValue()["name"].StringValue())
	binding := in["workers"].ArrayValue()[0].ObjectValue()["bindings"].ObjectValue()["FILES"].ObjectValue()
	assert.Equal(t, "r2_bucket", binding["type"].StringValue())
	assert.Equal(t, "files", binding["name"].StringValue(), "a bucket is bound by its name in the app")
}
