// This file is written by hand; it tests config_d1.go.

package lumier

import (
	"path/filepath"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestD1DatabaseIsABindingValue: ctx.D1Database reaches the App as a d1Databases entry with its
// migrations folder, and as a binding {type: d1, name}; each declaration reaches the App.
func TestD1DatabaseIsABindingValue(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			db := ctx.D1Database("db", D1Options{Migrations: "testdata/migrations"})
			assert.Equal(t, db, ctx.D1Database("db", D1Options{Migrations: "testdata/migrations"}), "the same database")
			ctx.D1Database("plain", D1Options{})
			ctx.Worker("api", WorkerOptions{Entry: counterEntry, Bindings: Bindings{"DB": db}})
			return nil
		},
	})
	require.NoError(t, err)
	in := reg.apps[0].Inputs
	dbs := in["d1Databases"].ArrayValue()
	require.Len(t, dbs, 3)
	assert.Equal(t, "db", dbs[0].ObjectValue()["name"].StringValue())
	want, err := filepath.Abs("testdata/migrations")
	require.NoError(t, err)
	assert.Equal(t, want, dbs[0].ObjectValue()["migrationsDir"].StringValue(), "the folder is passed absolute")
	assert.NotContains(t, dbs[2].ObjectValue(), resource.PropertyKey("migrationsDir"))
	b := in["workers"].ArrayValue()[0].ObjectValue()["bindings"].ObjectValue()["DB"].ObjectValue()
	assert.Equal(t, "d1", b["type"].StringValue())
	assert.Equal(t, "db", b["name"].StringValue())
}

func TestD1DatabaseDeclaredTwiceReachesTheApp(t *testing.T) {
	reg, err := run(t, Config{
		App: func(AppContext) AppConfig { return AppConfig{Name: "my-app"} },
		Run: func(ctx *Context) error {
			ctx.D1Database("db", D1Options{Migrations: "testdata/migrations"})
			ctx.D1Database("db", D1Options{Migrations: "b"})
			ctx.Worker("api", WorkerOptions{Entry: counterEntry})
			return nil
		},
	})
	require.NoError(t, err, "the App judges declarations that disagree")
	assert.Len(t, reg.apps[0].Inputs["d1Databases"].ArrayValue(), 2)
}
