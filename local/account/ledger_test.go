package account

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// heldLedger is a ledger whose runtime reload blocks until the test lets it go: started is
// signalled as a reload begins, and each reload waits for a value on release.
type heldLedger struct {
	*Ledger
	store   *Store
	started chan struct{}
	release chan struct{}
}

func newHeldLedger(t *testing.T, served *State) *heldLedger {
	t.Helper()
	st, err := OpenStore(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	require.NoError(t, st.Save(served))
	h := &heldLedger{store: st, started: make(chan struct{}, 1), release: make(chan struct{})}
	h.Ledger = NewLedger(st, served, func(ctx context.Context, prev, next *State, uploaded string) error {
		h.started <- struct{}{}
		<-h.release
		return nil
	}, slog.New(slog.DiscardHandler))
	return h
}

// submit sends c in the background and returns its outcome's channel, once its reload runs.
func (h *heldLedger) submit(t *testing.T, c *Change) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- h.Submit(c) }()
	<-h.started
	return done
}

// reupload replaces script name's record with a new one built from the state it is given, the
// way an upload does: the flags it keeps are those of that state.
func reupload(name string) *Change {
	return &Change{Script: name, Build: func(cur *State) (*State, func(time.Duration), error) {
		old := cur.Scripts[name]
		cur.Scripts[name] = &Script{Name: name, MainModule: "v2.js", WorkersDev: old.WorkersDev, Port: old.Port}
		return cur, func(time.Duration) {}, nil
	}}
}

func workersDevOn(name string, port int) func(next *State) error {
	return func(next *State) error {
		if _, ok := next.Scripts[name]; !ok {
			return errors.New("no such script")
		}
		rec := next.Own(name)
		rec.WorkersDev, rec.Port = true, port
		return nil
	}
}

// A patch made while a batch's reload runs is served at once, and the batch's commit, whose
// next state was built before the patch, keeps it: even when the batch replaced the record the
// patch changed.
func TestPatchDuringAReloadIsServedAtOnceAndKept(t *testing.T) {
	h := newHeldLedger(t, twoScripts())
	done := h.submit(t, reupload("changed"))

	require.NoError(t, h.Patch(workersDevOn("changed", 9001)))
	require.NoError(t, h.Patch(func(next *State) error { next.Subdomain = "patched"; return nil }))
	served := h.Load()
	assert.True(t, served.Scripts["changed"].WorkersDev, "served while the reload still runs")
	assert.Equal(t, "patched", served.Subdomain)
	assert.Empty(t, served.Scripts["changed"].MainModule, "the batch is not served before its reload ends")

	h.release <- struct{}{}
	require.NoError(t, <-done)
	for where, st := range map[string]*State{"served": h.Load(), "saved": mustLoad(t, h.store)} {
		rec := st.Scripts["changed"]
		assert.Equal(t, "v2.js", rec.MainModule, where)
		assert.True(t, rec.WorkersDev, "%s: the patch outlives the batch's commit", where)
		assert.Equal(t, 9001, rec.Port, where)
		assert.Equal(t, "patched", st.Subdomain, where)
	}
}

// A patch whose script the batch deletes loses to the batch: the batch commits, as if it came
// after the patch.
func TestPatchTheBatchUndoesLosesToTheBatch(t *testing.T) {
	h := newHeldLedger(t, twoScripts())
	done := h.submit(t, &Change{Build: func(cur *State) (*State, func(time.Duration), error) {
		delete(cur.Scripts, "changed")
		return cur, func(time.Duration) {}, nil
	}})
	require.NoError(t, h.Patch(workersDevOn("changed", 9001)))
	h.release <- struct{}{}
	require.NoError(t, <-done)
	assert.NotContains(t, h.Load().Scripts, "changed")
	assert.NotContains(t, mustLoad(t, h.store).Scripts, "changed")
}

// With no reload running, a patch is a change like any other: served and saved when it returns,
// and its error changes nothing.
func TestPatchWithoutAReload(t *testing.T) {
	h := newHeldLedger(t, twoScripts())
	require.NoError(t, h.Patch(workersDevOn("kept", 9002)))
	assert.True(t, h.Load().Scripts["kept"].WorkersDev)
	assert.True(t, mustLoad(t, h.store).Scripts["kept"].WorkersDev)

	before := h.Load()
	require.Error(t, h.Patch(workersDevOn("missing", 9003)))
	assert.Same(t, before, h.Load())
}

func mustLoad(t *testing.T, st *Store) *State {
	t.Helper()
	loaded, err := st.Load()
	require.NoError(t, err)
	return loaded
}

// A patch that finds the account locked by another change waits for it, then applies on top of
// what that change served.
func TestPatchWaitsForALockedChange(t *testing.T) {
	h := newHeldLedger(t, twoScripts())
	h.Lock()
	next := h.Load().Clone()
	next.Subdomain = "locked"
	patched := make(chan error, 1)
	go func() { patched <- h.Patch(workersDevOn("kept", 9004)) }()
	require.NoError(t, h.store.Save(next))
	h.Publish(next)
	h.Unlock()
	require.NoError(t, <-patched)
	st := h.Load()
	assert.Equal(t, "locked", st.Subdomain)
	assert.True(t, st.Scripts["kept"].WorkersDev)
}
