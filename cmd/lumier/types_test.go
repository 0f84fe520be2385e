package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/provider"
)

// typesOf renders the .d.ts files of an App's inputs (JSON), as `lumier types` does, with the
// provider's planning (which the plugin's app-env mode runs for the lumier binary).
func typesOf(t *testing.T, inputs string) (map[string][]byte, error) {
	t.Helper()
	return typesIn(t, inputs, ".")
}

// typesIn is typesOf for a project in dir.
func typesIn(t *testing.T, inputs, dir string) (map[string][]byte, error) {
	t.Helper()
	planned, err := provider.AppEnv("dev", []byte(inputs), func(entry string) string { return modulePath(dir, entry) })
	if err != nil {
		return nil, err
	}
	envs := make([]workerEnv, len(planned))
	for i, w := range planned {
		envs[i] = workerEnv{Name: w.Name, Entry: w.Entry, Types: w.Types}
	}
	return envFiles(envs, "lumier.config.ts", dir)
}

func TestEnvFilesTypeDurableObjectBindingsWithTheHostsClass(t *testing.T) {
	files, err := typesOf(t, `{"name":"my-app","workers":[
		{"name":"api","entry":"src/index.ts"},
		{"name":"api","bindings":{"COUNTER":{"type":"durable_object","name":"counter"},"GREETING":"hi"},"secrets":{"my-key":""}}],
		"durableObjects":[{"name":"counter","worker":"api","className":"Counter"}]}`)
	require.NoError(t, err)
	require.Len(t, files, 1, "the declarations of one Worker are merged")
	got := string(files["lumier-env.d.ts"])
	assert.Contains(t, got, `    COUNTER: DurableObjectNamespace<import("./src/index").Counter>;`)
	assert.Contains(t, got, "    GREETING: string;")
	assert.Contains(t, got, `    "my-key": string;`, "names that are not identifiers are quoted")
	assert.Contains(t, got, "interface Env extends Cloudflare.Env {}")
	assert.Less(t, strings.Index(got, "COUNTER"), strings.Index(got, "GREETING"), "bindings in name order")
}

func TestEnvFilesTypeQueueBindingsAsQueue(t *testing.T) {
	files, err := typesOf(t, `{"name":"a","queues":[{"name":"jobs"}],
		"workers":[{"name":"api","entry":"src/index.ts","bindings":{"JOBS":{"type":"queue","name":"jobs"}}}]}`)
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    JOBS: Queue;")
}

// TestEnvFilesOnePerWorkerWhenSeveral: with several Workers, a client that binds the host's class
// is typed with the host's module, each Worker in a file of its own.
func TestEnvFilesOnePerWorkerWhenSeveral(t *testing.T) {
	files, err := typesOf(t, `{"name":"a","workers":[{"name":"host","entry":"host/main.ts"},
		{"name":"client","entry":"client/index.js","bindings":{"ROOM":{"type":"durable_object","name":"room"}}}],
		"durableObjects":[{"name":"room","worker":"host","className":"Room"}]}`)
	require.NoError(t, err)
	assert.Len(t, files, 2)
	assert.Contains(t, string(files["lumier-env.client.d.ts"]), `ROOM: DurableObjectNamespace<import("./host/main").Room>;`,
		"the class is imported from the hosting Worker's entry")
	assert.Contains(t, files, "lumier-env.host.d.ts")
}

// TestEnvFilesErrors: what the App refuses, `lumier types` refuses with the App's message.
func TestEnvFilesErrors(t *testing.T) {
	_, err := typesOf(t, `{"name":"a","workers":[]}`)
	assert.ErrorContains(t, err, "declares no Worker")
	_, err = typesOf(t, `{"name":"a","workers":[{"name":"api","entry":"i.ts","bindings":{"X":{"type":"durable_object","name":"nope"}}}]}`)
	assert.ErrorContains(t, err, `worker "api" binding X names durable object "nope", which this app does not declare`)
	_, err = typesOf(t, `{"name":"a","workers":[{"name":"api","entry":"i.ts","bindings":{"X":{"type":"carrier_pigeon"}}}]}`)
	assert.ErrorContains(t, err, `worker "api" binding X has type "carrier_pigeon", which lumier does not support`,
		"an unknown kind is an error, never string")
}

