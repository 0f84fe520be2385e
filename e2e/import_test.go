//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// importSource is a stack holding what the import test takes over: a Worker whose script hosts
// the counter's Durable Object, a KV namespace, an R2 bucket placed by a hint, a D1 database with
// a migration that inserts a row, and a queue.
const importSource = `
resources:
  api:
    type: lumier:index:Worker
    properties:
      entry: src/index.ts
      durableObjects: [{ className: Counter }]
      bindings:
        COUNTER: { type: durable_object_namespace, className: Counter }
  cache: { type: lumier:index:KvNamespace }
  files:
    type: lumier:index:R2Bucket
    properties: { locationHint: weur }
  db:
    type: lumier:index:D1Database
    properties: { migrationsDir: migrations }
  jobs: { type: lumier:index:Queue }
outputs:
  url: ${api.url}
  cache: ${cache.namespaceId}
  db: ${db.databaseId}
  jobs: ${jobs.queueId}
`

// importMigration is the source database's one migration: it inserts a row, so running it twice
// shows as two rows.
const importMigration = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\nINSERT INTO notes (body) VALUES ('first');\n"

// TestImportConverges: a Script hosting a Durable Object that holds data, a KV namespace, an R2
// bucket, a D1 database and a queue, deployed by one stack, are imported into a new stack with
// `pulumi import` (no validation warning), declared in its program from the generated code with
// the entry and migrations folder filled in, and `up` converges: no replacement, the counter
// continues, nothing the resources hold is lost, the migration is not run again, and the next
// preview and refresh find nothing to change.
func TestImportConverges(t *testing.T) {
	ctx := testContext(t, 15*time.Minute)
	c := startCloud(t)
	api := cfapi.New(c.URL(), token, accountID)

	source := importProject(t, ctx, c, "source", importSource)
	source.run(t, "up", "--yes")
	outputs := source.outputs(t)
	url := outputs["url"]
	countTo(t, url, 3)
	if err := api.KV.PutValue(ctx, outputs["cache"], "greeting", "hello"); err != nil {
		t.Fatal(err)
	}
	if err := api.R2.PutObject(ctx, "source-dev-files", "report.txt", "text/plain", []byte("quarterly")); err != nil {
		t.Fatal(err)
	}
	if err := api.Queues.SendMessage(ctx, outputs["jobs"], "job 1"); err != nil {
		t.Fatal(err)
	}

	target := importProject(t, ctx, c, "target", "")
	importFile := filepath.Join(target.dir, "import.json")
	writeJSON(t, importFile, map[string]any{"resources": []map[string]string{
		{"type": "lumier:index:Script", "name": "api", "id": accountID + "/source-dev-api"},
		{"type": "lumier:index:KvNamespace", "name": "cache", "id": accountID + "/" + outputs["cache"]},
		{"type": "lumier:index:R2Bucket", "name": "files", "id": accountID + "/source-dev-files"},
		{"type": "lumier:index:D1Database", "name": "db", "id": accountID + "/" + outputs["db"]},
		{"type": "lumier:index:Queue", "name": "jobs", "id": accountID + "/" + outputs["jobs"]},
	}})
	generated := filepath.Join(target.dir, "generated.yaml")
	out := target.run(t, "import", "--file", importFile, "--yes", "--out", generated)
	for _, bad := range []string{"failed to validate", "almost certainly a bug", "has a problem"} {
		if strings.Contains(out, bad) {
			t.Errorf("pulumi import warned %q:\n%s", bad, out) // go on: what follows shows whether the up converges anyway
		}
	}
	requireContains(t, out, "5 imported")

	// The program declares what was imported: the generated code, with the Worker's entry and
	// the migrations folder (neither of which Cloudflare keeps) filled in.
	code, err := os.ReadFile(generated)
	if err != nil {
		t.Fatal(err)
	}
	program := string(code)
	for old, new := range map[string]string{`entry: ""`: "entry: src/index.ts", `migrationsDir: ""`: "migrationsDir: migrations"} {
		if !strings.Contains(program, old) {
			t.Fatalf("generated code lacks %s:\n%s", old, program)
		}
		program = strings.Replace(program, old, new, 1)
	}
	for _, want := range []string{"locationHint: weur", "workersDev: true", "className: Counter"} {
		if !strings.Contains(program, want) {
			t.Errorf("generated code lacks %q, which Cloudflare reports:\n%s", want, program)
		}
	}
	target.setProgram(t, program)

	out = target.run(t, "preview", "--diff")
	for _, bad := range []string{"replace", "will be applied", "create", "delete"} {
		if regexp.MustCompile(`(?i)\b` + bad).MatchString(out) {
			t.Fatalf("the preview after the import says %q:\n%s", bad, out)
		}
	}
	out = target.run(t, "up", "--yes")
	if regexp.MustCompile(`(?i)replace|created|deleted`).MatchString(lastLines(out, 8)) {
		t.Fatalf("the up after the import replaced, created or deleted something:\n%s", out)
	}
	requireCall(t, http.MethodPost, url, "", 200, `{"count":4}`)
	if info, err := api.Scripts.Get(ctx, "source-dev-api"); err != nil || info.MigrationTag != "v1" {
		t.Fatalf("script source-dev-api: %+v, %v; want migration tag v1 (no migration replayed)", info, err)
	}
	assertClasses(t, c, "source-dev-api", "Counter")
	if v, err := api.KV.Value(ctx, outputs["cache"], "greeting"); err != nil || v != "hello" {
		t.Fatalf("KV key greeting after the import: %q, %v", v, err)
	}
	if keys, _, err := api.R2.Objects(ctx, "source-dev-files", "", 10); err != nil || strings.Join(keys, ",") != "report.txt" {
		t.Fatalf("R2 objects after the import: %v, %v", keys, err)
	}
	rows, err := api.D1.Query(ctx, outputs["db"], "SELECT count(*) AS n FROM notes")
	if err != nil || rows[0][0]["n"] != float64(1) {
		t.Fatalf("D1 rows after the import: %v, %v; want the one row of the migration, run once", rows, err)
	}
	if n, err := api.Queues.Backlog(ctx, outputs["jobs"]); err != nil || n != 1 {
		t.Fatalf("queue backlog after the import: %d, %v; want the 1 message sent", n, err)
	}

	target.run(t, "up", "--yes", "--expect-no-changes")
	target.run(t, "refresh", "--yes", "--expect-no-changes")
	target.run(t, "preview", "--expect-no-changes")
	requireCall(t, http.MethodPost, url, "", 200, `{"count":5}`)
}

