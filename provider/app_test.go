package provider

import (
	"context"
	"sync"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// registered is what the App construct registered, in order, as the engine would see it.
type registered struct {
	mu        sync.Mutex
	resources []integration.MockResourceArgs
}

func (r *registered) monitor() *integration.MockResourceMonitor {
	return &integration.MockResourceMonitor{NewResourceF: func(args integration.MockResourceArgs) (string, property.Map, error) {
		r.mu.Lock()
		r.resources = append(r.resources, args)
		r.mu.Unlock()
		if args.TypeToken == "lumier:index:KvNamespace" {
			return args.Name + "-id", property.NewMap(map[string]property.Value{"namespaceId": property.New("kv-" + args.Name)}), nil
		}
		if args.TypeToken != "lumier:index:Script" {
			return "", property.Map{}, nil
		}
		out := args.Inputs.AsMap()
		out["url"] = property.New("http://127.0.0.1:9000")
		ids := map[string]property.Value{}
		if classes, ok := args.Inputs.GetOk("durableObjects"); ok && classes.IsArray() {
			for _, c := range classes.AsArray().All {
				class := c.AsMap().Get("className").AsString()
				ids[class] = property.New("ns-" + class)
			}
		}
		out["namespaceIds"] = property.New(ids)
		return args.Name + "-id", property.NewMap(out), nil
	}}
}

// of returns the registrations of one type, in order.
func (r *registered) of(typ string) []integration.MockResourceArgs {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []integration.MockResourceArgs
	for _, a := range r.resources {
		if string(a.TypeToken) == typ {
			out = append(out, a)
		}
	}
	return out
}

func (r *registered) byName(typ, name string) integration.MockResourceArgs {
	for _, a := range r.of(typ) {
		if a.Name == name {
			return a
		}
	}
	return integration.MockResourceArgs{}
}

func constructApp(t *testing.T, inputs map[string]property.Value) (*registered, p.ConstructResponse, error) {
	t.Helper()
	prov, err := New()
	require.NoError(t, err)
	reg := &registered{}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("0.1.0"),
		integration.WithProvider(prov), integration.WithMocks(reg.monitor()))
	require.NoError(t, err)
	resp, err := s.Construct(p.ConstructRequest{
		Urn:    presource.URN("urn:pulumi:dev::proj::lumier:index:App::my-app"),
		Inputs: property.NewMap(inputs),
	})
	return reg, resp, err
}

func obj(kv ...any) property.Value {
	m := map[string]property.Value{}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case string:
			m[kv[i].(string)] = property.New(v)
		case bool:
			m[kv[i].(string)] = property.New(v)
		case property.Value:
			m[kv[i].(string)] = v
		}
	}
	return property.New(m)
}

func list(vs ...property.Value) property.Value { return property.New(vs) }

// basicApp is the basic usage as App inputs: api declared twice, the second time with the
// COUNTER binding, and the counter hosted by api.
func basicApp(t *testing.T, extra ...any) map[string]property.Value {
	entry := counterEntry(t)
	in := map[string]property.Value{
		"name": property.New("my-app"),
		"workers": list(
			obj("name", "api", "entry", entry),
			obj("name", "api", "entry", entry, "bindings", obj("COUNTER", obj("type", "durable_object", "name", "counter"))),
		),
		"durableObjects": list(obj("name", "counter", "worker", "api", "className", "Counter")),
	}
	for i := 0; i < len(extra); i += 2 {
		in[extra[i].(string)] = extra[i+1].(property.Value)
	}
	return in
}

func TestAppMergesRepeatedWorkersIntoOne(t *testing.T) {
	reg, resp, err := constructApp(t, basicApp(t, "stage", property.New("dev")))
	require.NoError(t, err)

	workers := reg.of("lumier:index:Worker")
	require.Len(t, workers, 1, "the two declarations of api are one Worker")
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 1)
	in := scripts[0].Inputs
	assert.Equal(t, "my-app-dev-api", in.Get("scriptName").AsString(), "scripts are named <app>-<stage>-<name>")
	classes := in.Get("durableObjects").AsArray()
	require.Equal(t, 1, classes.Len())
	assert.Equal(t, "Counter", classes.Get(0).AsMap().Get("className").AsString())
	assert.Equal(t, "counter", classes.Get(0).AsMap().Get("name").AsString())
	binding := in.Get("bindings").AsArray().Get(0).AsMap()
	assert.Equal(t, "COUNTER", binding.Get("name").AsString())
	assert.Equal(t, "durable_object_namespace", binding.Get("type").AsString())
	assert.Equal(t, "Counter", binding.Get("className").AsString())
	_, hasScript := binding.GetOk("scriptName")
	assert.False(t, hasScript, "a binding to the Worker's own class names no script")

	// The outputs keep the DurableObjectOutput shape.
	counter := resp.State.Get("durableObjects").AsMap().Get("counter").AsMap()
	assert.Equal(t, "durable_object", counter.Get("type").AsString())
	assert.Equal(t, "counter", counter.Get("name").AsString())
	assert.Equal(t, "Counter", counter.Get("className").AsString())
	assert.Equal(t, "my-app-dev-api", counter.Get("scriptName").AsString())
	assert.Equal(t, "ns-Counter", counter.Get("namespaceId").AsString())
	api := resp.State.Get("workers").AsMap().Get("api").AsMap()
	assert.Equal(t, "http://127.0.0.1:9000", api.Get("url").AsString())
}

