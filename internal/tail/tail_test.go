package tail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/bundle"
)

// The tail event fixture (Cloudflare's trace-v1 message shape) decodes into Event.
func TestEventDecodesTheFixture(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "cloudflare", "workers", "tail-event.json"))
	require.NoError(t, err)
	var e Event
	require.NoError(t, json.Unmarshal(raw, &e))
	assert.Equal(t, "counter", e.ScriptName)
	assert.Equal(t, "exception", e.Outcome)
	require.NotNil(t, e.Trigger)
	require.NotNil(t, e.Trigger.Request)
	assert.Equal(t, "POST", e.Trigger.Request.Method)
	require.Len(t, e.Exceptions, 1)
	assert.Equal(t, "kaboom", e.Exceptions[0].Message)
	assert.Contains(t, e.Exceptions[0].Stack, "index.js:6:41")
	require.Len(t, e.Logs, 1)
	assert.Equal(t, "log", e.Logs[0].Level)
}

func TestLines(t *testing.T) {
	var e Event
	require.NoError(t, json.Unmarshal([]byte(`{
	  "outcome": "exception", "scriptName": "app-dev-api",
	  "event": {"request": {"url": "http://127.0.0.1:8800/hits?x=1", "method": "POST"}, "response": {"status": 500}},
	  "logs": [{"message": ["count is", 3, {"a": true}], "level": "log"}, {"message": ["slow"], "level": "warn"}],
	  "exceptions": [{"name": "Error", "message": "kaboom", "stack": "    at Object.fetch (index.js:6:41)\n    at async x (index.js:9:1)"}]
	}`), &e))
	got := Lines(e, func(s string) string { return strings.ReplaceAll(s, "index.js", "src/index.ts") })
	assert.Equal(t, []string{
		"[app-dev-api] POST /hits?x=1 500 (exception)",
		"[app-dev-api]   log: count is 3 {\"a\":true}",
		"[app-dev-api]   warn: slow",
		"[app-dev-api]   uncaught Error: kaboom",
		"[app-dev-api]       at Object.fetch (src/index.ts:6:41)",
		"[app-dev-api]       at async x (src/index.ts:9:1)",
	}, got)

	assert.Nil(t, Lines(Event{ScriptName: "quiet", Outcome: "ok"}, nil), "an event that printed nothing")
	cron := Lines(Event{ScriptName: "c", Outcome: "ok", Trigger: &Trigger{Cron: "*/5 * * * *"},
		Logs: []Log{{Message: json.RawMessage(`["tick"]`), Level: "info"}}}, nil)
	assert.Equal(t, []string{"[c] cron */5 * * * *", "[c]   info: tick"}, cron)
}

// A stack position in the bundle maps back to the source file and line that threw.
func TestMapperMapsTheBundleToTheSource(t *testing.T) {
	dir := t.TempDir()
	src := "import { fail } from \"./fail\";\n\nexport default {\n  async fetch() {\n    return fail();\n  },\n};\n"
	fail := "export function fail(): Response {\n  // the next line throws\n  throw new Error(\"kaboom\");\n}\n"
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "src"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "package.json"), []byte(`{"name":"w"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src", "index.ts"), []byte(src), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "src", "fail.ts"), []byte(fail), 0o644))
	b, err := bundle.Bundle(bundle.Options{Entry: filepath.Join(dir, "src", "index.ts"), SourceMapOut: true, MessageDir: dir})
	require.NoError(t, err)

	// Where V8 would report the throw: the bundle's line holding it, the column of `throw`.
	var line, col int
	for i, l := range strings.Split(string(b.Code), "\n") {
		if c := strings.Index(l, "throw new Error"); c >= 0 {
			line, col = i+1, c+1
		}
	}
	require.NotZero(t, line, "bundle:\n%s", b.Code)
	m, err := NewMapper(bundle.MainModule, b.SourceMap)
	require.NoError(t, err)
	stack := "    at fail (index.js:" + itoa(line) + ":" + itoa(col) + ")\n    at other.js:1:1"
	assert.Equal(t, "    at fail (src/fail.ts:3:3)\n    at other.js:1:1", m.Map(stack))
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// The module stacks name is the bundle's: this package keeps its own copy of the name so that
// the lumier binary does not link the bundler.
func TestMainModuleIsTheBundles(t *testing.T) {
	assert.Equal(t, bundle.MainModule, MainModule)
}
