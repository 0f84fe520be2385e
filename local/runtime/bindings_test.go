package runtime

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/kv"
	"github.com/lumier-dev/lumier/local/loopback"
	"github.com/lumier-dev/lumier/local/queues"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/workerd"
)

// TestWorkerdBindingsDurableObject: a version other than the primary names the script even for
// its own classes, and is then tied to it (same shard).
func TestWorkerdBindingsDurableObject(t *testing.T) {
	s := unstarted()
	own := account.Binding{Type: rules.BindingDurableObject, Name: "C", ClassName: "Counter"}
	primary := s.workerdBindings(bindingContext{st: account.NewState(), script: "api", service: "api"}, []account.Binding{own})
	require.Len(t, primary, 1)
	assert.Empty(t, primary[0].Scripts)
	rollout := s.workerdBindings(bindingContext{st: account.NewState(), script: "api", service: "api:v2"}, []account.Binding{own})
	assert.Equal(t, []string{"api"}, rollout[0].Scripts)
	remote := s.workerdBindings(bindingContext{st: account.NewState(), script: "web", service: "web"}, []account.Binding{{Type: rules.BindingDurableObject, Name: "C", ClassName: "Counter", ScriptName: "api"}})
	assert.Equal(t, []string{"api"}, remote[0].Scripts)
}

// TestBindingsReadLeavesSecretsOut: a secret is reported by name, never its text; a Durable
// Object binding carries its namespace's id.
func TestBindingsReadLeavesSecretsOut(t *testing.T) {
	st := account.NewState()
	st.Namespaces = []rules.Namespace{{ID: "id1", Script: "api", Class: "Counter"}}
	got := BindingsRead(st, "api", []account.Binding{
		{Type: account.BindingSecretText, Name: "KEY", Text: "s3cret"},
		{Type: account.BindingDurableObject, Name: "C", ClassName: "Counter"},
	})
	data, err := json.Marshal(got)
	require.NoError(t, err)
	assert.JSONEq(t, `[{"type":"secret_text","name":"KEY"},
		{"type":"durable_object_namespace","name":"C","class_name":"Counter","namespace_id":"id1"}]`, string(data))
}

// TestWorkerdBindingsAssets: an assets binding is a service binding to the assets backend,
// which is told the version's manifest and config.
func TestWorkerdBindingsAssets(t *testing.T) {
	s := unstarted()
	got := s.workerdBindings(bindingContext{st: account.NewState(), script: "site", service: "site", assets: &account.Assets{Manifest: "m1"}},
		[]account.Binding{{Type: account.BindingAssets, Name: "ASSETS"}})
	require.Len(t, got, 1)
	assert.Equal(t, "service", got[0].Kind)
	require.Len(t, got[0].Services, 1)
	assert.Equal(t, "lumier:assets:site", got[0].Services[0].Name)
	assert.Equal(t, "m1", got[0].Services[0].Headers["X-Lumier-Assets-Manifest"])
}

// TestWorkerdBindingsBackends: a KV, queue, D1 or R2 binding runs on workerd as its own binding
// member, calling the kind's backend through an external service named for the resource, which
// injects the resource's id (workerd's calls never name it).
func TestWorkerdBindingsBackends(t *testing.T) {
	s := unstarted()
	for _, tc := range []struct {
		binding             account.Binding
		kind, value         string
		service, header, id string
	}{
		{account.Binding{Type: account.BindingKVNamespace, Name: "CACHE", NamespaceID: "ns1"},
			"kvNamespace", `"lumier:kv:ns1"`, "lumier:kv:ns1", kv.NamespaceHeader, "ns1"},
		{account.Binding{Type: account.BindingQueue, Name: "JOBS", QueueName: "app-dev-jobs"},
			"queue", `"lumier:queue:app-dev-jobs"`, "lumier:queue:app-dev-jobs", queues.NameHeader, "app-dev-jobs"},
		{account.Binding{Type: account.BindingR2Bucket, Name: "FILES", BucketName: "app-dev-files"},
			"r2Bucket", `"lumier:r2:app-dev-files"`, "lumier:r2:app-dev-files", r2.BucketHeader, "app-dev-files"},
		{account.Binding{Type: account.BindingD1, Name: "DB", DatabaseID: "db-1"},
			"wrapped", `(moduleName = "cloudflare-internal:d1-api", innerBindings = [(name = "fetcher", service = "lumier:d1:db-1")])`,
			"lumier:d1:db-1", d1.DatabaseHeader, "db-1"},
	} {
		t.Run(tc.binding.Type, func(t *testing.T) {
			got := s.workerdBindings(bindingContext{st: account.NewState(), script: "api", service: "api"}, []account.Binding{tc.binding})
			require.Len(t, got, 1)
			assert.Equal(t, tc.binding.Name, got[0].Name)
			assert.Equal(t, tc.kind, got[0].Kind)
			assert.Equal(t, tc.value, got[0].Value.String())
			require.Len(t, got[0].Services, 1)
			assert.Equal(t, tc.service, got[0].Services[0].Name)
			assert.Equal(t, map[string]string{tc.header: tc.id}, got[0].Services[0].Headers)
		})
	}
}

// TestWorkerdBindingsVersionMetadata: a version_metadata binding is the running version's id, tag
// and creation time, as a json binding (workerd has no binding of its own for it).
func TestWorkerdBindingsVersionMetadata(t *testing.T) {
	s := unstarted()
	v := &account.Version{ID: "v-1", Tag: "t1", CreatedOn: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	got := s.workerdBindings(bindingContext{st: account.NewState(), script: "api", service: "api", version: v},
		[]account.Binding{{Type: account.BindingVersionMetadata, Name: "VERSION"}})
	require.Len(t, got, 1)
	assert.Equal(t, "json", got[0].Kind)
	assert.Equal(t, workerd.Text(`{"id":"v-1","tag":"t1","timestamp":"2026-01-02T03:04:05Z"}`), got[0].Value)
}

// unstarted is a runtime whose backends have not started: their addresses are empty.
func unstarted() *Runtime {
	return &Runtime{Config: Config{AssetsBackend: &loopback.Server{}, KVBackend: &loopback.Server{},
		D1Backend: &loopback.Server{}, QueueBackend: &loopback.Server{}, R2Backend: &loopback.Server{}}}
}
