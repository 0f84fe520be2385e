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

// The settings' parts that grow with the scripts (namespaces, ports) are encoded again only when
// they change, and a save writes them as they are, changed or not.
func TestSaveEncodesGrownPartsOnlyWhenChanged(t *testing.T) {
	dir := t.TempDir()
	st, err := OpenStore(dir)
	require.NoError(t, err)
	prev := twoScripts()
	prev.Namespaces = []rules.Namespace{{ID: "0123456789abcdef0123456789abcdef", Script: "kept", Class: "Counter", SQLite: true}}
	prev.Ports = map[string]int{"kept": 8788}
	prev.Subdomain = "mine"
	require.NoError(t, st.Save(prev))
	namespaces, ports := st.grown.namespacesDoc, st.grown.portsDoc

	next := prev.Clone()
	next.Ports["changed"] = 8789
	require.NoError(t, st.Save(next))
	assert.Same(t, &namespaces[0], &st.grown.namespacesDoc[0], "unchanged namespaces are not encoded again")
	assert.NotEqual(t, string(ports), string(st.grown.portsDoc))

	last := next.Clone()
	last.Namespaces = append(last.Namespaces, rules.Namespace{ID: "fedcba9876543210fedcba9876543210", Script: "changed", Class: "Room"})
	last.Ports = nil
	require.NoError(t, st.Save(last))
	require.NoError(t, st.Close())
	loaded := reopen(t, dir)
	assert.Equal(t, last.Namespaces, loaded.Namespaces)
	assert.Empty(t, loaded.Ports)
	assert.Equal(t, "mine", loaded.Subdomain)
	assert.Len(t, loaded.Scripts, 2)

	// The settings document has State's fields but its scripts, whatever is encoded apart.
	var want, got map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(mustJSON(next), &want))
	delete(want, "scripts")
	encoded, err := json.Marshal(settingsDoc{State: next, Namespaces: mustJSON(next.Namespaces), Ports: mustJSON(next.Ports)})
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(encoded, &got))
	assert.Equal(t, want, got)
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
