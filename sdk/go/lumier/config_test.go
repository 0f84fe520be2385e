// This file is written by hand; it tests config.go: what the collector hands the App component.
// How the App merges, names and orders is tested in the provider.

package lumier

import (
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registry records the App a program registers, answering with outputs the way the provider does.
type registry struct {
	mu   sync.Mutex
	apps []pulumi.MockResourceArgs
}

func (r *registry) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if args.TypeToken == "lumier:index:App" {
		r.apps = append(r.apps, args)
	}
	out := args.Inputs.Copy()
	out["workers"] = resource.NewObjectProperty(resource.PropertyMap{
		"api": resource.NewObjectProperty(resource.PropertyMap{"url": resource.NewStringProperty("http://127.0.0.1:9000")}),
	})
	out["durableObjects"] = resource.NewObjectProperty(resource.PropertyMap{
		"counter": resource.NewObjectProperty(resource.PropertyMap{
			"type": resource.NewStringProperty("durable_object"), "name": resource.NewStringProperty("counter"),
			"className": resource.NewStringProperty("Counter"),
		}),
	})
	return args.Name + "-id", out, nil
}

func (r *registry) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

// counterEntry is the counter's Worker code, kept with the counter example.
const counterEntry = "../../../examples/counter/src/index.ts"

// basicUsage is the basic usage, call for call.
var basicUsage = Config{
	App: func(AppContext) AppConfig { return AppConfig{Name: "my-app", Protect: []string{"production"}} },
	Run: func(ctx *Context) error {
		api := ctx.Worker("api", WorkerOptions{Entry: counterEntry})
		counter := ctx.DurableObject("counter", DurableObjectOptions{Worker: api, ClassName: "Counter"})
		ctx.Worker("api", WorkerOptions{Entry: counterEntry, Bindings: Bindings{"COUNTER": counter}})
		ctx.Export("counter", counter.Output())
		ctx.Export("url", api.URL())
		return nil
	},
}

func run(t *testing.T, cfg Config) (*registry, error) {
	t.Helper()
	reg := &registry{}
	err := pulumi.RunErr(cfg.RunFunc(), pulumi.WithMocks("my-app", "dev", reg))
	return reg, err
}

func TestBasicUsageRegistersOneAppWithEveryDeclaration(t *testing.T) {
	reg, err := run(t, basicUsage)
	require.NoError(t, err)
	require.Len(t, reg.apps, 1)
	in := reg.apps[0].Inputs
	assert.Equal(t, "my-app", in["name"].StringValue())
	assert.Equal(t, "dev", in["stage"].StringValue())
	assert.Equal(t, []resource.PropertyValue{resource.NewStringProperty("production")}, in["protect"].ArrayValue())

	workers := in["workers"].ArrayValue()
	require.Len(t, workers, 2, "both declarations of api reach the App, which merges them")
	for _, w := range workers {
		assert.Equal(t, "api", w.ObjectValue()["name"].StringValue())
	}
	binding := workers[1].ObjectValue()["bindings"].ObjectValue()["COUNTER"].ObjectValue()
	assert.Equal(t, "durable_object", binding["type"].StringValue())
	assert.Equal(t, "counter", binding["name"].StringValue(), "a Durable Object is bound by its name in the app")

	objects := in["durableObjects"].ArrayValue()
	require.Len(t, objects, 1)
	assert.Equal(t, "api", objects[0].ObjectValue()["worker"].StringValue())
	assert.Equal(t, "Counter", objects[0].ObjectValue()["className"].StringValue())
}

func TestSecretBindingsGoToSecrets(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Bindings: Bindings{
				"KEY": Secret(pulumi.String("s3cret")), "PLAIN": "x",
			}})
			return nil
		},
	})
	require.NoError(t, err)
	w := reg.apps[0].Inputs["workers"].ArrayValue()[0].ObjectValue()
	assert.NotContains(t, w["bindings"].ObjectValue(), resource.PropertyKey("KEY"))
	assert.Equal(t, "x", w["bindings"].ObjectValue()["PLAIN"].StringValue())
	secrets := w["secrets"]
	require.True(t, secrets.IsSecret() || secrets.ObjectValue()["KEY"].IsSecret(), "the secret must reach the App as a secret")
}

func TestBadDeclarationsAreNamed(t *testing.T) {
	_, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			ctx.Worker("api", WorkerOptions{Entry: "no/such/file.ts", Bindings: Bindings{"N": 42}})
			ctx.DurableObject("counter", DurableObjectOptions{ClassName: "Counter"})
			return nil
		},
	})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `worker "api" binding "N" has a int value`)
	assert.Contains(t, err.Error(), `durable object "counter" has no Worker of this app`)
}

func TestRolloutReachesTheApp(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Rollout: &RolloutArgs{Percentage: pulumi.Float64(50)}})
			return nil
		},
	})
	require.NoError(t, err)
	require.Len(t, reg.apps, 1)
	w := reg.apps[0].Inputs["workers"].ArrayValue()[0].ObjectValue()
	assert.Equal(t, 50.0, w["rollout"].ObjectValue()["percentage"].NumberValue())
}
