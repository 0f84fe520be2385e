package scripts

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/lumier-dev/lumier/internal/bindingkind"
	"github.com/lumier-dev/lumier/local/account"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func rawBindings(t *testing.T, bs ...map[string]any) []json.RawMessage {
	out := make([]json.RawMessage, len(bs))
	for i, b := range bs {
		data, err := json.Marshal(b)
		require.NoError(t, err)
		out[i] = data
	}
	return out
}

// TestParseBindingsKeepsTheKindsFields: fields a type does not use are dropped, so they reach
// neither the state nor the read-back.
func TestParseBindingsKeepsTheKindsFields(t *testing.T) {
	got, err := parseBindings(rawBindings(t,
		map[string]any{"type": "kv_namespace", "name": "CACHE", "namespace_id": "ns1", "class_name": "Stray"},
		map[string]any{"type": "plain_text", "name": "EMPTY", "text": "", "namespace_id": "x"},
	), registryKinds())
	require.NoError(t, err)
	assert.Equal(t, []account.Binding{
		{Type: "kv_namespace", Name: "CACHE", NamespaceID: "ns1"},
		{Type: "plain_text", Name: "EMPTY"},
	}, got)

	_, err = parseBindings(rawBindings(t, map[string]any{"type": "kv_namespace", "name": "CACHE", "namespace_id": ""}), registryKinds())
	assert.ErrorContains(t, err, "binding 'CACHE' of type kv_namespace needs a namespace_id")
	_, err = parseBindings(rawBindings(t, map[string]any{"type": "vectorize", "name": "V"}), registryKinds())
	assert.ErrorContains(t, err, "which the local Cloudflare does not run (it runs analytics_engine, assets, d1, durable_object_namespace, json, kv_namespace, "+
		"plain_text, queue, r2_bucket, secret_text, service, version_metadata, workflow)")
}

// registryKinds are the binding types of the registry, sorted: the local Cloudflare runs every
// one (local's TestEveryRegistryKindRuns).
func registryKinds() []string {
	var out []string
	for _, k := range bindingkind.Kinds {
		out = append(out, k.Type)
	}
	slices.Sort(out)
	return out
}
