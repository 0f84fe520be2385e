package provider

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

func d1URN(name string) presource.URN {
	return presource.NewURN("dev", "my-app", "", "lumier:index:D1Database", name)
}

func writeMigration(t *testing.T, dir, name, sql string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(sql), 0o644))
}

// recordedMigrations reads d1_migrations the way wrangler lists it.
func recordedMigrations(t *testing.T, api *cfapi.Client, id string) []string {
	t.Helper()
	res, err := api.D1.Query(context.Background(), id, "SELECT id, name, applied_at FROM d1_migrations ORDER BY id")
	require.NoError(t, err)
	var names []string
	for _, row := range res[0] {
		assert.NotEmpty(t, row["applied_at"], "applied_at is set by the table's default")
		names = append(names, row["name"].(string))
	}
	return names
}

// TestD1DatabaseMigrations: the default name; two files applied and recorded in d1_migrations at
// create; a third applied alone on the next update; an applied file changed is refused at Diff,
// naming it; a failing file keeps the ones before it applied and names the file and statement.
func TestD1DatabaseMigrations(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	dir := t.TempDir()
	writeMigration(t, dir, "0002_seed.sql", "INSERT INTO notes (body) VALUES ('first; with a semicolon');\n")
	writeMigration(t, dir, "0001_init.sql", "-- the notes\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n")
	writeMigration(t, dir, "README.md", "not a migration")
	check := func(inputs property.Map) property.Map {
		t.Helper()
		resp, err := s.Check(p.CheckRequest{Urn: d1URN("db"), Inputs: inputs})
		require.NoError(t, err)
		require.Empty(t, resp.Failures)
		return resp.Inputs
	}
	inputs := check(property.NewMap(map[string]property.Value{"migrationsDir": property.New(dir)}))
	assert.Equal(t, "my-app-dev-db", inputs.Get("databaseName").AsString(), "name defaults to <project>-<stack>-<name>")
	require.Equal(t, 2, inputs.Get("migrations").AsArray().Len())

	created, err := s.Create(p.CreateRequest{Urn: d1URN("db"), Properties: inputs})
	require.NoError(t, err)
	id := created.Properties.Get("databaseId").AsString()
	assert.Equal(t, testAccount+"/"+id, created.ID)
	assert.Equal(t, "d1", created.Properties.Get("type").AsString())
	assert.Equal(t, []string{"0001_init.sql", "0002_seed.sql"}, recordedMigrations(t, api, id))
	res, err := api.D1.Query(ctx, id, "SELECT body FROM notes")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"body": "first; with a semicolon"}}, res[0])

	same := check(inputs)
	diff, err := s.Diff(p.DiffRequest{ID: created.ID, Urn: d1URN("db"), State: created.Properties, Inputs: same})
	require.NoError(t, err)
	assert.False(t, diff.HasChanges, "nothing new: no change")

	writeMigration(t, dir, "0003_tags.sql", "ALTER TABLE notes ADD COLUMN tag TEXT;\nUPDATE notes SET tag = 'old';")
	third := check(inputs)
	diff, err = s.Diff(p.DiffRequest{ID: created.ID, Urn: d1URN("db"), State: created.Properties, Inputs: third})
	require.NoError(t, err)
	assert.Equal(t, p.Update, diff.DetailedDiff["migrations"].Kind, "a new file is an update")
	updated, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: d1URN("db"), State: created.Properties, Inputs: third})
	require.NoError(t, err)
	assert.Equal(t, []string{"0001_init.sql", "0002_seed.sql", "0003_tags.sql"}, recordedMigrations(t, api, id))
	res, err = api.D1.Query(ctx, id, "SELECT tag FROM notes")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"tag": "old"}}, res[0], "the third ran once, 0002_seed.sql was not re-run")

	writeMigration(t, dir, "0001_init.sql", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n")
	_, err = s.Diff(p.DiffRequest{ID: created.ID, Urn: d1URN("db"), State: updated.Properties, Inputs: check(inputs)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `migration "0001_init.sql" was applied and has changed since`)
	assert.Contains(t, err.Error(), `"0004_change.sql"`, "suggests a new file")
	writeMigration(t, dir, "0001_init.sql", "-- the notes\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n")

	writeMigration(t, dir, "0004_ok.sql", "CREATE TABLE a (x);")
	writeMigration(t, dir, "0005_bad.sql", "CREATE TABLE b (x);\nINSERT INTO missing VALUES (1);\nCREATE TABLE c (x);")
	writeMigration(t, dir, "0006_later.sql", "CREATE TABLE d (x);")
	failing, err := s.Update(p.UpdateRequest{ID: created.ID, Urn: d1URN("db"), State: updated.Properties, Inputs: check(inputs)})
	require.Error(t, err)
	require.NotNil(t, failing.PartialState, "the partial state keeps what was applied")
	reasons := failing.PartialState.Reasons
	require.Len(t, reasons, 1)
	assert.Contains(t, reasons[0], `applying migration "0005_bad.sql": statement 2 ("INSERT INTO missing VALUES (1)") failed: no such table: missing`)
	assert.Equal(t, []string{"0001_init.sql", "0002_seed.sql", "0003_tags.sql", "0004_ok.sql"}, recordedMigrations(t, api, id))
	applied := failing.Properties.Get("appliedMigrations").AsArray()
	assert.Equal(t, 4, applied.Len())
	res, err = api.D1.Query(ctx, id, "SELECT name FROM sqlite_master WHERE name IN ('b', 'c', 'd')")
	require.NoError(t, err)
	assert.Empty(t, res[0], "nothing of the failed file, nor after it, was kept")
}

// TestD1DatabaseDeleteAndRefresh: deleting a database whose tables hold rows is refused, naming
// the tables, unless deleteData; a refresh notices an out-of-band deletion; import reads the
// recorded migrations.
func TestD1DatabaseDeleteAndRefresh(t *testing.T) {
	srv := startLocal(t)
	s := configured(t, srv)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	dir := t.TempDir()
	writeMigration(t, dir, "0001_init.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY); CREATE TABLE empty (x);")
	resp, err := s.Check(p.CheckRequest{Urn: d1URN("db"), Inputs: property.NewMap(map[string]property.Value{
		"migrationsDir": property.New(dir), "databaseName": property.New("hand-named")})})
	require.NoError(t, err)
	created, err := s.Create(p.CreateRequest{Urn: d1URN("db"), Properties: resp.Inputs})
	require.NoError(t, err)

	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: d1URN("db"), Properties: created.Properties}),
		"tables without rows (and d1_migrations) are not data")
	created, err = s.Create(p.CreateRequest{Urn: d1URN("db"), Properties: resp.Inputs})
	require.NoError(t, err)
	id := created.Properties.Get("databaseId").AsString()
	_, err = api.D1.Query(ctx, id, "INSERT INTO users VALUES (1)")
	require.NoError(t, err)
	err = s.Delete(p.DeleteRequest{ID: created.ID, Urn: d1URN("db"), Properties: created.Properties})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `refusing to delete D1 database "hand-named"`)
	assert.Contains(t, err.Error(), `it holds rows in tables "users"`)
	assert.NotContains(t, err.Error(), `"empty"`)
	_, err = api.D1.DatabaseByID(ctx, id)
	require.NoError(t, err, "nothing deleted")

	imported, err := s.Read(p.ReadRequest{ID: testAccount + "/" + id, Urn: d1URN("other")})
	require.NoError(t, err)
	assert.Equal(t, "hand-named", imported.Inputs.Get("databaseName").AsString())
	assert.Equal(t, 1, imported.Properties.Get("appliedMigrations").AsArray().Len(), "import reads d1_migrations")
	_, err = s.Read(p.ReadRequest{ID: id, Urn: d1URN("other")})
	assert.ErrorContains(t, err, "<accountId>/<databaseId>")

	require.NoError(t, s.Delete(p.DeleteRequest{ID: created.ID, Urn: d1URN("db"),
		Properties: created.Properties.Set("deleteData", property.New(true))}))
	_, err = api.D1.DatabaseByID(ctx, id)
	assert.True(t, cfapi.IsNotFound(err), "deleted with deleteData: %v", err)
	read, err := s.Read(p.ReadRequest{ID: created.ID, Urn: d1URN("db"), Properties: created.Properties, Inputs: resp.Inputs})
	require.NoError(t, err)
	assert.Empty(t, read.ID, "a database deleted out of band leaves the state")
}

