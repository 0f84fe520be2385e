package provider

import (
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppDataResources: a KV namespace of the app becomes a child titled <app>-<stage>-<name>
// whose deletion removal "remove" allows, and a Worker's {type, name} binding becomes a binding
// to it, the Worker deploying after it.
func TestAppDataResources(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
		"removal":      property.New("remove"),
		"kvNamespaces": list(obj("name", "cache")),
		"workers": list(obj("name", "api", "entry", entry, "bindings",
			obj("CACHE", obj("type", "kv_namespace", "name", "cache")))),
	})
	require.NoError(t, err)
	kv := reg.byName("lumier:index:KvNamespace", "my-app-cache")
	require.NotEmpty(t, kv.Name, "the namespace is a child of the app")
	assert.Equal(t, "app-dev-cache", kv.Inputs.Get("title").AsString())
	assert.True(t, kv.Inputs.Get("deleteData").AsBool(), `removal "remove" deletes its keys too`)
	script := reg.of("lumier:index:Script")[0].Inputs.Get("bindings").AsArray().Get(0).AsMap()
	assert.Equal(t, "kv-my-app-cache", script.Get("namespaceId").AsString(), "bound to the child's id")
	worker := reg.byName("lumier:index:Worker", "my-app-api")
	require.NotNil(t, worker.RegisterRPC)
	assert.True(t, slices.ContainsFunc(worker.RegisterRPC.GetDependencies(), func(u string) bool {
		return strings.HasSuffix(u, "lumier:index:KvNamespace::my-app-cache")
	}), "the Worker deploys after the namespace it binds: %v", worker.RegisterRPC.GetDependencies())
}

// TestAppDataDeclaredTwiceIsOne: a data resource declared again under its name is the same one.
func TestAppDataDeclaredTwiceIsOne(t *testing.T) {
	reg, _, err := constructApp(t, map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
		"kvNamespaces": list(obj("name", "cache"), obj("name", "cache")),
		"workers":      list(obj("name", "api", "entry", counterEntry(t)))})
	require.NoError(t, err)
	assert.Len(t, reg.of("lumier:index:KvNamespace"), 1)
}

func TestAppDataResourceRefusals(t *testing.T) {
	entry := counterEntry(t)
	for name, tc := range map[string]struct {
		inputs map[string]property.Value
		want   string
	}{
		"undeclared": {map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"kvNamespaces": list(obj("name", "cache")),
			"workers": list(obj("name", "api", "entry", entry, "bindings",
				obj("CACHE", obj("type", "kv_namespace", "name", "cahce"))))},
			`worker "api" binding CACHE names kv namespace "cahce", which this app does not declare (it declares "cache"): ` +
				`add {name: "cahce"} to kvNamespaces, or give namespaceId`},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := constructApp(t, tc.inputs)
			assert.ErrorContains(t, err, tc.want)
		})
	}
}

// TestAppServiceBindings: {type: "service", name} names a Worker of the app: it becomes a
// service binding to that Worker's script (entrypoint kept), deployed first; an unknown name
// is refused, naming the Workers the app declares.
func TestAppServiceBindings(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
		"workers": list(
			obj("name", "api", "entry", entry, "bindings", obj("AUTH", obj("type", "service", "name", "auth", "entrypoint", "AuthRPC"))),
			obj("name", "auth", "entry", entry)),
	})
	require.NoError(t, err)
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 2)
	assert.Equal(t, "app-dev-auth", scripts[0].Inputs.Get("scriptName").AsString(), "the called Worker deploys first")
	b := scripts[1].Inputs.Get("bindings").AsArray().Get(0).AsMap()
	assert.Equal(t, "service", b.Get("type").AsString())
	assert.Equal(t, "app-dev-auth", b.Get("service").AsString())
	assert.Equal(t, "AuthRPC", b.Get("entrypoint").AsString())

	_, _, err = constructApp(t, map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
		"workers": list(obj("name", "api", "entry", entry, "bindings", obj("AUTH", obj("type", "service", "name", "auht"))))})
	assert.ErrorContains(t, err, `worker "api" binding AUTH names worker "auht", which this app does not declare (it declares "api")`)
}
