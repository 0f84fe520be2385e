package provider

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const scriptType = "lumier:index:Script"

func scriptURN(name string) presource.URN {
	return presource.NewURN("dev", "test", "", scriptType, name)
}

func newTestServer(t *testing.T) integration.Server {
	t.Helper()
	prov, err := New()
	require.NoError(t, err)
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("0.1.0"), integration.WithProvider(prov))
	require.NoError(t, err)
	return s
}

func counterEntry(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs("../examples/counter/src/index.ts")
	require.NoError(t, err)
	return abs
}

// counterInputs are the counter's Worker with its Counter class and COUNTER binding.
func counterInputs(t *testing.T) map[string]property.Value {
	return map[string]property.Value{
		"scriptName": property.New("my-app-dev-api"),
		"entry":      property.New(counterEntry(t)),
		"durableObjects": property.New([]property.Value{
			property.New(map[string]property.Value{"className": property.New("Counter")}),
		}),
		"bindings": property.New([]property.Value{
			property.New(map[string]property.Value{"name": property.New("COUNTER"), "type": property.New("durable_object_namespace"),
				"className": property.New("Counter")}),
		}),
	}
}

// plainText adds a plain_text binding to a bindings list.
func plainText(bindings property.Value, name, text string) property.Value {
	return property.New(append(bindings.AsArray().AsSlice(), property.New(map[string]property.Value{
		"name": property.New(name), "type": property.New("plain_text"), "text": property.New(text),
	})))
}

func check(t *testing.T, s integration.Server, inputs map[string]property.Value, old map[string]property.Value) p.CheckResponse {
	t.Helper()
	resp, err := s.Check(p.CheckRequest{Urn: scriptURN("api"), Inputs: property.NewMap(inputs), State: property.NewMap(old)})
	require.NoError(t, err)
	return resp
}

func reasons(resp p.CheckResponse) []string {
	var out []string
	for _, f := range resp.Failures {
		if f.Property == "" {
			out = append(out, f.Reason) // the reason leads with the property (withReadableFailures)
			continue
		}
		out = append(out, f.Property+": "+f.Reason)
	}
	return out
}

func TestCheckAcceptsTheCounterAndHashesCode(t *testing.T) {
	s := newTestServer(t)
	resp := check(t, s, counterInputs(t), nil)
	require.Empty(t, reasons(resp))
	hash := resp.Inputs.Get("codeHash")
	require.True(t, hash.IsString())
	assert.Len(t, hash.AsString(), 64, "codeHash must be a sha256 hex digest")
}

func TestCheckRejectsBadInputs(t *testing.T) {
	s := newTestServer(t)
	brokenEntry, err := filepath.Abs("testdata/broken/src/index.ts")
	require.NoError(t, err)

	cases := []struct {
		name   string
		edit   func(m map[string]property.Value)
		old    map[string]property.Value
		reason string
	}{{
		name:   "missing entry",
		edit:   func(m map[string]property.Value) { m["entry"] = property.New("/nonexistent/src/index.ts") },
		reason: "/nonexistent/src/index.ts",
	}, {
		name:   "entry does not bundle",
		edit:   func(m map[string]property.Value) { m["entry"] = property.New(brokenEntry) },
		reason: "index.ts:3:",
	}, {
		name: "class not exported",
		edit: func(m map[string]property.Value) {
			m["durableObjects"] = property.New([]property.Value{property.New(map[string]property.Value{"className": property.New("Missing")})})
			m["bindings"] = property.New([]property.Value{})
		},
		reason: `Durable Object class "Missing" is not exported`,
	}, {
		name: "binding name not an identifier",
		edit: func(m map[string]property.Value) {
			m["bindings"] = plainText(m["bindings"], "MY-VAR", "x")
		},
		reason: `binding name "MY-VAR" is not a valid JavaScript identifier`,
	}, {
		name: "binding names collide",
		edit: func(m map[string]property.Value) {
			m["bindings"] = plainText(m["bindings"], "COUNTER", "x")
		},
		reason: `binding name "COUNTER" is used twice`,
	}, {
		name:   "script name outside the rule",
		edit:   func(m map[string]property.Value) { m["scriptName"] = property.New("My_App!") },
		reason: `script name "My_App!" is not valid`,
	}, {
		name: "sqlite flipped on an existing class",
		edit: func(m map[string]property.Value) {
			m["durableObjects"] = property.New([]property.Value{property.New(map[string]property.Value{
				"className": property.New("Counter"), "sqlite": property.New(false)})})
		},
		old:    counterInputs(t),
		reason: `class "Counter" of script "my-app-dev-api" already stores its data in SQLite storage`,
	}, {
		name: "class dropped without deleteData",
		edit: func(m map[string]property.Value) {
			m["durableObjects"] = property.New([]property.Value{})
			m["bindings"] = property.New([]property.Value{})
		},
		old:    counterInputs(t),
		reason: `refusing to delete Durable Object data: class "Counter" of script "my-app-dev-api"`,
	}, {
		name: "binding to a class the worker does not host",
		edit: func(m map[string]property.Value) {
			m["durableObjects"] = property.New([]property.Value{})
		},
		reason: `binding "COUNTER" points at class "Counter" of this Worker, but the Worker does not host it`,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := counterInputs(t)
			tc.edit(in)
			resp := check(t, s, in, tc.old)
			require.NotEmpty(t, resp.Failures, "expected a check failure")
			assert.Contains(t, joined(reasons(resp)), tc.reason)
			t.Log(joined(reasons(resp)))
		})
	}
}

func TestCheckToleratesUnknownInputs(t *testing.T) {
	s := newTestServer(t)
	in := counterInputs(t)
	in["entry"] = property.New(property.Computed)
	in["bindings"] = property.New(property.Computed)
	resp := check(t, s, in, nil)
	assert.Empty(t, resp.Failures)
	assert.True(t, resp.Inputs.Get("entry").IsComputed())
}

func joined(ss []string) string {
	out := ""
	for _, s := range ss {
		out += "\n" + s
	}
	return out
}

func TestCheckRefusesScriptRenameThatEmptiesClasses(t *testing.T) {
	s := newTestServer(t)
	in := counterInputs(t)
	in["scriptName"] = property.New("my-app-dev-web")
	resp := check(t, s, in, counterInputs(t))
	assert.Contains(t, joined(reasons(resp)), `renaming script "my-app-dev-api" to "my-app-dev-web" replaces it`)

	in["deleteData"] = property.New(true)
	resp = check(t, s, in, counterInputs(t))
	assert.Contains(t, joined(reasons(resp)), "deploy deleteData: true under the old name, then rename",
		"the old script is deleted with its old inputs, so the opt-in must be deployed first")

	old := counterInputs(t)
	old["deleteData"] = property.New(true)
	resp = check(t, s, in, old)
	assert.Empty(t, resp.Failures, "with deleteData deployed the replacement is allowed (and the preview warns)")
}
