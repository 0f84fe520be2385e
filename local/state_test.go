package local

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A change to one script copies that script's record only: the others are the served state's
// own records, so a change costs the same however many scripts the account holds.
func TestChangeCopiesOnlyTheChangedScript(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	plain := module{Name: "index.js", Src: `export default { fetch() { return new Response("ok") } }`}
	mustUpload(t, s, "kept", meta(nil), plain)
	mustUpload(t, s, "changed", meta(nil), plain)
	before := s.ledger.Load()

	enableWorkersDev(t, s, "changed")

	after := s.ledger.Load()
	require.NotSame(t, before, after)
	assert.Same(t, before.Scripts["kept"], after.Scripts["kept"], "the unchanged script's record is shared")
	assert.NotSame(t, before.Scripts["changed"], after.Scripts["changed"], "the changed script's record is a copy")
	assert.False(t, before.Scripts["changed"].WorkersDev, "the served state's record is untouched")
	assert.True(t, after.Scripts["changed"].WorkersDev)
}
