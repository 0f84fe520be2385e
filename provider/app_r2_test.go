package provider

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func r2App(buckets []AppR2Bucket, bindings pulumi.Map) AppArgs {
	return AppArgs{Name: "shop", R2Buckets: buckets,
		Workers: []AppWorker{{Name: "api", Entry: "src/index.ts", Bindings: bindings}}}
}

// TestAppR2Buckets: an app's bucket is named <app>-<stage>-<name>, and a Worker binding
// {type: "r2_bucket", name} takes it.
func TestAppR2Buckets(t *testing.T) {
	plan, err := planApp("dev", r2App([]AppR2Bucket{{Name: "files"}},
		pulumi.Map{"FILES": pulumi.Map{"type": pulumi.String("r2_bucket"), "name": pulumi.String("files")}}))
	require.NoError(t, err)
	buckets := plan.data["r2_bucket"].items
	require.Contains(t, buckets, "files")
	assert.Equal(t, "shop-dev-files", buckets["files"].title)
	assert.Equal(t, map[string]appDataRef{"FILES": {binding: "r2_bucket", name: "files"}}, plan.workers["api"].data)
}

// TestAppR2BucketErrors: a binding to a bucket the app does not declare and a name R2 would
// refuse are each named; a bucket declared twice is one bucket.
func TestAppR2BucketErrors(t *testing.T) {
	_, err := planApp("dev", r2App([]AppR2Bucket{{Name: "files"}, {Name: "files"}, {Name: "Bad_Name"}},
		pulumi.Map{"UPLOADS": pulumi.Map{"type": pulumi.String("r2_bucket"), "name": pulumi.String("uploads")}}))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), `"files" is declared`)
	assert.Contains(t, err.Error(), `r2 bucket "Bad_Name"`)
	assert.Contains(t, err.Error(), `worker "api" binding UPLOADS names r2 bucket "uploads", which this app does not declare`)
}

// TestAppInvalidBucketNameSaysBucket: an invalid bucket name is called a bucket name (not a
// worker name), and the Worker binding it is not told the app does not declare it.
func TestAppInvalidBucketNameSaysBucket(t *testing.T) {
	_, err := planApp("dev", r2App([]AppR2Bucket{{Name: "My_Files"}},
		pulumi.Map{"FILES": pulumi.Map{"type": pulumi.String("r2_bucket"), "name": pulumi.String("My_Files")}}))
	require.Error(t, err)
	assert.Equal(t, `r2 bucket "My_Files": r2 bucket name "My_Files" is not valid: use lowercase letters, digits and '-', `+
		`starting and ending with a letter or digit (for example "my-files")`, err.Error())
}

// TestAppInvalidStackNameSaysTheStageIsTheStack: with no stage set, the stage is the stack's
// name; an invalid one says so and how to change it.
func TestAppInvalidStackNameSaysTheStageIsTheStack(t *testing.T) {
	_, err := planApp("Dev_Stack", r2App(nil, nil))
	require.Error(t, err)
	assert.Equal(t, `stage name "Dev_Stack" is not valid: use lowercase letters, digits and '-', starting and ending with `+
		`a letter or digit (for example "dev-stack"). The stage is the stack's name, "Dev_Stack": create a stack with a `+
		"valid name (`pulumi stack init dev-stack`) or rename this one (`pulumi stack rename dev-stack`), or set the "+
		"app's stage", err.Error())
}
