package storage

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAccountSavesOnlyWhatChanged(t *testing.T) {
	db, dir := openTest(t)
	_, ok, err := db.Account().Load()
	require.NoError(t, err)
	assert.False(t, ok, "a new database holds no account")

	first := AccountState{Settings: []byte(`{"v":1}`), Scripts: map[string][]byte{"a": []byte(`"a1"`), "b": []byte(`"b1"`)}}
	require.NoError(t, db.Account().Save(first))

	// A script whose document did not change is not written: a row changed behind the store's
	// back stays as it is.
	_, err = db.sql.Exec(`UPDATE account_scripts SET doc = '"untouched"' WHERE name = 'a'`)
	require.NoError(t, err)
	second := AccountState{Settings: []byte(`{"v":2}`), Scripts: map[string][]byte{"a": []byte(`"a1"`), "c": []byte(`"c1"`)}}
	require.NoError(t, db.Account().Save(second))
	got := reopenAccount(t, db, dir)
	assert.Equal(t, `{"v":2}`, string(got.Settings))
	assert.Equal(t, map[string][]byte{"a": []byte(`"untouched"`), "c": []byte(`"c1"`)}, got.Scripts,
		"b is removed, c added, a not rewritten")
}

// Ports are rows: a save writes the ports that changed and removes those gone, and leaves the
// others as they are.
func TestAccountSavesOnlyThePortsThatChanged(t *testing.T) {
	db, dir := openTest(t)
	first := AccountState{Settings: []byte(`{}`), Ports: map[string]int{"a": 8788, "b": 8789}}
	require.NoError(t, db.Account().Save(first))

	_, err := db.sql.Exec(`UPDATE account_ports SET port = 1 WHERE name = 'a'`)
	require.NoError(t, err)
	second := AccountState{Settings: []byte(`{}`), Ports: map[string]int{"a": 8788, "c": 8790}}
	require.NoError(t, db.Account().Save(second))
	got := reopenAccount(t, db, dir)
	assert.Equal(t, map[string]int{"a": 1, "c": 8790}, got.Ports, "b is removed, c added, a not rewritten")
}

// reopenAccount closes db and loads the account the database in dir holds.
func reopenAccount(t *testing.T, db *DB, dir string) AccountState {
	t.Helper()
	require.NoError(t, db.Close())
	again, err := Open(dir)
	require.NoError(t, err)
	defer again.Close()
	got, ok, err := again.Account().Load()
	require.NoError(t, err)
	require.True(t, ok, "the account is stored")
	return got
}