// yamlDir is a YAML project in a temporary directory with the counter's Worker code, a migrations
// folder holding importMigration, and one stack, dev, on a local Cloudflare.
type yamlDir struct {
	dir, name string
	ctx       context.Context
	env       map[string]string
}

func importProject(t *testing.T, ctx context.Context, c *cloud, name, body string) *yamlDir {
	t.Helper()
	y := &yamlDir{dir: t.TempDir(), name: name, ctx: ctx, env: c.env(t.TempDir())}
	copyDir(t, filepath.Join(repoRoot, "examples", "counter", "src"), filepath.Join(y.dir, "src"))
	if err := os.MkdirAll(filepath.Join(y.dir, "migrations"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(y.dir, "migrations", "0001_init.sql"), importMigration)
	y.setProgram(t, body)
	y.run(t, "stack", "init", "dev")
	return y
}

// setProgram writes Pulumi.yaml with body (resources and outputs) after the project header.
func (y *yamlDir) setProgram(t *testing.T, body string) {
	t.Helper()
	header := "name: " + y.name + "\nruntime: yaml\nplugins:\n  providers:\n    - name: lumier\n      path: " + providerDir + "\n"
	writeFile(t, filepath.Join(y.dir, "Pulumi.yaml"), header+body)
}

// run runs the CLI in the project and fails the test when the command fails.
func (y *yamlDir) run(t *testing.T, args ...string) string {
	t.Helper()
	out, err := runPulumi(t, y.ctx, y.dir, y.env, args...)
	if err != nil {
		t.Fatalf("pulumi %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// outputs are the stack's string outputs.
func (y *yamlDir) outputs(t *testing.T) map[string]string {
	t.Helper()
	out := y.run(t, "stack", "output", "--json")
	var m map[string]string
	if err := json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &m); err != nil {
		t.Fatalf("stack outputs: %v\n%s", err, out)
	}
	return m
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, string(b))
}

// lastLines is the end of a command's output: its summary.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