func TestModulePath(t *testing.T) {
	assert.Equal(t, "./src/index", modulePath(".", "src/index.ts"))
	assert.Equal(t, "./worker", modulePath(".", "./worker.js"))
	assert.Equal(t, "../counter/src/index", modulePath(".", "../counter/src/index.ts"))
	assert.Equal(t, "./src/index", modulePath("/p", "/p/src/index.ts"), "an absolute entry (Go) is relative to the project")
}

func TestEnvFilesTypeTheAssetsBindingAsFetcher(t *testing.T) {
	files, err := typesOf(t, `{"name":"a","workers":[{"name":"web","entry":"src/index.ts","assets":{"directory":"public","binding":"ASSETS"}}]}`)
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    ASSETS: Fetcher;")
}

func TestEnvFilesTypeD1Bindings(t *testing.T) {
	files, err := typesOf(t, `{"name":"a","d1Databases":[{"name":"db"}],"workers":[{"name":"api","entry":"i.ts","bindings":{"DB":{"type":"d1","name":"db"}}}]}`)
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    DB: D1Database;")
}

func TestEnvFilesTypeWorkflowBindings(t *testing.T) {
	files, err := typesOf(t, `{"name":"a","workflows":[{"name":"order","worker":"api","className":"OrderFlow"}],
		"workers":[{"name":"api","entry":"i.ts"}]}`)
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    ORDER: Workflow;", "the App gives the host its workflow's binding")
}

func TestEnvFilesTypeKVServiceAndJSONBindings(t *testing.T) {
	files, err := typesOf(t, `{"name":"a","kvNamespaces":[{"name":"cache"}],"workers":[
		{"name":"auth","entry":"src/auth.ts"},
		{"name":"api","entry":"src/index.ts","bindings":{"CACHE":{"type":"kv_namespace","name":"cache"},
			"AUTH":{"type":"service","name":"auth"},"AUTH_RPC":{"type":"service","name":"auth","entrypoint":"AuthRPC"},
			"CONFIG":{"type":"json","value":{"greeting":"hello","limits":[1,2]}}}}]}`)
	require.NoError(t, err)
	got := string(files["lumier-env.api.d.ts"])
	assert.Contains(t, got, "    CACHE: KVNamespace;")
	assert.Contains(t, got, "    AUTH: Fetcher;")
	assert.Contains(t, got, `    AUTH_RPC: Service<import("./src/auth").AuthRPC>;`)
	assert.Contains(t, got, `    CONFIG: {"greeting":"hello","limits":[1,2]};`)

	files, err = typesOf(t, `{"name":"a","workers":[{"name":"api","entry":"i.ts","bindings":{"VERSION":{"type":"version_metadata"}}}]}`)
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    VERSION: WorkerVersionMetadata;", "the type comes from the kind's entry")

	files, err = typesOf(t, `{"name":"a","workers":[{"name":"api","entry":"i.ts","bindings":{"EVENTS":{"type":"analytics_engine","dataset":"page_views"}}}]}`)
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    EVENTS: AnalyticsEngineDataset;", "the type comes from the registry's entry")
	_, err = typesOf(t, `{"name":"a","workers":[{"name":"api","entry":"i.ts","bindings":{"EVENTS":{"type":"analytics_engine"}}}]}`)
	assert.ErrorContains(t, err, "(analytics_engine) has no dataset: set it")

	_, err = typesOf(t, `{"name":"a","workers":[{"name":"api","entry":"i.ts","bindings":{
		"AUTH_RPC":{"type":"service","name":"auth","entrypoint":"AuthRPC"}}}]}`)
	assert.ErrorContains(t, err, `worker "api" binding AUTH_RPC names worker "auth", which this app does not declare`)
}

