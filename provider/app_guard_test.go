package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppRegistersItsDataGuard: an App registers one DataGuard, named like the app, listing
// each data resource by kind, name, title and resource id, with the app's name and removal; its
// Workers deploy after the guard.
func TestAppRegistersItsDataGuard(t *testing.T) {
	reg, _, err := constructApp(t, basicApp(t,
		"kvNamespaces", list(obj("name", "cache")),
		"r2Buckets", list(obj("name", "files")),
		"removal", property.New(RemovalRemove)))
	require.NoError(t, err)
	guards := reg.of("lumier:index:DataGuard")
	require.Len(t, guards, 1)
	g := guards[0]
	assert.Equal(t, "my-app", g.Name)
	assert.Equal(t, "my-app", g.Inputs.Get("app").AsString())
	assert.Equal(t, RemovalRemove, g.Inputs.Get("removal").AsString())
	got := map[string]string{}
	for key, e := range g.Inputs.Get("resources").AsMap().All {
		m := e.AsMap()
		got[key] = m.Get("kind").AsString() + " " + m.Get("name").AsString() + " " + m.Get("title").AsString()
		_, ok := m.GetOk("id")
		assert.True(t, ok, "each entry carries its resource's id: %v", e)
	}
	assert.Equal(t, map[string]string{"kv_namespace/cache": "kv_namespace cache my-app-dev-cache",
		"r2_bucket/files": "r2_bucket files my-app-dev-files"}, got)
	assert.Equal(t, "my-app-cache-id", g.Inputs.Get("resources").AsMap().Get("kv_namespace/cache").AsMap().
		Get("id").AsString(), "the id is the namespace resource's id")
	worker := reg.byName("lumier:index:Worker", "my-app-api")
	require.NotNil(t, worker.RegisterRPC)
	assert.True(t, slices.ContainsFunc(worker.RegisterRPC.GetDependencies(), func(u string) bool {
		return strings.HasSuffix(u, "lumier:index:DataGuard::my-app")
	}), "the Worker deploys after the guard, so a refusal changes no Worker: %v", worker.RegisterRPC.GetDependencies())
}

// TestAppWithoutDataStillHasAGuard: an app with no data resources registers an empty guard, so
// that the deploy removing its last one is still compared with the one before.
func TestAppWithoutDataStillHasAGuard(t *testing.T) {
	reg, _, err := constructApp(t, basicApp(t))
	require.NoError(t, err)
	guards := reg.of("lumier:index:DataGuard")
	require.Len(t, guards, 1)
	assert.Equal(t, RemovalRetain, guards[0].Inputs.Get("removal").AsString())
	r, ok := guards[0].Inputs.GetOk("resources")
	assert.True(t, !ok || r.AsMap().Len() == 0, "no entries: %v", r)
}

// TestEveryAppDataKindIsGuarded: each kind of data resource an App declares has a reader of what
// it holds, so that none leaves an app unguarded.
func TestEveryAppDataKindIsGuarded(t *testing.T) {
	for _, k := range appDataKinds {
		kind, ok := dataKinds[k.binding]
		if assert.True(t, ok, "%s has no entry in dataKinds (data_held.go)", k.binding) {
			assert.NotNil(t, kind.held, k.binding)
		}
	}
}

// TestAppGuardListsWorkersAndIsNotRetained: under the default removal every resource of the app
// is retainOnDelete but its DataGuard, whose Delete says what stays on Cloudflare; the guard
// lists each Worker's script name and the classes of the Durable Objects it hosts.
func TestAppGuardListsWorkersAndIsNotRetained(t *testing.T) {
	reg, _, err := constructApp(t, basicApp(t, "kvNamespaces", list(obj("name", "cache"))))
	require.NoError(t, err)
	g := reg.of("lumier:index:DataGuard")[0]
	require.NotNil(t, g.RegisterRPC)
	assert.False(t, g.RegisterRPC.GetRetainOnDelete(), "the guard is deleted for real, to say what stays")
	assert.True(t, reg.of("lumier:index:KvNamespace")[0].RegisterRPC.GetRetainOnDelete(), "the data is retained")
	api := g.Inputs.Get("workers").AsMap().Get("api").AsMap()
	assert.Equal(t, "my-app-dev-api", api.Get("scriptName").AsString())
	var classes []string
	for _, c := range api.Get("durableObjects").AsArray().All {
		classes = append(classes, c.AsString())
	}
	assert.Equal(t, []string{"Counter"}, classes)
}
