// This file is written by hand; it tests config.go.

package lumier

import (
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registry records what a program registers, answering like the provider would.
type registry struct {
	mu        sync.Mutex
	resources []pulumi.MockResourceArgs
}

func (r *registry) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.mu.Lock()
	r.resources = append(r.resources, args)
	r.mu.Unlock()
	out := args.Inputs.Copy()
	switch args.TypeToken {
	case "lumier:index:Worker":
		out["type"] = resource.NewStringProperty("worker")
		out["url"] = resource.NewStringProperty("http://127.0.0.1:9000")
	case "lumier:index:DurableObject":
		out["type"] = resource.NewStringProperty("durable_object")
		out["name"] = resource.NewStringProperty(args.Name)
		out["scriptName"] = args.Inputs["worker"]
		out["namespaceId"] = resource.NewStringProperty("ns-1")
	}
	return args.Name + "-id", out, nil
}

func (r *registry) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

func (r *registry) byType(token string) []pulumi.MockResourceArgs {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []pulumi.MockResourceArgs
	for _, a := range r.resources {
		if a.TypeToken == token {
			out = append(out, a)
		}
	}
	return out
}

// seedEntry is the seed's Worker code, kept with the counter example.
const seedEntry = "../../../examples/counter/src/index.ts"

// seed is the seed's Basic Usage, call for call.
var seed = Config{
	App: func(AppInput) App { return App{Name: "my-app", Protect: []string{"production"}} },
	Run: func(ctx *Context) error {
		api := ctx.Worker("api", WorkerOptions{Entry: seedEntry})
		counter := ctx.DurableObject("counter", DurableObjectOptions{Worker: api, ClassName: "Counter"})
		ctx.Worker("api", WorkerOptions{Entry: seedEntry, Bindings: Bindings{"COUNTER": counter}})
		ctx.Export("counter", counter.Output())
		ctx.Export("url", api.URL())
		return nil
	},
}

func runSeed(t *testing.T, stack string, cfg Config) (*registry, error) {
	t.Helper()
	reg := &registry{}
	err := pulumi.RunErr(cfg.RunFunc(), pulumi.WithMocks("my-app", stack, reg))
	return reg, err
}

func TestSeedMakesOneWorkerHostingCounter(t *testing.T) {
	reg, err := runSeed(t, "dev", seed)
	require.NoError(t, err)

	workers := reg.byType("lumier:index:Worker")
	require.Len(t, workers, 1, "the two Worker(\"api\") declarations must merge into one resource")
	w := workers[0].Inputs
	assert.Equal(t, "my-app-dev-api", w["scriptName"].StringValue())
	classes := w["durableObjects"].ArrayValue()
	require.Len(t, classes, 1)
	assert.Equal(t, "Counter", classes[0].ObjectValue()["className"].StringValue())
	binding := w["bindings"].ObjectValue()["COUNTER"].ObjectValue()
	assert.Equal(t, "durable_object", binding["type"].StringValue())
	assert.Equal(t, "Counter", binding["className"].StringValue())
	assert.NotContains(t, binding, resource.PropertyKey("scriptName"), "a same-script binding names no script")
	assert.True(t, w["entry"].IsString())
	assert.True(t, w["entry"].StringValue()[0] == '/', "entry is made absolute, got %q", w["entry"].StringValue())

	dos := reg.byType("lumier:index:DurableObject")
	require.Len(t, dos, 1)
	assert.Equal(t, "counter", dos[0].Name)
	assert.Equal(t, "Counter", dos[0].Inputs["className"].StringValue())
	assert.Equal(t, "my-app-dev-api", dos[0].Inputs["worker"].StringValue())

	for _, r := range append(workers, dos...) {
		assert.False(t, r.RegisterRPC.GetProtect(), "%s must not be protected in stage dev", r.Name)
		assert.True(t, r.RegisterRPC.GetRetainOnDelete(), "the default removal is retain")
	}
}

func TestDurableObjectOutputShape(t *testing.T) {
	var counter *DurableObjectRef
	cfg := Config{
		App: seed.App,
		Run: func(ctx *Context) error {
			api := ctx.Worker("api", WorkerOptions{Entry: seedEntry})
			counter = ctx.DurableObject("counter", DurableObjectOptions{Worker: api, ClassName: "Counter"})
			ctx.Worker("api", WorkerOptions{Bindings: Bindings{"COUNTER": counter}})
			return nil
		},
	}
	got := make(chan map[string]any, 1)
	err := pulumi.RunErr(func(pctx *pulumi.Context) error {
		if err := cfg.RunFunc()(pctx); err != nil {
			return err
		}
		// RunErr waits for this apply before returning.
		counter.Output()().(pulumi.Map).ToMapOutput().ApplyT(func(m map[string]any) map[string]any {
			got <- m
			return m
		})
		return nil
	}, pulumi.WithMocks("my-app", "dev", &registry{}))
	require.NoError(t, err)
	shape := <-got
	assert.Equal(t, "durable_object", shape["type"])
	assert.Equal(t, "counter", shape["name"])
	assert.Equal(t, "Counter", shape["className"])
	assert.Equal(t, "my-app-dev-api", shape["scriptName"])
}

