package d1

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/local/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestD1StoreRunsAndSurvivesReopen: statements run in order with their counters, blobs come back
// as byte numbers, and a reopened store finds the database and its rows.
func TestD1StoreRunsAndSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	reg := storagetest.Open(t, dir)
	d, err := Open(dir, reg)
	require.NoError(t, err)
	db, err := d.create("app-dev-db")
	require.NoError(t, err)
	_, err = d.create("app-dev-db")
	assert.ErrorIs(t, err, errD1NameTaken)

	res, err := d.run(ctxT(t), db.UUID, []d1Statement{
		{SQL: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, data BLOB); INSERT INTO notes (body) VALUES ('a')"},
		{SQL: "INSERT INTO notes (body, data) VALUES (?, ?)", Params: []any{"b", []any{1.0, 2.0, 255.0}}},
		{SQL: "SELECT id, body, data FROM notes ORDER BY id"},
	}, true)
	require.NoError(t, err)
	require.Len(t, res, 4, "one result per statement, the first text holding two")
	assert.Equal(t, int64(1), res[1].Meta.Changes)
	assert.Equal(t, int64(2), res[2].Meta.LastRowID)
	assert.True(t, res[2].Meta.ChangedDB)
	assert.False(t, res[3].Meta.ChangedDB, "a select changes nothing")
	assert.Equal(t, []string{"id", "body", "data"}, res[3].Columns)
	assert.Equal(t, [][]any{{int64(1), "a", nil}, {int64(2), "b", []int{1, 2, 255}}}, res[3].Rows)
	assert.Positive(t, res[3].Meta.SizeAfter)
	require.NoError(t, d.Close())
	require.NoError(t, reg.Close())

	d2, err := Open(dir, storagetest.Open(t, dir))
	require.NoError(t, err)
	t.Cleanup(func() { d2.Close() })
	got, err := d2.Get(db.UUID)
	require.NoError(t, err)
	assert.Equal(t, "app-dev-db", got.Name)
	res, err = d2.run(ctxT(t), db.UUID, []d1Statement{{SQL: "SELECT count(*) AS n FROM notes"}}, false)
	require.NoError(t, err)
	assert.Equal(t, [][]any{{int64(2)}}, res[0].Rows, "rows kept across a reopen")
	_, tables, err := d2.info(ctxT(t), db.UUID)
	require.NoError(t, err)
	assert.Equal(t, 1, tables)

	require.NoError(t, d2.remove(db.UUID))
	_, err = d2.run(ctxT(t), db.UUID, []d1Statement{{SQL: "SELECT 1"}}, false)
	assert.ErrorIs(t, err, errD1Missing)
	assert.NoFileExists(t, d2.dbFile(db.UUID))
}

// TestD1StoreAtomicRollsBack: a failing statement in an atomic run undoes the ones before it and
// says which failed; a non-atomic run keeps them.
func TestD1StoreAtomicRollsBack(t *testing.T) {
	dir := t.TempDir()
	d, err := Open(dir, storagetest.Open(t, dir))
	require.NoError(t, err)
	t.Cleanup(func() { d.Close() })
	db, err := d.create("atomic")
	require.NoError(t, err)
	_, err = d.run(ctxT(t), db.UUID, []d1Statement{{SQL: "CREATE TABLE t (x INTEGER NOT NULL)"}}, false)
	require.NoError(t, err)

	_, err = d.run(ctxT(t), db.UUID, []d1Statement{{SQL: "INSERT INTO t VALUES (1)"}, {SQL: "INSERT INTO nope VALUES (2)"}}, true)
	var se *d1SQLError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.Equal(t, 1, se.Index)
	assert.Equal(t, "no such table: nope: SQLITE_ERROR", d1ErrorText(se.Err))
	count := func() any {
		res, err := d.run(ctxT(t), db.UUID, []d1Statement{{SQL: "SELECT count(*) FROM t"}}, false)
		require.NoError(t, err)
		return res[0].Rows[0][0]
	}
	assert.Equal(t, int64(0), count(), "the batch was rolled back")

	res, err := d.run(ctxT(t), db.UUID, []d1Statement{{SQL: "INSERT INTO t VALUES (1)"}, {SQL: "INSERT INTO t VALUES (NULL)"}}, false)
	require.Error(t, err)
	assert.Len(t, res, 1, "the statement before the failure is reported")
	assert.Equal(t, int64(1), count(), "outside a transaction, what ran before the failure stays")

	_, err = d.run(ctxT(t), db.UUID, []d1Statement{{SQL: "SELECT ?", Params: []any{true, map[string]any{}}}}, false)
	assert.ErrorContains(t, err, "parameter 2")
}

// ctxT bounds a test's queries, so a wedged database fails the test instead of hanging it.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}
