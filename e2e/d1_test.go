//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optpreview"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/d1"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// d1Main is a Worker that answers examples/app's /d1/ paths with src/d1.ts alone.
const d1Main = `import { d1 } from "./d1";

export default {
  async fetch(request: Request, env: any): Promise<Response> {
    const path = new URL(request.url).pathname;
    return (await d1(request, env, path)) ?? new Response("no route", { status: 404 });
  },
};
`

// d1Program is app "notes": D1 database "db" with examples/app's migrations, bound as DB by
// Worker "api".
func d1Program() pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig {
			return lumier.AppConfig{Name: "notes", Removal: lumier.RemovalRemove}
		},
		Run: func(ctx *lumier.Context) error {
			db := ctx.D1Database("db", lumier.D1Options{Migrations: "migrations"})
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: "src/d1main.ts", Bindings: lumier.Bindings{"DB": db}})
			ctx.Export("url", api.URL())
			ctx.Export("db", db.ID())
			return nil
		},
	}.RunFunc()
}

// TestD1MigrationsAndBinding: examples/app's two migrations are applied and recorded in
// d1_migrations; the Worker inserts and selects through prepare/bind/first/all/run/raw/batch; a
// no-op up makes no API call; a third file is applied alone on the next up; an applied file that
// changed is refused at preview, naming it; destroy under removal "remove" deletes the database.
func TestD1MigrationsAndBinding(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "app")
	t.Chdir(dir) // the entry and the migrations folder are relative to it
	if err := os.WriteFile(filepath.Join(dir, "src", "d1main.ts"), []byte(d1Main), 0o644); err != nil {
		t.Fatal(err)
	}
	api := cfapi.New(c.URL(), token, accountID)
	s := inlineStack(t, ctx, c, "notes", "dev", d1Program())

	res := up(t, ctx, s)
	url, id := output(t, res.Outputs, "url"), output(t, res.Outputs, "db")
	db, err := api.D1.DatabaseByID(ctx, id)
	if err != nil || db.Name != "notes-dev-db" {
		t.Fatalf("database %s: %+v, %v; want name notes-dev-db", id, db, err)
	}
	requireMigrations(t, api, id, "0001_init.sql", "0002_tags.sql")

	requireCall(t, http.MethodPost, url+"/d1/notes?tag=work", "hello", 200, `{"id":1,"changes":1}`)
	requireCall(t, http.MethodGet, url+"/d1/notes/1", "", 200, `{"id":1,"body":"hello","tag":"work"}`)
	requireCall(t, http.MethodGet, url+"/d1/notes/9", "", 404, `{"error":"no such note"}`)
	requireCall(t, http.MethodPost, url+"/d1/batch", `["a","b"]`, 200, `{"stored":2,"total":3}`)
	requireCall(t, http.MethodGet, url+"/d1/notes", "", 200, `{"notes":[{"id":1,"body":"hello","tag":"work"},`+
		`{"id":2,"body":"a","tag":"general"},{"id":3,"body":"b","tag":"general"}]}`)
	requireCall(t, http.MethodGet, url+"/d1/tags", "", 200, `[["tag","n"],["general",2],["work",1]]`)

	t.Run("NoopUp", func(t *testing.T) { requireNoop(t, ctx, c, s) })

	t.Run("ThirdMigrationAppliedAlone", func(t *testing.T) {
		writeFile(t, filepath.Join(dir, "migrations", "0003_pinned.sql"),
			"ALTER TABLE notes ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;\nUPDATE notes SET pinned = 1 WHERE id = 1;\n")
		c.ResetCalls()
		res := up(t, ctx, s)
		if ch := changes(res.Summary); ch["update"] != 1 {
			t.Fatalf("adding a migration updates the database only: %v", ch)
		}
		// The diff reads what d1_migrations records (whether the table exists, then its names), to
		// say in the preview which files run; the update creates and reads it, then applies the file.
		if calls := c.Calls(); calls[d1.CallQuery] != 4 || calls[local.CallUpload] != 0 {
			t.Fatalf("two queries read the applied migrations at the diff, one at the update, one applies the new file, "+
				"nothing is uploaded: %v", calls)
		}
		requireMigrations(t, api, id, "0001_init.sql", "0002_tags.sql", "0003_pinned.sql")
		rows, err := api.D1.Query(ctx, id, "SELECT count(*) AS n, sum(pinned) AS pinned FROM notes")
		if err != nil || len(rows) != 1 || rows[0][0]["n"] != float64(3) || rows[0][0]["pinned"] != float64(1) {
			t.Fatalf("after 0003: %v, %v; want 3 notes, 1 pinned (the rows kept, 0003 run once)", rows, err)
		}
		requireCall(t, http.MethodGet, url+"/d1/notes/1", "", 200, `{"id":1,"body":"hello","tag":"work"}`)
		requireNoop(t, ctx, c, s)
	})

	t.Run("ChangedMigrationRefused", func(t *testing.T) {
		path := filepath.Join(dir, "migrations", "0001_init.sql")
		orig, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, path, string(orig)+"CREATE TABLE later (x);\n")
		out, err := preview(t, ctx, s)
		if err == nil {
			t.Fatalf("preview must refuse a changed applied migration:\n%s", out)
		}
		requireContains(t, out, `migration "0001_init.sql" was applied and has changed since`, `"0004_change.sql"`)
		writeFile(t, path, string(orig))
	})

	destroy(t, ctx, s)
	requireScripts(t, c)
	if _, err := api.D1.DatabaseByID(ctx, id); !cfapi.IsNotFound(err) {
		t.Fatalf("removal \"remove\": database %s should be deleted, got %v", id, err)
	}
}

