package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func parseDeclarations(t *testing.T, s string) *declarations {
	t.Helper()
	var d declarations
	require.NoError(t, json.Unmarshal([]byte(s), &d))
	return &d
}

func TestEnvFilesTypeDurableObjectBindingsWithTheHostsClass(t *testing.T) {
	d := parseDeclarations(t, `{"app":"my-app",
		"workers":{"api":{"entry":"src/index.ts","bindings":{"COUNTER":{"kind":"durable_object","durableObject":"counter"},"GREETING":{"kind":"text"},"my-key":{"kind":"secret"}}}},
		"durableObjects":{"counter":{"worker":"api","className":"Counter"}}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	require.Len(t, files, 1)
	got := string(files["lumier-env.d.ts"])
	assert.Contains(t, got, `    COUNTER: DurableObjectNamespace<import("./src/index").Counter>;`)
	assert.Contains(t, got, "    GREETING: string;")
	assert.Contains(t, got, `    "my-key": string;`, "names that are not identifiers are quoted")
	assert.Contains(t, got, "interface Env extends Cloudflare.Env {}")
	assert.Less(t, strings.Index(got, "COUNTER"), strings.Index(got, "GREETING"), "bindings in name order")
}

func TestEnvFilesTypeQueueBindingsAsQueue(t *testing.T) {
	d := parseDeclarations(t, `{"app":"a","workers":{"api":{"entry":"src/index.ts","bindings":{"JOBS":{"kind":"queue"}}}},
		"durableObjects":{}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    JOBS: Queue;")
}

func TestEnvFilesOnePerWorkerWhenSeveral(t *testing.T) {
	d := parseDeclarations(t, `{"app":"a",
		"workers":{"host":{"entry":"host/main.ts","bindings":{}},"client":{"entry":"client/index.js","bindings":{"ROOM":{"kind":"durable_object","durableObject":"room"}}}},
		"durableObjects":{"room":{"worker":"host","className":"Room"}}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	assert.Len(t, files, 2)
	assert.Contains(t, string(files["lumier-env.client.d.ts"]), `ROOM: DurableObjectNamespace<import("./host/main").Room>;`,
		"the class is imported from the hosting Worker's entry")
	assert.Contains(t, files, "lumier-env.host.d.ts")
}

func TestEnvFilesErrors(t *testing.T) {
	_, err := envFiles(parseDeclarations(t, `{"app":"a","workers":{}}`), "c.ts")
	assert.ErrorContains(t, err, "declares no Worker")
	_, err = envFiles(parseDeclarations(t, `{"app":"a","workers":{"api":{"entry":"i.ts","bindings":{"X":{"kind":"durable_object","durableObject":"nope"}}}}}`), "c.ts")
	assert.ErrorContains(t, err, `binds X to Durable Object "nope", which the config does not declare`)
}

func TestModulePath(t *testing.T) {
	assert.Equal(t, "./src/index", modulePath("src/index.ts"))
	assert.Equal(t, "./worker", modulePath("./worker.js"))
	assert.Equal(t, "../counter/src/index", modulePath("../counter/src/index.ts"))
}

func TestEnvFilesTypeTheAssetsBindingAsFetcher(t *testing.T) {
	d := parseDeclarations(t, `{"app":"a","workers":{"web":{"entry":"src/index.ts","bindings":{"ASSETS":{"kind":"assets"}}}}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    ASSETS: Fetcher;")
}

func TestEnvFilesTypeD1Bindings(t *testing.T) {
	d := parseDeclarations(t, `{"app":"a","workers":{"api":{"entry":"i.ts","bindings":{"DB":{"kind":"d1"}}}},"durableObjects":{}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    DB: D1Database;")
}

func TestEnvFilesTypeWorkflowBindings(t *testing.T) {
	d := parseDeclarations(t, `{"app":"a","workers":{"api":{"entry":"i.ts","bindings":{"ORDER":{"kind":"workflow"}}}},"durableObjects":{}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	assert.Contains(t, string(files["lumier-env.d.ts"]), "    ORDER: Workflow;")
}

func TestEnvFilesTypeKVServiceAndJSONBindings(t *testing.T) {
	d := parseDeclarations(t, `{"app":"a","workers":{
		"auth":{"entry":"src/auth.ts","bindings":{}},
		"api":{"entry":"src/index.ts","bindings":{"CACHE":{"kind":"kv_namespace"},
			"AUTH":{"kind":"service","worker":"auth"},"AUTH_RPC":{"kind":"service","worker":"auth","entrypoint":"AuthRPC"},
			"CONFIG":{"kind":"json","json":{"greeting":"hello","limits":[1,2]}}}}},"durableObjects":{}}`)
	files, err := envFiles(d, "lumier.config.ts")
	require.NoError(t, err)
	got := string(files["lumier-env.api.d.ts"])
	assert.Contains(t, got, "    CACHE: KVNamespace;")
	assert.Contains(t, got, "    AUTH: Fetcher;")
	assert.Contains(t, got, `    AUTH_RPC: Service<import("./src/auth").AuthRPC>;`)
	assert.Contains(t, got, `    CONFIG: {"greeting":"hello","limits":[1,2]};`)

	d = parseDeclarations(t, `{"app":"a","workers":{"api":{"entry":"i.ts","bindings":{
		"AUTH_RPC":{"kind":"service","worker":"auth","entrypoint":"AuthRPC"}}}},"durableObjects":{}}`)
	_, err = envFiles(d, "lumier.config.ts")
	assert.ErrorContains(t, err, `Worker "api" binds AUTH_RPC to Worker "auth", which the config does not declare`)
}