func TestAppProtectsAndRetainsByStage(t *testing.T) {
	reg, _, err := constructApp(t, basicApp(t, "stage", property.New("production"),
		"protect", list(property.New("production"))))
	require.NoError(t, err)
	for _, typ := range []string{"lumier:index:Worker", "lumier:index:DurableObject"} {
		rpc := reg.of(typ)[0].RegisterRPC
		require.NotNil(t, rpc)
		assert.True(t, rpc.GetProtect(), "%s in a protected stage", typ)
		assert.True(t, rpc.GetRetainOnDelete(), "%s under the default removal is retained", typ)
	}
	assert.False(t, reg.of("lumier:index:Script")[0].Inputs.Get("deleteData").AsBool())

	reg, _, err = constructApp(t, basicApp(t, "stage", property.New("dev"), "protect", list(property.New("production")),
		"removal", property.New("remove")))
	require.NoError(t, err)
	rpc := reg.of("lumier:index:Worker")[0].RegisterRPC
	assert.False(t, rpc.GetProtect(), "dev is not a protected stage")
	assert.False(t, rpc.GetRetainOnDelete(), "removal remove deletes")
	assert.True(t, reg.of("lumier:index:Script")[0].Inputs.Get("deleteData").AsBool())
}

func TestAppOrdersHostsFirstAndWiresCrossWorkerBindings(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{
		"name":  property.New("shop"),
		"stage": property.New("dev"),
		"workers": list(
			obj("name", "web", "entry", entry, "bindings", obj("COUNTER", obj("type", "durable_object", "name", "counter"))),
			obj("name", "store", "entry", entry),
		),
		"durableObjects": list(obj("name", "counter", "worker", "store", "className", "Counter")),
	})
	require.NoError(t, err)
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 2)
	assert.Equal(t, "shop-dev-store", scripts[0].Inputs.Get("scriptName").AsString(), "the host deploys first")
	web := scripts[1].Inputs
	assert.Equal(t, "shop-dev-web", web.Get("scriptName").AsString())
	assert.Equal(t, "shop-dev-store", web.Get("bindings").AsArray().Get(0).AsMap().Get("scriptName").AsString())
	deps := reg.byName("lumier:index:Worker", "my-app-web").RegisterRPC.GetDependencies()
	// A dependency on a component is a dependency on the resources in it: the store's Script.
	assert.Contains(t, deps, "urn:pulumi:stack::project::lumier:index:App$lumier:index:Worker$lumier:index:Script::my-app-store")
}

func TestAppTransferMarksTheSourceAndOrdersIt(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{
		"name": property.New("app"), "stage": property.New("dev"),
		"workers": list(obj("name", "b", "entry", entry), obj("name", "a", "entry", entry)),
		"durableObjects": list(obj("name", "counter", "worker", "b", "className", "Counter",
			"transferredFrom", "a")),
	})
	require.NoError(t, err)
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 2)
	a, b := scripts[0].Inputs, scripts[1].Inputs
	require.Equal(t, "app-dev-a", a.Get("scriptName").AsString(), "the source deploys before the new host")
	leaving := a.Get("durableObjects").AsArray().Get(0).AsMap()
	assert.Equal(t, "app-dev-b", leaving.Get("transferredTo").AsString(), "the source keeps the class until it moves")
	moving := b.Get("durableObjects").AsArray().Get(0).AsMap().Get("transferredFrom").AsMap()
	assert.Equal(t, "app-dev-a", moving.Get("scriptName").AsString())
	assert.Equal(t, "Counter", moving.Get("className").AsString())
}

