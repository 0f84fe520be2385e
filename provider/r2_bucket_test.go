package provider

import (
	"context"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

func r2URN(name string) presource.URN {
	return presource.NewURN("dev", "my-app", "", "lumier:index:R2Bucket", name)
}

// TestR2BucketLifecycle: the default name, a storage class changed in place, a new name that
// replaces, the refusal to delete a bucket holding objects without deleteData, the delete with
// it (objects first), and a refresh that notices an out-of-band deletion.
func TestR2BucketLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()

	resp, err := s.Check(p.CheckRequest{Urn: r2URN("files"), Inputs: property.NewMap(map[string]property.Value{
		"locationHint": property.New("weur")})})
	require.NoError(t, err)
	require.Empty(t, resp.Failures)
	assert.Equal(t, "my-app-dev-files", resp.Inputs.Get("bucketName").AsString(), "name defaults to <project>-<stack>-<name>")

	created, err := s.Create(p.CreateRequest{Urn: r2URN("files"), Properties: resp.Inputs})
	require.NoError(t, err)
	assert.Equal(t, testAccount+"/my-app-dev-files", created.ID)
	assert.Equal(t, "r2_bucket", created.Properties.Get("type").AsString())
	assert.Equal(t, "weur", created.Properties.Get("location").AsString())
	require.NoError(t, api.R2.PutObject(ctx, "my-app-dev-files", "a.txt", "text/plain", []byte("a")))
	require.NoError(t, api.R2.PutObject(ctx, "my-app-dev-files", "dir/b.txt", "text/plain", []byte("b")))

	infrequent := resp.Inputs.Set("storageClass", property.New("InfrequentAccess"))
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: r2URN("files"), State: created.Properties, Inputs: infrequent})
	require.NoError(t, err)
	assert.Equal(t, p.Update, diff.DetailedDiff["storageClass"].Kind, "a storage class changes in place")
	updated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: r2URN("files"), State: created.Properties, Inputs: infrequent})
	require.NoError(t, err)
	bk, err := api.R2.BucketByName(ctx, "my-app-dev-files")
	require.NoError(t, err)
	assert.Equal(t, "InfrequentAccess", bk.StorageClass)

	renamed := infrequent.Set("bucketName", property.New("my-app-dev-uploads"))
	diff, err = s.Diff(p.DiffRequest{ID: created.ID, Urn: r2URN("files"), State: updated.Properties, Inputs: renamed})
	require.NoError(t, err)
	assert.Equal(t, p.UpdateReplace, diff.DetailedDiff["bucketName"].Kind, "R2 cannot rename: a new name replaces")

	err = s.Delete(p.DeleteRequest{ID: created.ID, Urn: r2URN("files"), Properties: updated.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refusing to delete R2 bucket "my-app-dev-files"`)
	assert.Contains(t, err.Error(), `"a.txt", "dir/b.txt"`, "names the objects it would delete")
	assert.Contains(t, err.Error(), "deleteData: true", "says how to allow it")
	_, err = api.R2.BucketByName(ctx, "my-app-dev-files")
	require.NoError(t, err, "nothing deleted")
	keys, _, err := api.R2.Objects(ctx, "my-app-dev-files", "", 10)
	require.NoError(t, err)
	assert.Len(t, keys, 2, "nothing deleted")

	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: r2URN("files"),
		Properties: updated.Properties.Set("deleteData", property.New(true))}))
	_, err = api.R2.BucketByName(ctx, "my-app-dev-files")
	assert.True(t, cfapi.IsNotFound(err), "deleted with deleteData, objects first: %v", err)

	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: r2URN("files"), Properties: updated.Properties, Inputs: infrequent})
	require.NoError(t, err)
	assert.Empty(t, read.ID, "a bucket deleted out of band leaves the state")
}

func TestR2BucketImport(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	_, err := cfapi.New(srv.URL(), testToken, testAccount).R2.CreateBucket(context.Background(), "made-by-hand", "", "")
	require.NoError(t, err)
	read, err := s.Read(p.ReadRequest{ID: testAccount + "/made-by-hand", Urn: r2URN("hand")})
	require.NoError(t, err)
	assert.Equal(t, "made-by-hand", read.Inputs.Get("bucketName").AsString())
	assert.Equal(t, "Standard", read.Properties.Get("storageClass").AsString())

	_, err = s.Read(p.ReadRequest{ID: "made-by-hand", Urn: r2URN("hand")})
	assert.ErrorContains(t, err, "<accountId>/<bucketName>")

	// A bucket placed by a hint is imported with that hint, and a program that gives the same
	// hint, or none, does not replace it; only a hint for another place does.
	_, err = cfapi.New(srv.URL(), testToken, testAccount).R2.CreateBucket(context.Background(), "placed", "weur", "")
	require.NoError(t, err)
	read, err = s.Read(p.ReadRequest{ID: testAccount + "/placed", Urn: r2URN("placed")})
	require.NoError(t, err)
	assert.Equal(t, "weur", read.Inputs.Get("locationHint").AsString())
	for hint, replace := range map[string]bool{"weur": false, "": false, "enam": true} {
		diff, err := s.Diff(p.DiffRequest{ID: read.ID, Urn: r2URN("placed"), State: read.Properties,
			Inputs: read.Inputs.Set("locationHint", property.New(hint))})
		require.NoError(t, err)
		assert.Equal(t, replace, diff.DetailedDiff["locationHint"].Kind == p.UpdateReplace, "hint %q", hint)
	}
}

// TestR2BucketCheck: names and options Cloudflare would refuse fail at preview, saying why.
func TestR2BucketCheck(t *testing.T) {
	s := newTestServer(t)
	cases := map[string]struct {
		inputs map[string]property.Value
		want   string
	}{
		"uppercase": {map[string]property.Value{"bucketName": property.New("My_Files")}, `R2 bucket name "My_Files" is not valid`},
		"too short": {map[string]property.Value{"bucketName": property.New("ab")}, "3 to 63 lowercase letters"},
		"location":  {map[string]property.Value{"locationHint": property.New("mars")}, `R2 location hint "mars" is not one of apac`},
		"class":     {map[string]property.Value{"storageClass": property.New("Glacier")}, `R2 storage class "Glacier" is not one of Standard`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			resp, err := s.Check(p.CheckRequest{Urn: r2URN("files"), Inputs: property.NewMap(tc.inputs)})
			require.NoError(t, err)
			require.Len(t, resp.Failures, 1)
			assert.Contains(t, resp.Failures[0].Reason, tc.want)
		})
	}
	resp, err := s.Check(p.CheckRequest{Urn: presource.NewURN("dev", "My_App", "", "lumier:index:R2Bucket", "files"),
		Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	require.Len(t, resp.Failures, 1)
	assert.Contains(t, resp.Failures[0].Reason, "set bucketName", "a project name that makes no bucket name says what to set")
}

// TestCheckR2Binding: an r2_bucket binding needs its bucketName; with one it passes.
func TestCheckR2Binding(t *testing.T) {
	s := newTestServer(t)
	inputs := counterInputs(t)
	r2 := func(fields map[string]property.Value) property.Value {
		return property.New(append(inputs["bindings"].AsArray().AsSlice(), property.New(fields)))
	}
	inputs["bindings"] = r2(map[string]property.Value{"name": property.New("FILES"), "type": property.New("r2_bucket")})
	assert.Contains(t, reasons(check(t, s, inputs, nil)), `bindings: binding "FILES" (r2_bucket) has no bucketName: set it`)

	inputs = counterInputs(t)
	inputs["bindings"] = r2(map[string]property.Value{"name": property.New("FILES"), "type": property.New("r2_bucket"),
		"bucketName": property.New("my-app-dev-files")})
	assert.Empty(t, reasons(check(t, s, inputs, nil)))
}