// TestYAMLProgramIsTypedFromItsApp: a YAML program's App resource properties are the App's
// inputs, planned as a TypeScript config's are; a program without an App is refused by name.
func TestYAMLProgramIsTypedFromItsApp(t *testing.T) {
	dir := t.TempDir()
	write := func(program string) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte(program), 0o644))
	}
	write(`name: shop
runtime: yaml
resources:
  app:
    type: lumier:index:App
    properties:
      name: shop
      kvNamespaces: [{ name: cache }]
      workers:
        - name: api
          entry: src/index.ts
          bindings:
            CACHE: { type: kv_namespace, name: cache }
            EVENTS: { type: analytics_engine, dataset: page_views }
            TOKEN: ${token}
            COUNTER: { type: durable_object, name: counter }
      durableObjects:
        - { name: counter, worker: api, className: Counter }
`)
	require.True(t, isYAMLProject(dir))
	inputs, err := yamlDeclarations(dir)
	require.NoError(t, err)
	files, err := typesOf(t, string(inputs))
	require.NoError(t, err)
	got := string(files["lumier-env.d.ts"])
	assert.Contains(t, got, "    CACHE: KVNamespace;")
	assert.Contains(t, got, "    EVENTS: AnalyticsEngineDataset;")
	assert.Contains(t, got, "    TOKEN: string;", "an interpolation is a string known at deploy time")
	assert.Contains(t, got, `    COUNTER: DurableObjectNamespace<import("./src/index").Counter>;`, "the App's own planning resolves the class")

	write("name: shop\nruntime: yaml\nresources:\n  cache:\n    type: lumier:index:KvNamespace\n")
	_, err = yamlDeclarations(dir)
	assert.ErrorContains(t, err, "declares no lumier:index:App resource: nothing to type")
	write("name: shop\nruntime: nodejs\n")
	assert.False(t, isYAMLProject(dir))
}

const (
	roomHost = `import { DurableObject } from "cloudflare:workers";
export class Room extends DurableObject<Env> {
  async greet(name: string): Promise<string> { return this.env.GREETING + " " + name; }
}
export default { async fetch(_req: Request, env: Env) { return new Response(env.GREETING); } };
`
	roomClient = `export default {
  async fetch(_req: Request, env: Env) {
    const room = env.ROOM.get(env.ROOM.idFromName("a"));
    return new Response(await room.greet("ada"));
  },
};
`
	workerTSConfig = `{"compilerOptions": {"target": "es2022", "module": "es2022", "moduleResolution": "bundler", "lib": ["es2022"],
  "types": ["@cloudflare/workers-types"], "strict": true, "noEmit": true}, "files": %s}`
)

