package scripts

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/rules"
	"github.com/lumier-dev/lumier/local/scripts/scriptstest"
)

func uploadRequest(t *testing.T, md any, modules ...scriptstest.Module) *http.Request {
	t.Helper()
	ct, body := scriptstest.MultipartBody(t, md, modules...)
	r, err := http.NewRequest("PUT", "/", bytes.NewReader(body))
	require.NoError(t, err)
	r.Header.Set("Content-Type", ct)
	return r
}

func TestParseUpload(t *testing.T) {
	up, err := parseUpload(uploadRequest(t, map[string]any{
		"main_module": "index.js",
		"bindings": []any{
			map[string]any{"type": "plain_text", "name": "EMPTY", "text": ""},
			map[string]any{"type": "durable_object_namespace", "name": "C", "class_name": "Counter", "script_name": "other"},
		},
		// The single-step form of migrations.
		"migrations": map[string]any{"new_tag": "v1", "new_sqlite_classes": []string{"Counter"}},
	}, scriptstest.Module{Name: "index.js", Src: "export default {}"}, scriptstest.Module{Name: "lib/x.js", Src: "export const x = 1"}), account.PlanPaid, registryKinds())
	require.NoError(t, err)
	assert.Equal(t, defaultCompatibilityDate, up.meta.CompatibilityDate, "Cloudflare's default date")
	assert.Len(t, up.modules, 2)
	assert.Equal(t, "lib/x.js", up.modules[1].name)
	assert.Equal(t, []account.Binding{
		{Type: "plain_text", Name: "EMPTY"},
		{Type: "durable_object_namespace", Name: "C", ClassName: "Counter", ScriptName: "other"},
	}, up.bindings)
	assert.Equal(t, &rules.Migrations{NewTag: "v1", Steps: []rules.Step{{NewSQLiteClasses: []string{"Counter"}}}}, up.meta.Migrations.rules())

	for name, c := range map[string]struct {
		md   map[string]any
		want string
	}{
		"no text":           {map[string]any{"main_module": "index.js", "bindings": []any{map[string]any{"type": "plain_text", "name": "X"}}}, "needs a text"},
		"no class":          {map[string]any{"main_module": "index.js", "bindings": []any{map[string]any{"type": "durable_object_namespace", "name": "X"}}}, "needs a class_name"},
		"duplicate binding": {map[string]any{"main_module": "index.js", "bindings": []any{map[string]any{"type": "plain_text", "name": "X", "text": ""}, map[string]any{"type": "plain_text", "name": "X", "text": ""}}}, "more than once"},
		"service worker":    {map[string]any{"body_part": "index.js"}, "service-worker syntax"},
	} {
		_, err := parseUpload(uploadRequest(t, c.md, scriptstest.Module{Name: "index.js", Src: "export default {}"}), account.PlanPaid, registryKinds())
		assert.ErrorContains(t, err, c.want, name)
	}

	r := uploadRequest(t, map[string]any{"main_module": "index.js"}, scriptstest.Module{Name: "index.js", Src: "x"})
	r.Header.Set("Content-Type", "application/json")
	_, err = parseUpload(r, account.PlanPaid, registryKinds())
	var e *envelope.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, envelope.CodeContentType, e.Code)
}

func TestKeepBindingsMerge(t *testing.T) {
	prev := []account.Binding{{Type: "secret_text", Name: "S", Text: "old"}, {Type: "plain_text", Name: "P", Text: "old"}, {Type: "secret_text", Name: "T", Text: "t"}}
	got := keepBindings([]account.Binding{{Type: "secret_text", Name: "T", Text: "new"}}, prev, []string{"secret_text"})
	assert.Equal(t, []account.Binding{{Type: "secret_text", Name: "T", Text: "new"}, {Type: "secret_text", Name: "S", Text: "old"}}, got)
	assert.Empty(t, keepBindings(nil, prev, nil))
}
