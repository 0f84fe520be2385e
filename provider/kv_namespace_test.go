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

func kvURN(name string) presource.URN {
	return presource.NewURN("dev", "my-app", "", "lumier:index:KvNamespace", name)
}

// TestKvNamespaceLifecycle: the default title, a rename that keeps the keys, the refusal to delete
// a namespace holding keys without deleteData, the delete with it, and a refresh that notices an
// out-of-band deletion.
func TestKvNamespaceLifecycle(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()

	resp, err := s.Check(p.CheckRequest{Urn: kvURN("cache"), Inputs: property.NewMap(nil)})
	require.NoError(t, err)
	require.Empty(t, resp.Failures)
	assert.Equal(t, "my-app-dev-cache", resp.Inputs.Get("title").AsString(), "title defaults to <project>-<stack>-<name>")

	created, err := s.Create(p.CreateRequest{Urn: kvURN("cache"), Properties: resp.Inputs})
	require.NoError(t, err)
	id := created.Properties.Get("namespaceId").AsString()
	assert.Equal(t, testAccount+"/"+id, created.ID)
	assert.Equal(t, "kv_namespace", created.Properties.Get("type").AsString())
	require.NoError(t, api.KV.PutValue(ctx, id, "user:1", "ada"))

	renamed := resp.Inputs.Set("title", property.New("my-app-dev-kv"))
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: kvURN("cache"), State: created.Properties, Inputs: renamed})
	require.NoError(t, err)
	assert.Equal(t, p.Update, diff.DetailedDiff["title"].Kind, "a new title renames in place")
	updated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: kvURN("cache"), State: created.Properties, Inputs: renamed})
	require.NoError(t, err)
	ns, err := api.KV.NamespaceByID(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, "my-app-dev-kv", ns.Title)
	v, err := api.KV.Value(ctx, id, "user:1")
	require.NoError(t, err)
	assert.Equal(t, "ada", v, "a rename keeps the keys")

	err = s.Delete(p.DeleteRequest{ID: created.ID, Urn: kvURN("cache"), Properties: updated.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refusing to delete KV namespace "my-app-dev-kv"`)
	assert.Contains(t, err.Error(), `"user:1"`, "names the keys it would delete")
	assert.Contains(t, err.Error(), "deleteData: true", "says how to allow it")
	_, err = api.KV.NamespaceByID(ctx, id)
	require.NoError(t, err, "nothing deleted")

	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: kvURN("cache"),
		Properties: updated.Properties.Set("deleteData", property.New(true))}))
	_, err = api.KV.NamespaceByID(ctx, id)
	assert.True(t, cfapi.IsNotFound(err), "deleted with deleteData: %v", err)

	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: kvURN("cache"), Properties: updated.Properties, Inputs: renamed})
	require.NoError(t, err)
	assert.Empty(t, read.ID, "a namespace deleted out of band leaves the state")
}

func TestKvNamespaceImport(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	ns, err := cfapi.New(srv.URL(), testToken, testAccount).KV.CreateNamespace(context.Background(), "made-by-hand")
	require.NoError(t, err)
	read, err := s.Read(p.ReadRequest{ID: testAccount + "/" + ns.ID, Urn: kvURN("hand")})
	require.NoError(t, err)
	assert.Equal(t, ns.ID, read.Properties.Get("namespaceId").AsString())
	assert.Equal(t, "made-by-hand", read.Inputs.Get("title").AsString())

	_, err = s.Read(p.ReadRequest{ID: ns.ID, Urn: kvURN("hand")})
	assert.ErrorContains(t, err, "<accountId>/<namespaceId>")
}

// TestCheckKVBinding: a kv_namespace binding needs its namespaceId; with one it passes.
func TestCheckKVBinding(t *testing.T) {
	s := newTestServer(t)
	inputs := counterInputs(t)
	kv := func(fields map[string]property.Value) property.Value {
		return property.New(append(inputs["bindings"].AsArray().AsSlice(), property.New(fields)))
	}
	inputs["bindings"] = kv(map[string]property.Value{"name": property.New("CACHE"), "type": property.New("kv_namespace")})
	assert.Contains(t, reasons(check(t, s, inputs, nil)), `bindings: binding "CACHE" (kv_namespace) has no namespaceId: set it`)

	inputs = counterInputs(t)
	inputs["bindings"] = kv(map[string]property.Value{"name": property.New("CACHE"), "type": property.New("kv_namespace"),
		"namespaceId": property.New("0123456789abcdef0123456789abcdef")})
	assert.Empty(t, reasons(check(t, s, inputs, nil)))
}