// TestTwoWorkersTypeCheckWithTsc: a client Worker that binds the host Worker's Durable Object
// class type-checks with tsc, with its own tsconfig (which pulls the host's code in through the
// class's import) and with one tsconfig for both. The host's code reads a binding the client does
// not have, which the client's Env must then carry.
func TestTwoWorkersTypeCheckWithTsc(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	tsc := filepath.Join(root, "node_modules", ".bin", "tsc")
	require.FileExists(t, tsc, "typescript is installed by scripts/tools.sh (npm ci)")
	dir, err := os.MkdirTemp(root, ".types-test-") // under the root, so node_modules resolves
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	write := func(name, content string) {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	write("host/main.ts", roomHost)
	write("client/index.ts", roomClient)
	files, err := typesOf(t, `{"name":"a","workers":[{"name":"host","entry":"host/main.ts","bindings":{"GREETING":"hello"}},
		{"name":"client","entry":"client/index.ts","bindings":{"ROOM":{"type":"durable_object","name":"room"}}}],
		"durableObjects":[{"name":"room","worker":"host","className":"Room"}]}`)
	require.NoError(t, err)
	for name, content := range files {
		write(name, string(content))
	}
	assert.Contains(t, string(files["lumier-env.client.d.ts"]), "    GREETING: string;", "the host's binding, read by the host's code the client imports")
	assert.NotContains(t, string(files["lumier-env.host.d.ts"]), "ROOM", "the host imports nothing of the client")
	write("tsconfig.client.json", fmt.Sprintf(workerTSConfig, `["client/index.ts", "lumier-env.client.d.ts"]`))
	write("tsconfig.host.json", fmt.Sprintf(workerTSConfig, `["host/main.ts", "lumier-env.host.d.ts"]`))
	write("tsconfig.json", fmt.Sprintf(workerTSConfig, `["host/main.ts", "client/index.ts", "lumier-env.host.d.ts", "lumier-env.client.d.ts"]`))
	for _, project := range []string{"tsconfig.client.json", "tsconfig.host.json", "tsconfig.json"} {
		out, err := exec.Command(tsc, "-p", filepath.Join(dir, project)).CombinedOutput()
		assert.NoError(t, err, "tsc -p %s:\n%s", project, out)
	}
}

// TestEnvFilesRefuseTwoTypesOfOneNameAcrossImportedWorkers: a client whose Env must carry the
// host's bindings cannot when both bind one name with different types.
func TestEnvFilesRefuseTwoTypesOfOneNameAcrossImportedWorkers(t *testing.T) {
	_, err := typesOf(t, `{"name":"a","workers":[{"name":"host","entry":"host/main.ts","bindings":{"X":"hello"}},
		{"name":"client","entry":"client/index.ts","bindings":{"ROOM":{"type":"durable_object","name":"room"},"X":{"type":"json","value":1}}}],
		"durableObjects":[{"name":"room","worker":"host","className":"Room"}]}`)
	assert.ErrorContains(t, err, `worker "client"'s Env must also carry the bindings of worker "host", whose code its types import, `+
		`but X is 1 in worker "client" and string in worker "host": give one of them another name`)
}

// TestGoProgramIsTypedFromItsApp: a Go program that calls lumier.Run is run (`go run .`) in
// declarations mode, against Pulumi's mock monitor, and its App's inputs are planned as a
// TypeScript config's are.
func TestGoProgramIsTypedFromItsApp(t *testing.T) {
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	dir, err := os.MkdirTemp(root, ".types-go-test-") // in the repository's module, which has the Go helper
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Pulumi.yaml"), []byte("name: shop\nruntime: go\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte(`package main

import lumier "github.com/lumier-dev/lumier/sdk/go/lumier"

func main() {
	lumier.Run(lumier.Config{
		App: func(a lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "shop"} },
		Run: func(ctx *lumier.Context) error {
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: "src/index.ts", Bindings: lumier.Bindings{"EVENTS": lumier.AnalyticsEngine("page_views")}})
			counter := ctx.DurableObject("counter", lumier.DurableObjectOptions{Worker: api, ClassName: "Counter"})
			ctx.Worker("api", lumier.WorkerOptions{Bindings: lumier.Bindings{"COUNTER": counter}})
			ctx.Export("url", api.URL())
			return nil
		},
	})
}
`), 0o644))
	require.Equal(t, "go", projectRuntime(dir))
	inputs, err := goDeclarations(t.Context(), dir, "dev")
	require.NoError(t, err)
	files, err := typesIn(t, string(inputs), dir)
	require.NoError(t, err, "inputs: %s", inputs)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "(entry src/index.ts)", "the program's absolute entry, relative to the project")
	got := string(files["lumier-env.d.ts"])
	assert.Contains(t, got, "    EVENTS: AnalyticsEngineDataset;")
	assert.Contains(t, got, `    COUNTER: DurableObjectNamespace<import("./src/index").Counter>;`)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644))
	_, err = goDeclarations(t.Context(), dir, "dev")
	assert.ErrorContains(t, err, "printed no App inputs: its main must call lumier.Run(config)")
}
