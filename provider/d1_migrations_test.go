package provider

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local/fault"
)

func TestReadMigrationsSortsAndHashes(t *testing.T) {
	dir := t.TempDir()
	writeMigration(t, dir, "0010_b.sql", "SELECT 2;")
	writeMigration(t, dir, "0002_a.sql", "SELECT 1;")
	writeMigration(t, dir, "notes.txt", "")
	files, err := readMigrations(dir)
	require.NoError(t, err)
	require.Len(t, files, 2)
	assert.Equal(t, "0002_a.sql", files[0].Name)
	assert.Equal(t, "0010_b.sql", files[1].Name)
	assert.Len(t, files[0].SHA256, 64)
	assert.NotEqual(t, files[0].SHA256, files[1].SHA256)

	_, err = readMigrations(filepath.Join(dir, "missing"))
	assert.ErrorContains(t, err, "set migrationsDir")
}

func TestChangedAndPendingMigrations(t *testing.T) {
	applied := []D1Migration{{Name: "0001.sql", SHA256: "a"}, {Name: "0002.sql", SHA256: "b"}, {Name: "0003.sql"}}
	files := []D1Migration{{Name: "0001.sql", SHA256: "a"}, {Name: "0002.sql", SHA256: "B"}, {Name: "0003.sql", SHA256: "c"}, {Name: "0004.sql", SHA256: "d"}}
	assert.Equal(t, []string{"0002.sql"}, changedMigrations(applied, files), "an unknown hash (import) is not compared")
	assert.Equal(t, migrationSteps{pending: []D1Migration{{Name: "0004.sql", SHA256: "d"}}}, planMigrations(applied, files))
	assert.Equal(t, "0005_change.sql", nextMigrationName(files))
	assert.Equal(t, `"CREATE TABLE a ( x )"`, excerpt("CREATE TABLE a (\n  x\n)"))
}

// TestPlanMigrationsRecognisesRenames: a file under a new name with the content of an applied
// migration whose name is gone is a rename, not a migration to apply; a copy (the old name still
// there), a changed content, or an applied migration whose hash is unknown is not.
func TestPlanMigrationsRecognisesRenames(t *testing.T) {
	applied := []D1Migration{{Name: "0001_init.sql", SHA256: "a"}, {Name: "0002_seed.sql", SHA256: "b"}, {Name: "0003.sql"}}
	renamed := []D1Migration{{Name: "0001_init.sql", SHA256: "a"}, {Name: "0002_seed_notes.sql", SHA256: "b"}, {Name: "0003.sql", SHA256: "c"}}
	assert.Equal(t, migrationSteps{renamed: []migrationRename{{from: "0002_seed.sql", to: "0002_seed_notes.sql"}}},
		planMigrations(applied, renamed))

	copied := append(slices.Clone(applied[:2]), D1Migration{Name: "0004_again.sql", SHA256: "b"})
	assert.Equal(t, migrationSteps{pending: copied[2:]}, planMigrations(applied, copied), "the old name is still there: a new file")

	twice := []D1Migration{{Name: "0001_init.sql", SHA256: "a"}, {Name: "0002_x.sql", SHA256: "b"}, {Name: "0002_y.sql", SHA256: "b"}}
	assert.Equal(t, migrationSteps{renamed: []migrationRename{{from: "0002_seed.sql", to: "0002_x.sql"}}, pending: twice[2:]},
		planMigrations(applied, twice), "one applied file is the source of one rename")

	unknown := []D1Migration{{Name: "0001_init.sql", SHA256: "a"}, {Name: "0002_seed.sql", SHA256: "b"}, {Name: "0003_new.sql"}}
	assert.Equal(t, migrationSteps{pending: unknown[2:]}, planMigrations(applied, unknown), "no hash, no rename")

	steps := migrationSteps{pending: []D1Migration{{Name: "0004.sql"}, {Name: "0005.sql"}}}.withRecorded([]string{"0001_init.sql", "0004.sql"})
	assert.Equal(t, migrationSteps{recorded: []D1Migration{{Name: "0004.sql"}}, pending: []D1Migration{{Name: "0005.sql"}}}, steps)
}