// TestD1DatabaseCheck: a missing migrations folder and a bad name fail the check, naming them; a
// new name replaces the database.
func TestD1DatabaseCheck(t *testing.T) {
	s := newTestServer(t)
	resp, err := s.Check(p.CheckRequest{Urn: d1URN("db"), Inputs: property.NewMap(map[string]property.Value{
		"migrationsDir": property.New(filepath.Join(t.TempDir(), "nope")), "databaseName": property.New("Bad Name")})})
	require.NoError(t, err)
	require.Len(t, resp.Failures, 2)
	assert.Contains(t, resp.Failures[0].Reason, `D1 database name "Bad Name" is not valid`)
	assert.Contains(t, resp.Failures[1].Reason, `reading migrations folder`)

	state := property.NewMap(map[string]property.Value{"databaseName": property.New("a"), "databaseId": property.New("x"), "type": property.New("d1")})
	diff, err := s.Diff(p.DiffRequest{ID: "acct/x", Urn: d1URN("db"), State: state,
		Inputs: property.NewMap(map[string]property.Value{"databaseName": property.New("b")})})
	require.NoError(t, err)
	assert.Equal(t, p.UpdateReplace, diff.DetailedDiff["databaseName"].Kind)
}

// TestCheckD1Binding: a d1 binding needs its databaseId; with one it passes.
func TestCheckD1Binding(t *testing.T) {
	s := newTestServer(t)
	inputs := counterInputs(t)
	d1 := func(fields map[string]property.Value) property.Value {
		return property.New(append(inputs["bindings"].AsArray().AsSlice(), property.New(fields)))
	}
	inputs["bindings"] = d1(map[string]property.Value{"name": property.New("DB"), "type": property.New("d1")})
	assert.Contains(t, reasons(check(t, s, inputs, nil)), `bindings: binding "DB" (d1) has no databaseId: set it`)

	inputs = counterInputs(t)
	inputs["bindings"] = d1(map[string]property.Value{"name": property.New("DB"), "type": property.New("d1"),
		"databaseId": property.New("6f1c2b9e-0000-4000-8000-000000000000")})
	assert.Empty(t, reasons(check(t, s, inputs, nil)))
}