func TestProtectedStageProtectsEverything(t *testing.T) {
	reg, err := runSeed(t, "production", seed)
	require.NoError(t, err)
	all := append(reg.byType("lumier:index:Worker"), reg.byType("lumier:index:DurableObject")...)
	require.Len(t, all, 2)
	for _, r := range all {
		assert.True(t, r.RegisterRPC.GetProtect(), "%s must be protected in stage production", r.Name)
	}
}

func TestRemovalRemoveAllowsDataDeletion(t *testing.T) {
	cfg := seed
	cfg.App = func(AppInput) App { return App{Name: "my-app", Removal: RemovalRemove} }
	reg, err := runSeed(t, "dev", cfg)
	require.NoError(t, err)
	w := reg.byType("lumier:index:Worker")[0]
	assert.True(t, w.Inputs["deleteData"].BoolValue())
	assert.False(t, w.RegisterRPC.GetRetainOnDelete())
}

func TestConflictingDeclarationsNameBoth(t *testing.T) {
	cfg := Config{
		App: seed.App,
		Run: func(ctx *Context) error {
			ctx.Worker("api", WorkerOptions{Entry: seedEntry})
			ctx.Worker("api", WorkerOptions{Entry: "src/other.ts"})
			return nil
		},
	}
	_, err := runSeed(t, "dev", cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `worker "api" is declared twice with different entry: "`+seedEntry+`" and "src/other.ts"`)
}

func TestDurableObjectOnUndeclaredWorker(t *testing.T) {
	other := &WorkerRef{name: "ghost"}
	cfg := Config{
		App: seed.App,
		Run: func(ctx *Context) error {
			ctx.DurableObject("counter", DurableObjectOptions{Worker: other, ClassName: "Counter"})
			return nil
		},
	}
	_, err := runSeed(t, "dev", cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `durable object "counter" names worker "ghost", which is not declared in this stack`)
}

func TestInvalidStageName(t *testing.T) {
	_, err := runSeed(t, "Prod_1", seed)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `stage name "Prod_1" is not valid`)
}

func TestCrossWorkerBindingOrdersHostFirst(t *testing.T) {
	cfg := Config{
		App: seed.App,
		Run: func(ctx *Context) error {
			web := ctx.Worker("web", WorkerOptions{Entry: seedEntry})
			api := ctx.Worker("api", WorkerOptions{Entry: seedEntry})
			counter := ctx.DurableObject("counter", DurableObjectOptions{Worker: api, ClassName: "Counter"})
			ctx.Worker("web", WorkerOptions{Bindings: Bindings{"COUNTER": counter}})
			_ = web
			return nil
		},
	}
	reg, err := runSeed(t, "dev", cfg)
	require.NoError(t, err)
	workers := reg.byType("lumier:index:Worker")
	require.Len(t, workers, 2)
	assert.Equal(t, "api", workers[0].Name, "the host must be registered before the Worker binding its class")
	binding := workers[1].Inputs["bindings"].ObjectValue()["COUNTER"].ObjectValue()
	assert.Equal(t, "my-app-dev-api", binding["scriptName"].StringValue())
}

// transferApp moves Counter from worker a to worker b; binder is the worker that binds it.
func transferApp(binder string) Config {
	return Config{
		App: seed.App,
		Run: func(ctx *Context) error {
			a := ctx.Worker("a", WorkerOptions{Entry: seedEntry})
			b := ctx.Worker("b", WorkerOptions{Entry: seedEntry})
			counter := ctx.DurableObject("counter", DurableObjectOptions{Worker: b, ClassName: "Counter", TransferredFrom: a})
			ctx.Worker(binder, WorkerOptions{Bindings: Bindings{"COUNTER": counter}})
			return nil
		},
	}
}

func TestTransferMarksSourceAndOrdersIt(t *testing.T) {
	reg, err := runSeed(t, "dev", transferApp("b"))
	require.NoError(t, err)
	workers := reg.byType("lumier:index:Worker")
	require.Len(t, workers, 2)
	assert.Equal(t, "a", workers[0].Name, "the source drops the class's binding before the new host takes it")
	leaving := workers[0].Inputs["durableObjects"].ArrayValue()[0].ObjectValue()
	assert.Equal(t, "my-app-dev-b", leaving["transferredTo"].StringValue())
	arriving := workers[1].Inputs["durableObjects"].ArrayValue()[0].ObjectValue()
	assert.Equal(t, "my-app-dev-a", arriving["transferredFrom"].ObjectValue()["scriptName"].StringValue())
	assert.Equal(t, "counter", arriving["name"].StringValue())
}

func TestTransferWhileSourceStillBindsIsRefused(t *testing.T) {
	_, err := runSeed(t, "dev", transferApp("a"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `worker "a" binds durable object "counter", which moves from it to worker "b"`)
}