func TestWithFileHashesFillsUnknownHashes(t *testing.T) {
	applied := []D1Migration{{Name: "0001.sql"}, {Name: "0002.sql", SHA256: "b"}, {Name: "0003.sql"}}
	files := []D1Migration{{Name: "0001.sql", SHA256: "a"}, {Name: "0002.sql", SHA256: "B"}}
	assert.Equal(t, []D1Migration{{Name: "0001.sql", SHA256: "a"}, {Name: "0002.sql", SHA256: "b"}, {Name: "0003.sql"}},
		withFileHashes(applied, files), "only unknown hashes are filled, from the file of the same name")
}

// TestApplyMigrationsSkipsWhatAnotherToolRecorded: a file d1_migrations already records (as
// wrangler leaves it) is taken as applied and not re-run.
func TestApplyMigrationsSkipsWhatAnotherToolRecorded(t *testing.T) {
	srv := startLocal(t)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	db, err := api.D1.CreateDatabase(ctx, "shared")
	require.NoError(t, err)
	_, err = api.D1.Query(ctx, db.ID, d1MigrationsTableSQL+"; CREATE TABLE t (x); INSERT INTO d1_migrations (name) VALUES ('0001_init.sql')")
	require.NoError(t, err)

	dir := t.TempDir()
	writeMigration(t, dir, "0001_init.sql", "CREATE TABLE t (x);") // would fail if re-run
	writeMigration(t, dir, "0002_more.sql", "INSERT INTO t VALUES (1);")
	files, err := readMigrations(dir)
	require.NoError(t, err)
	applied, err := applyMigrations(ctx, api.D1, db.ID, dir, nil, files)
	require.NoError(t, err)
	assert.Equal(t, files, applied)
	res, err := api.D1.Query(ctx, db.ID, "SELECT count(*) AS n FROM t; SELECT count(*) AS n FROM d1_migrations")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"n": float64(1)}}, res[0])
	assert.Equal(t, cfapi.D1Rows{{"n": float64(2)}}, res[1])
}

// dropNthQuery passes queries on to the local Cloudflare, and drops the connection of the nth
// after the query landed.
type dropNthQuery struct {
	d1Querier
	faults *fault.Set
	n      int
}

func (q *dropNthQuery) Query(ctx context.Context, id, sql string, params ...string) ([]cfapi.D1Rows, error) {
	if q.n--; q.n == 0 {
		if err := q.faults.Add(fault.Rule{Method: "POST", Path: "/accounts/*/d1/database/*/query", Drop: true, Times: 1}); err != nil {
			return nil, err
		}
	}
	return q.d1Querier.Query(ctx, id, sql, params...)
}

// TestApplyMigrationsAfterALostAnswerSaysToRunAgain: a migration whose query lost its answer is
// not sent again (a query may not be idempotent); the error says it was applied wholly or not at
// all and that running again is safe, and running again indeed neither repeats nor loses it.
func TestApplyMigrationsAfterALostAnswerSaysToRunAgain(t *testing.T) {
	srv, faults := startFaulty(t)
	api := cfapi.New(srv.URL(), testToken, testAccount)
	ctx := context.Background()
	db, err := api.D1.CreateDatabase(ctx, "notes")
	require.NoError(t, err)
	dir := t.TempDir()
	writeMigration(t, dir, "0001_init.sql", "CREATE TABLE t (x); INSERT INTO t VALUES (1);")
	files, err := readMigrations(dir)
	require.NoError(t, err)

	// The first query reads what is recorded; the second applies 0001_init.sql.
	applied, err := applyMigrations(ctx, &dropNthQuery{d1Querier: api.D1, faults: faults, n: 2}, db.ID, dir, nil, files)
	require.Error(t, err)
	assert.Empty(t, applied)
	assert.Contains(t, err.Error(), `applying migration "0001_init.sql": querying D1 database "`+db.ID+`": the connection `+
		`to the Cloudflare API at `+srv.URL()+` dropped after the request went out, before any answer`)
	assert.Contains(t, err.Error(), `. The file and its record in d1_migrations are one transaction, applied wholly or not `+
		`at all, and the migrations before it are applied and recorded: run `+"`pulumi up`"+` again, which applies the file `+
		`only if d1_migrations does not record it`)

	applied, err = applyMigrations(ctx, api.D1, db.ID, dir, nil, files)
	require.NoError(t, err, "running again")
	assert.Equal(t, files, applied)
	res, err := api.D1.Query(ctx, db.ID, "SELECT count(*) AS n FROM t; SELECT count(*) AS n FROM d1_migrations")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"n": float64(1)}}, res[0], "the migration ran once")
	assert.Equal(t, cfapi.D1Rows{{"n": float64(1)}}, res[1])
}