// requireMigrations checks d1_migrations lists exactly want, in order, as wrangler would list it.
func requireMigrations(t *testing.T, api *cfapi.Client, id string, want ...string) {
	t.Helper()
	rows, err := api.D1.Query(t.Context(), id, "SELECT id, name, applied_at FROM d1_migrations ORDER BY id")
	if err != nil {
		t.Fatalf("reading d1_migrations: %v", err)
	}
	var got []string
	for _, r := range rows[0] {
		if r["applied_at"] == nil {
			t.Fatalf("migration %v has no applied_at", r["name"])
		}
		name, _ := r["name"].(string)
		got = append(got, name)
	}
	if len(got) != len(want) {
		t.Fatalf("d1_migrations: %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("d1_migrations: %q, want %q", got, want)
		}
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestD1MigrationsRenamedOrAppliedElsewhere: a migration added shows in the preview as a change
// of the database only, not of the Worker that binds it; a file renamed after it was applied is
// recognised by its content, said so at preview and not run again (its row is not inserted
// twice), and d1_migrations records its new name; a file another tool applied and recorded in
// d1_migrations (as wrangler does) is not shown as to be applied, nor run.
func TestD1MigrationsRenamedOrAppliedElsewhere(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "app")
	t.Chdir(dir)
	writeFile(t, filepath.Join(dir, "src", "d1main.ts"), d1Main)
	api := cfapi.New(c.URL(), token, accountID)
	s := inlineStack(t, ctx, c, "notes", "dev", d1Program())
	id := output(t, up(t, ctx, s).Outputs, "db")
	notes := func() float64 {
		t.Helper()
		rows, err := api.D1.Query(ctx, id, "SELECT count(*) AS n FROM notes")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := rows[0][0]["n"].(float64)
		return n
	}

	seed := filepath.Join(dir, "migrations", "0003_seed.sql")
	writeFile(t, seed, "INSERT INTO notes (body) VALUES ('seeded');\n")
	out, summary := previewChanges(t, ctx, s)
	requireContains(t, out, `D1 database "notes-dev-db": migration "0003_seed.sql" will be applied`)
	if summary["update"] != 1 || strings.Contains(out, "bindings") {
		t.Errorf("adding a migration changes the database only, and no Worker's bindings: %v\n%s", summary, out)
	}
	up(t, ctx, s)
	if n := notes(); n != 1 {
		t.Fatalf("notes after 0003_seed.sql: %v, want 1", n)
	}

	t.Run("RenamedNotAppliedAgain", func(t *testing.T) {
		if err := os.Rename(seed, filepath.Join(dir, "migrations", "0003_seed_notes.sql")); err != nil {
			t.Fatal(err)
		}
		out, err := preview(t, ctx, s)
		if err != nil {
			t.Fatalf("preview of the rename failed:\n%s", out)
		}
		expectContains(t, out, `D1 database "notes-dev-db": migration "0003_seed_notes.sql" is "0003_seed.sql" renamed `+
			`(the same content), which was applied: it is not applied again, and d1_migrations records it under its new name`)
		if strings.Contains(out, "will be applied") {
			t.Errorf("the preview says a renamed file will be applied:\n%s", out)
		}
		up(t, ctx, s)
		if n := notes(); n != 1 {
			t.Fatalf("notes after the rename: %v, want 1 (the renamed file not run again)", n)
		}
		requireMigrations(t, api, id, "0001_init.sql", "0002_tags.sql", "0003_seed_notes.sql")
		requireNoop(t, ctx, c, s)
	})

	t.Run("RecordedByAnotherToolNotApplied", func(t *testing.T) {
		// What `wrangler d1 migrations apply` leaves: the file's statements run, its name recorded.
		const sql = "INSERT INTO notes (body) VALUES ('by wrangler');"
		if _, err := api.D1.Query(ctx, id, sql+"\nINSERT INTO d1_migrations (name) VALUES ('0004_wrangler.sql');"); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "migrations", "0004_wrangler.sql"), sql+"\n")
		out, err := preview(t, ctx, s)
		if err != nil {
			t.Fatalf("preview failed:\n%s", out)
		}
		expectContains(t, out, `D1 database "notes-dev-db": migration "0004_wrangler.sql" is already recorded in `+
			`d1_migrations (another tool, such as wrangler, applied it): it is not applied again`)
		if strings.Contains(out, "will be applied") {
			t.Errorf("the preview says a file d1_migrations records will be applied:\n%s", out)
		}
		up(t, ctx, s)
		if n := notes(); n != 2 {
			t.Fatalf("notes after 0004_wrangler.sql: %v, want 2 (the file run once, by wrangler)", n)
		}
		requireMigrations(t, api, id, "0001_init.sql", "0002_tags.sql", "0003_seed_notes.sql", "0004_wrangler.sql")
		requireNoop(t, ctx, c, s)
	})
}

// expectContains marks the test failed when text lacks fragment, and goes on: what follows
// shows what the up does anyway.
func expectContains(t *testing.T, text, fragment string) {
	t.Helper()
	if !strings.Contains(text, fragment) {
		t.Errorf("output lacks %q:\n%s", fragment, text)
	}
}

// previewChanges runs `pulumi preview --diff` and returns its output and the number of resources
// it would change, by operation.
func previewChanges(t *testing.T, ctx context.Context, s auto.Stack) (string, map[string]int) {
	t.Helper()
	buf := &syncBuffer{}
	res, err := s.Preview(ctx, optpreview.ProgressStreams(buf), optpreview.ErrorProgressStreams(buf), optpreview.Diff())
	if err != nil {
		t.Fatalf("preview: %v\n%s", err, buf.String())
	}
	summary := map[string]int{}
	for op, n := range res.ChangeSummary {
		summary[string(op)] = n
	}
	return strings.Join(strings.Fields(buf.String()), " "), summary
}
