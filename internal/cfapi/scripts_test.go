package cfapi

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMigrationTagFromListItem(t *testing.T) {
	cases := map[string]string{
		`{"id":"api","migration_tag":"v3","modified_on":"2025-11-17T10:00:00Z"}`: "v3",
		`{"id":"api","migration_tag":null}`:                                      "",
		`{"id":"api"}`:                                                           "",
	}
	for item, want := range cases {
		var s workers.Script
		require.NoError(t, json.Unmarshal([]byte(item), &s))
		tag, err := migrationTag(s)
		require.NoError(t, err)
		assert.Equal(t, want, tag, item)
	}

	var s workers.Script
	require.NoError(t, json.Unmarshal([]byte(`{"id":"api","modified_on":"2025-11-17T10:00:00Z"}`), &s))
	assert.Equal(t, time.Date(2025, 11, 17, 10, 0, 0, 0, time.UTC), s.ModifiedOn.UTC(), "modified_on is typed")

	require.NoError(t, json.Unmarshal([]byte(`{"id":"api","migration_tag":7}`), &s))
	_, err := migrationTag(s)
	require.ErrorContains(t, err, "decoding migration_tag")
}

func TestSettingsFrom(t *testing.T) {
	var res workers.ScriptScriptAndVersionSettingGetResponse
	require.NoError(t, json.Unmarshal([]byte(`{
		"bindings": [
			{"type":"durable_object_namespace","name":"COUNTER","class_name":"Counter","namespace_id":"abc"},
			{"type":"durable_object_namespace","name":"OTHER","class_name":"Room","script_name":"chat"},
			{"type":"plain_text","name":"STAGE","text":"dev"},
			{"type":"secret_text","name":"KEY"},
			{"type":"kv_namespace","name":"KV","namespace_id":"n1"}
		],
		"compatibility_date":"2025-11-17",
		"compatibility_flags":["nodejs_compat"],
		"usage_model":"standard"
	}`), &res))

	assert.Equal(t, &Settings{
		Bindings: []Binding{
			{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter", NamespaceID: "abc"},
			{Type: BindingDurableObject, Name: "OTHER", ClassName: "Room", ScriptName: "chat"},
			{Type: BindingPlainText, Name: "STAGE", Text: "dev"},
			{Type: BindingSecretText, Name: "KEY"},
			{Type: BindingKVNamespace, Name: "KV", NamespaceID: "n1"},
		},
		CompatibilityDate:  "2025-11-17",
		CompatibilityFlags: []string{"nodejs_compat"},
	}, settingsFrom(&res), "settings")
}
