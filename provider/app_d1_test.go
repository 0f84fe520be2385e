package provider

import (
	"context"
	"testing"

	"github.com/blang/semver"
	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi-go-provider/integration"
	presource "github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/property"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
)

// constructD1App constructs an App whose D1Database children answer with a database id.
func constructD1App(t *testing.T, inputs map[string]property.Value) (*registered, error) {
	t.Helper()
	prov, err := New()
	require.NoError(t, err)
	reg := &registered{}
	base := reg.monitor()
	mon := &integration.MockResourceMonitor{NewResourceF: func(args integration.MockResourceArgs) (string, property.Map, error) {
		id, out, err := base.NewResourceF(args)
		if args.TypeToken == "lumier:index:D1Database" {
			m := args.Inputs.AsMap()
			m["databaseId"] = property.New("db-" + args.Name)
			return args.Name + "-id", property.NewMap(m), err
		}
		return id, out, err
	}}
	s, err := integration.NewServer(context.Background(), Name, semver.MustParse("0.1.0"),
		integration.WithProvider(prov), integration.WithMocks(mon))
	require.NoError(t, err)
	_, err = s.Construct(p.ConstructRequest{
		Urn:    presource.URN("urn:pulumi:dev::proj::lumier:index:App::my-app"),
		Inputs: property.NewMap(inputs),
	})
	return reg, err
}

// TestAppD1Databases: an App's D1 database is a D1Database child named <app>-<stage>-<name> with
// its migrations folder and the app's removal; a Worker's {type: d1, name} binding takes its id.
func TestAppD1Databases(t *testing.T) {
	reg, err := constructD1App(t, basicApp(t, "stage", property.New("dev"), "removal", property.New("remove"),
		"d1Databases", list(obj("name", "db", "migrationsDir", "migrations")),
		"workers", list(obj("name", "api", "entry", counterEntry(t), "bindings", obj("DB", obj("type", "d1", "name", "db"))),
			obj("name", "api", "entry", counterEntry(t), "bindings", obj("COUNTER", obj("type", "durable_object", "name", "counter"))))))
	require.NoError(t, err)
	dbs := reg.of("lumier:index:D1Database")
	require.Len(t, dbs, 1)
	assert.Equal(t, "my-app-db", dbs[0].Name)
	assert.Equal(t, "my-app-dev-db", dbs[0].Inputs.Get("databaseName").AsString())
	assert.Equal(t, "migrations", dbs[0].Inputs.Get("migrationsDir").AsString())
	assert.True(t, dbs[0].Inputs.Get("deleteData").AsBool(), "removal remove allows deleting its rows")
	assert.False(t, dbs[0].RegisterRPC.GetRetainOnDelete())

	var found bool
	for _, b := range reg.of("lumier:index:Script")[0].Inputs.Get("bindings").AsArray().All {
		if b.AsMap().Get("name").AsString() == "DB" {
			found = true
			assert.Equal(t, "d1", b.AsMap().Get("type").AsString())
			assert.Equal(t, "db-my-app-db", b.AsMap().Get("databaseId").AsString())
		}
	}
	assert.True(t, found, "the Script binds DB")

	reg, err = constructD1App(t, basicApp(t, "stage", property.New("production"), "d1Databases", list(obj("name", "db"))))
	require.NoError(t, err)
	rpc := reg.of("lumier:index:D1Database")[0].RegisterRPC
	assert.True(t, rpc.GetRetainOnDelete(), "the default removal retains the database")
	assert.False(t, reg.of("lumier:index:D1Database")[0].Inputs.Get("deleteData").AsBool())
}

// TestAppD1RefusesUndeclaredAndConflicts: a binding to a database the app does not declare and a
// database declared twice with different migrations are refused, naming them.
func TestAppD1RefusesUndeclaredAndConflicts(t *testing.T) {
	_, err := constructD1App(t, basicApp(t, "stage", property.New("dev"),
		"d1Databases", list(obj("name", "db", "migrationsDir", "a"), obj("name", "db", "migrationsDir", "b")),
		"workers", list(obj("name", "api", "entry", counterEntry(t), "bindings", obj("DB", obj("type", "d1", "name", "other"))))))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `d1 database "db" is declared twice with different migrationsDir: "a" and "b"; `+
		`declarations of the same d1 database are merged, so they must agree`)
	assert.Contains(t, err.Error(), `worker "api" binding DB names d1 database "other", which this app does not declare`)
}

// The data check skips only SQLite's and D1's own tables: "_" in a table name pattern is a
// literal, so a user's table such as "acfx" (which LIKE '_cf_%' would match) counts as data.
func TestD1TablesWithRowsMatchesInternalPrefixesLiterally(t *testing.T) {
	srv := startLocal(t)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	db, err := api.D1.CreateDatabase(ctx, "literal")
	require.NoError(t, err)
	_, err = api.D1.Query(ctx, db.ID, "CREATE TABLE acfx (n INTEGER); INSERT INTO acfx VALUES (1);"+
		"CREATE TABLE _cf_internal (n INTEGER); INSERT INTO _cf_internal VALUES (1)")
	require.NoError(t, err)
	names, more, err := d1TablesWithRows(ctx, api.D1, db.ID, 10)
	require.NoError(t, err)
	assert.False(t, more)
	assert.Equal(t, []string{"acfx"}, names)
}
