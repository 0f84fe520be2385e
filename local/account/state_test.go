package account

import (
	"encoding/json"
	"testing"

	"github.com/lumier-dev/lumier/local/rules"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func twoScripts() *State {
	s := NewState()
	s.Scripts["kept"] = &Script{Name: "kept"}
	s.Scripts["changed"] = &Script{Name: "changed"}
	return s
}

// A clone shares the records of the state it was cloned from; Own gives the clone its own copy
// of one record, once, and leaves the other state's record as it was.
func TestCloneSharesRecordsUntilOwned(t *testing.T) {
	prev := twoScripts()
	next := prev.Clone()
	assert.Same(t, prev.Scripts["kept"], next.Scripts["kept"])

	rec := next.Own("changed")
	rec.WorkersDev = true
	assert.NotSame(t, prev.Scripts["changed"], rec)
	assert.Same(t, rec, next.Own("changed"), "a record owned already is not copied again")
	assert.False(t, prev.Scripts["changed"].WorkersDev)
	assert.Nil(t, next.Own("missing"))
}

// A record changed without Own is caught when the state is served (VerifySharing).
func TestSharedRecordChangedInPlaceIsCaught(t *testing.T) {
	VerifySharing = true
	defer func() { VerifySharing = false }()
	prev := twoScripts()

	owned := prev.Clone()
	owned.Own("changed").WorkersDev = true
	assert.False(t, owned.checkOrigin(), "a record taken with Own")

	bad := owned.Clone()
	bad.Scripts["changed"].Port = 8787 // the record is owned's too
	assert.True(t, bad.checkOrigin(), "a record changed in place")
	SharingViolations.Add(-1) // this one was on purpose
}

// A save encodes only the records that changed since the last one; what it writes is the whole
// account all the same.
func TestSaveEncodesOnlyChangedRecords(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	require.NoError(t, err)
	prev := twoScripts()
	require.NoError(t, st.Save(prev))
	saved := st.encoded["kept"].doc

	next := prev.Clone()
	next.Own("changed").WorkersDev = true
	require.NoError(t, st.Save(next))
	assert.Same(t, &saved[0], &st.encoded["kept"].doc[0], "the unchanged record is not encoded again")
	require.NoError(t, st.Close())
	loaded := reopen(t, dir)
	assert.True(t, loaded.Scripts["changed"].WorkersDev)
	assert.Equal(t, "kept", loaded.Scripts["kept"].Name)
}

// The settings document is encoded again only when something in it changed: a change of the
// ports alone (a workers.dev call) reuses it. The ports are saved apart, and everything comes
// back on loading.
func TestSaveEncodesTheSettingsOnlyWhenChanged(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	require.NoError(t, err)
	defer st.Close()
	prev := twoScripts()
	prev.Namespaces = []rules.Namespace{{ID: "0123456789abcdef0123456789abcdef", Script: "kept", Class: "Counter", SQLite: true}}
	prev.Ports = map[string]int{"kept": 8788}
	prev.Subdomain = "mine"
	require.NoError(t, st.Save(prev))
	settings := st.settings.doc
	assert.NotContains(t, string(settings), "8788", "the ports are not in the settings document")

	next := prev.Clone()
	next.Ports["changed"] = 8789
	require.NoError(t, st.Save(next))
	assert.Same(t, &settings[0], &st.settings.doc[0], "unchanged settings are not encoded again")

	next = next.Clone()
	next.Subdomain = "other"
	require.NoError(t, st.Save(next))
	assert.Contains(t, string(st.settings.doc), `"other"`, "a change to the rest is encoded")

	last := next.Clone()
	last.Namespaces = append(last.Namespaces, rules.Namespace{ID: "fedcba9876543210fedcba9876543210", Script: "changed", Class: "Room"})
	require.NoError(t, st.Save(last))

	// The settings document has State's fields but its scripts and ports.
	var want, got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(mustJSON(last), &want))
	delete(want, "scripts")
	delete(want, "ports")
	require.NoError(t, json.Unmarshal(st.settings.doc, &got))
	assert.Equal(t, want, got)

	require.NoError(t, st.Close())
	loaded := reopen(t, dir)
	assert.Equal(t, last.Namespaces, loaded.Namespaces)
	assert.Equal(t, map[string]int{"kept": 8788, "changed": 8789}, loaded.Ports)
	assert.Equal(t, "other", loaded.Subdomain)
	assert.Len(t, loaded.Scripts, 2)
}

// No ports saved is no ports loaded.
func TestSaveWithoutPorts(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	require.NoError(t, err)
	prev := twoScripts()
	prev.Ports = map[string]int{"kept": 8788}
	require.NoError(t, st.Save(prev))
	next := prev.Clone()
	next.Ports = nil
	require.NoError(t, st.Save(next))
	require.NoError(t, st.Close())
	assert.Nil(t, reopen(t, dir).Ports)
}

// reopen opens the store in dir again and loads what it holds.
func reopen(t *testing.T, dir string) *State {
	t.Helper()
	st, err := OpenStore(dir)
	require.NoError(t, err)
	defer st.Close()
	loaded, err := st.Load()
	require.NoError(t, err)
	return loaded
}
