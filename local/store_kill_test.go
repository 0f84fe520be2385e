//go:build unix

package local

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/killtest"
	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/storage"
)

// TestStoreSurvivesKill: a kill -9 in the middle of writing an upload leaves the old script or
// the new one, never a broken one, and loses no upload the store acknowledged. A child process
// writes uploads in a loop (crashWriter), logging each save of the state; once a few are
// acknowledged, the test stops the child at random moments until it finds it in the middle of
// a write, and kills it there: saving the state (a save begun, not acknowledged) on even runs,
// writing a module (its temp file is on disk, not yet renamed into place) on odd ones.
func TestStoreSurvivesKill(t *testing.T) {
	for i := range 6 {
		dir := t.TempDir()
		where, mid := "the state", func(done, begun int) bool { return begun > done }
		var temp string
		if i%2 == 1 {
			where, mid = "a module", func(int, int) bool {
				temp = tempFileWithPrefix(filepath.Join(dir, account.ModulesDir, storage.TempPrefix))
				return temp != ""
			}
		}
		child := killtest.Start(t, crashDirEnv, dir)
		child.WaitDone(t, 3+i)
		acked, _ := child.StopMidWrite(t, mid)
		child.Kill(t)

		st, err := account.OpenStore(dir)
		require.NoError(t, err, "the lock died with the process")
		if temp != "" {
			_, err = os.Stat(temp)
			assert.True(t, os.IsNotExist(err), "the half-written %s is cleaned up on open", temp)
		}
		s, err := st.Load()
		require.NoError(t, err, "the state loads after a kill while writing %s", where)
		rec, ok := s.Scripts["s"]
		require.True(t, ok, "the acknowledged uploads survive")
		version, err := strconv.Atoi(rec.MigrationTag)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, version, acked, "every acknowledged upload survives")
		assert.LessOrEqual(t, version, acked+1, "at most the upload being written when killed is there unacknowledged")
		content, err := st.Module(rec.Modules[0].SHA256)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(content), "// version "+rec.MigrationTag+"\n"),
			"the module is the one the state names (version %s)", rec.MigrationTag)
		t.Logf("killed while writing %s after %d acknowledged uploads; the store holds version %d", where, acked, version)
		require.NoError(t, st.Close())
	}
}

// tempFileWithPrefix returns a file whose path starts with prefix, "" when there is none.
func tempFileWithPrefix(prefix string) string {
	matches, _ := filepath.Glob(prefix + "*")
	if len(matches) == 0 {
		return ""
	}
	return matches[0]
}
