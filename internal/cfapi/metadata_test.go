package cfapi

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func TestBindingJSON(t *testing.T) {
	cases := []struct {
		name string
		in   Binding
		want string
	}{
		{"durable object, same script",
			Binding{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter"},
			`{"type":"durable_object_namespace","name":"COUNTER","class_name":"Counter"}`},
		{"durable object, other script",
			Binding{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter", ScriptName: "app-dev-api"},
			`{"type":"durable_object_namespace","name":"COUNTER","class_name":"Counter","script_name":"app-dev-api"}`},
		{"plain text",
			Binding{Type: BindingPlainText, Name: "STAGE", Text: "dev"},
			`{"type":"plain_text","name":"STAGE","text":"dev"}`},
		{"empty plain text keeps text",
			Binding{Type: BindingPlainText, Name: "EMPTY"},
			`{"type":"plain_text","name":"EMPTY","text":""}`},
		{"kv namespace",
			Binding{Type: BindingKVNamespace, Name: "CACHE", NamespaceID: "ns1"},
			`{"type":"kv_namespace","name":"CACHE","namespace_id":"ns1"}`},
		{"secret text",
			Binding{Type: BindingSecretText, Name: "KEY", Text: "s3cret"},
			`{"type":"secret_text","name":"KEY","text":"s3cret"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, marshal(t, c.in), "binding JSON (the local Cloudflare's record)")
			var md struct {
				Bindings []json.RawMessage `json:"bindings"`
			}
			require.NoError(t, json.Unmarshal([]byte(marshal(t, Metadata{Bindings: []Binding{c.in}})), &md))
			assert.JSONEq(t, c.want, string(md.Bindings[0]), "binding as the upload sends it")
		})
	}
}

// migrationJSON is a migration as the upload metadata sends it.
func migrationJSON(t *testing.T, m Migration) string {
	t.Helper()
	var md map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(marshal(t, Metadata{MainModule: "index.js", Migrations: &m})), &md))
	return string(md["migrations"])
}

func TestMigrationJSON(t *testing.T) {
	first := Migration{NewTag: "v1", Steps: []MigrationStep{{NewSqliteClasses: []string{"Counter"}}}}
	assert.JSONEq(t, `{"new_tag":"v1","steps":[{"new_sqlite_classes":["Counter"]}]}`, migrationJSON(t, first),
		"first migration omits old_tag")

	all := Migration{OldTag: "v1", NewTag: "v2", Steps: []MigrationStep{
		{NewSqliteClasses: []string{"A"}},
		{NewClasses: []string{"B"}},
		{RenamedClasses: []Rename{{From: "C", To: "D"}}},
		{DeletedClasses: []string{"E"}},
		{TransferredClasses: []Transfer{{From: "F", FromScript: "other", To: "G"}}},
	}}
	assert.JSONEq(t, `{"old_tag":"v1","new_tag":"v2","steps":[`+
		`{"new_sqlite_classes":["A"]},`+
		`{"new_classes":["B"]},`+
		`{"renamed_classes":[{"from":"C","to":"D"}]},`+
		`{"deleted_classes":["E"]},`+
		`{"transferred_classes":[{"from":"F","from_script":"other","to":"G"}]}]}`,
		migrationJSON(t, all), "every step kind, one list per step")

	assert.JSONEq(t, `{"old_tag":"v1","new_tag":"v2","steps":[]}`, migrationJSON(t, Migration{OldTag: "v1", NewTag: "v2"}),
		"tag-only migration sends steps: []")
}

func TestMetadataJSON(t *testing.T) {
	md := Metadata{
		MainModule:         "index.js",
		CompatibilityDate:  "2025-11-17",
		CompatibilityFlags: []string{"nodejs_compat"},
		Bindings:           []Binding{{Type: BindingDurableObject, Name: "COUNTER", ClassName: "Counter"}},
		Migrations:         &Migration{NewTag: "v1", Steps: []MigrationStep{{NewSqliteClasses: []string{"Counter"}}}},
		KeepBindings:       []string{"secret_text"},
	}
	assert.JSONEq(t, `{"main_module":"index.js","compatibility_date":"2025-11-17","compatibility_flags":["nodejs_compat"],`+
		`"bindings":[{"type":"durable_object_namespace","name":"COUNTER","class_name":"Counter"}],`+
		`"migrations":{"new_tag":"v1","steps":[{"new_sqlite_classes":["Counter"]}]},`+
		`"keep_bindings":["secret_text"]}`,
		marshal(t, md), "full metadata")

	assert.JSONEq(t, `{"main_module":"index.js","bindings":[]}`, marshal(t, Metadata{MainModule: "index.js"}),
		"minimal metadata: bindings always present, the rest omitted")
}

// TestMetadataExtraFields: what the library's binding params lack (a service binding's
// entrypoint, a json binding's value as JSON) still reaches the upload.
func TestMetadataExtraFields(t *testing.T) {
	md := Metadata{MainModule: "index.js", Bindings: []Binding{
		{Type: BindingService, Name: "AUTH", Service: "app-dev-auth", Entrypoint: "AuthRPC"},
		{Type: BindingJSON, Name: "CONFIG", JSON: json.RawMessage(`{"limits":[1,2],"on":true}`)},
		{Type: BindingPlainText, Name: "STAGE", Text: "dev"},
	}}
	assert.JSONEq(t, `{"main_module":"index.js","bindings":[
		{"type":"service","name":"AUTH","service":"app-dev-auth","entrypoint":"AuthRPC"},
		{"type":"json","name":"CONFIG","json":{"limits":[1,2],"on":true}},
		{"type":"plain_text","name":"STAGE","text":"dev"}]}`, marshal(t, md))
}
