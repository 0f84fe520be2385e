//go:build unix

package storage

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/killtest"
)

// TestKVSurvivesKill: a kill -9 while a KV put is being written loses at most that put. A
// child process (kvWriter) puts keys in a loop, logging each put's start and acknowledgement;
// once a few are acknowledged, the test stops it at random moments until its events end with a
// put begun and not acknowledged (the kill lands mid-write), kills it, and opens the database:
// it passes SQLite's integrity check, holds every acknowledged key with its value, and nothing
// but the put in flight besides.
func TestKVSurvivesKill(t *testing.T) {
	for round := range 4 {
		dir := t.TempDir()
		child := killtest.Start(t, killDirEnv, dir)
		child.WaitDone(t, 5+3*round)
		acked, inFlight := child.StopMidWrite(t, nil)
		child.Kill(t)

		db, err := Open(dir)
		require.NoError(t, err, "the database opens after the kill")
		require.NoError(t, db.Check())
		for n := 1; n <= acked; n++ {
			e, ok, err := db.KV().Get(killNamespace, "k"+strconv.Itoa(n), time.Now())
			require.NoError(t, err)
			require.True(t, ok, "acknowledged put %d of %d survives", n, acked)
			require.Equal(t, killValue(n), e.Value, "put %d's value", n)
		}
		keys, _, err := db.KV().Keys(killNamespace, "", "", 1000, time.Now())
		require.NoError(t, err)
		assert.Contains(t, []int{acked, acked + 1}, len(keys), "nothing but the acknowledged puts and the one in flight")
		if len(keys) == acked+1 {
			e, _, err := db.KV().Get(killNamespace, "k"+strconv.Itoa(inFlight), time.Now())
			require.NoError(t, err)
			assert.Equal(t, killValue(inFlight), e.Value, "the put in flight is whole if it is there")
		}
		t.Logf("killed during put %d after %d acknowledged; the store holds %d keys", inFlight, acked, len(keys))
		require.NoError(t, db.Close())
	}
}