func TestAppRefusesBadDeclarationsNamingThem(t *testing.T) {
	entry := counterEntry(t)
	for _, tc := range []struct {
		name   string
		inputs map[string]property.Value
		want   []string
	}{{
		name: "conflicting entries",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers": list(obj("name", "api", "entry", entry), obj("name", "api", "entry", "other.ts"))},
		want: []string{`worker "api" is declared twice with different entry`, `"other.ts"`},
	}, {
		name: "conflicting bindings",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers": list(obj("name", "api", "entry", entry, "bindings", obj("MODE", "a")),
				obj("name", "api", "bindings", obj("MODE", "b")))},
		want: []string{`worker "api" is declared twice with different binding MODE: "a" and "b"`},
	}, {
		name: "conflicting crons",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers": list(obj("name", "api", "entry", entry, "crons", list(property.New("*/5 * * * *"))),
				obj("name", "api", "crons", list(property.New("0 * * * *"))))},
		want: []string{`worker "api" is declared twice with different crons: [*/5 * * * *] and [0 * * * *]`},
	}, {
		name: "conflicting rollouts",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers": list(obj("name", "api", "entry", entry, "rollout", obj("percentage", property.New(50.0))),
				obj("name", "api", "rollout", obj("percentage", property.New(20.0))))},
		want: []string{`worker "api" is declared twice with different rollout: {50} and {20}`},
	}, {
		name: "durable object on an undeclared worker",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers":        list(obj("name", "api", "entry", entry)),
			"durableObjects": list(obj("name", "counter", "worker", "apx", "className", "Counter"))},
		want: []string{`durable object "counter" names worker "apx", which this app does not declare (it declares "api")`},
	}, {
		name: "binding to an undeclared durable object",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers": list(obj("name", "api", "entry", entry, "bindings", obj("C", obj("type", "durable_object", "name", "nope"))))},
		want: []string{`worker "api" binding C names durable object "nope", which this app does not declare`},
	}, {
		name: "invalid stage",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("Prod"),
			"workers": list(obj("name", "api", "entry", entry))},
		want: []string{`stage name "Prod" is not valid`},
	}, {
		name: "transfer while the source still binds it",
		inputs: map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
			"workers": list(obj("name", "a", "entry", entry, "bindings", obj("C", obj("type", "durable_object", "name", "counter"))),
				obj("name", "b", "entry", entry)),
			"durableObjects": list(obj("name", "counter", "worker", "b", "className", "Counter", "transferredFrom", "a"))},
		want: []string{`worker "a" binds durable object "counter", which moves from it to worker "b"`},
	}, {
		name: "unknown removal",
		inputs: map[string]property.Value{"name": property.New("app"), "removal": property.New("delete"),
			"workers": list(obj("name", "api", "entry", entry))},
		want: []string{`removal "delete" is not valid`},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := constructApp(t, tc.inputs)
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestAppAcceptsTheSameBindingDeclaredTwice(t *testing.T) {
	entry := counterEntry(t)
	reg, _, err := constructApp(t, map[string]property.Value{"name": property.New("app"), "stage": property.New("dev"),
		"workers": list(
			obj("name", "api", "entry", entry, "bindings", obj("MODE", "a", "COUNTER", obj("type", "durable_object", "name", "counter")),
				"secrets", obj("KEY", property.New("k").WithSecret(true))),
			obj("name", "api", "bindings", obj("MODE", "a", "COUNTER", obj("type", "durable_object", "name", "counter")),
				"secrets", obj("KEY", property.New("k").WithSecret(true))),
		),
		"durableObjects": list(obj("name", "counter", "worker", "api", "className", "Counter")),
	})
	require.NoError(t, err, "the same value declared twice is one binding, for each kind")
	in := reg.of("lumier:index:Script")[0].Inputs
	assert.Equal(t, 2, in.Get("bindings").AsArray().Len())
	assert.True(t, in.Get("secrets").Secret() || in.Get("secrets").AsMap().Get("KEY").Secret(), "secrets stay secret")
}

func TestAppPassesCronsToTheScript(t *testing.T) {
	in := basicApp(t, "stage", property.New("dev"))
	workers := in["workers"].AsArray().AsSlice()
	in["workers"] = list(append(workers, obj("name", "api", "crons", list(property.New("*/5 * * * *"))))...)
	reg, _, err := constructApp(t, in)
	require.NoError(t, err)
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 1)
	crons := scripts[0].Inputs.Get("crons").AsArray()
	require.Equal(t, 1, crons.Len())
	assert.Equal(t, "*/5 * * * *", crons.Get(0).AsString())
}

func TestAppPassesRolloutToTheScript(t *testing.T) {
	in := basicApp(t, "stage", property.New("dev"))
	workers := in["workers"].AsArray().AsSlice()
	in["workers"] = list(append(workers, obj("name", "api", "rollout", obj("percentage", property.New(25.0))))...)
	reg, _, err := constructApp(t, in)
	require.NoError(t, err)
	scripts := reg.of("lumier:index:Script")
	require.Len(t, scripts, 1)
	assert.Equal(t, 25.0, scripts[0].Inputs.Get("rollout").AsMap().Get("percentage").AsNumber())
}
