//go:build unix

package storage

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// killTimeout only turns a broken writer into a failure instead of a hang; it bounds nothing
// the test measures.
const killTimeout = 2 * time.Minute

// TestKVSurvivesKill: a kill -9 while a KV put is being written loses at most that put. A
// child process puts keys in a loop, logging each put's start and acknowledgement; once a few
// are acknowledged, the test stops it at random moments until its events file ends with a put
// not yet acknowledged (the kill lands mid-write), kills it, and opens the database: it passes
// SQLite's integrity check, holds every acknowledged key with its value, and nothing past the
// put in flight.
func TestKVSurvivesKill(t *testing.T) {
	for round := range 4 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killDirEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())

		deadline := time.After(killTimeout)
		atLeast := 5 + 3*round
		for {
			if acked, _ := kvEvents(dir); acked >= atLeast {
				break
			}
			require.False(t, childExited(cmd.Process.Pid), "the writer exited: %s", stderr.String())
			select {
			case <-deadline:
				t.Fatalf("the writer acknowledged fewer than %d puts", atLeast)
			case <-time.After(time.Millisecond):
			}
		}
		var acked, inFlight int
		for {
			stopChild(t, cmd.Process.Pid)
			if acked, inFlight = kvEvents(dir); inFlight > acked {
				break // stopped between "put n" and "acked n": in the middle of put n
			}
			require.NoError(t, cmd.Process.Signal(syscall.SIGCONT))
			select {
			case <-deadline:
				t.Fatal("the writer was never stopped in the middle of a put")
			case <-time.After(time.Duration(rand.IntN(300)) * time.Microsecond):
			}
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()

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

// kvEvents reads the writer's events file: the last put acknowledged and the last one begun.
func kvEvents(dir string) (acked, begun int) {
	b, _ := os.ReadFile(filepath.Join(dir, killEvents))
	for _, line := range strings.Split(string(b), "\n") {
		what, n, ok := strings.Cut(line, " ")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			continue
		}
		switch what {
		case "acked":
			acked = v
		case "put":
			begun = v
		}
	}
	return acked, begun
}

// childExited reports whether the child process pid has exited (and reaps it).
func childExited(pid int) bool {
	var status syscall.WaitStatus
	got, err := syscall.Wait4(pid, &status, syscall.WNOHANG, nil)
	return err != nil || got == pid
}

// stopChild stops the child process pid (SIGSTOP) and returns once it is stopped.
func stopChild(t *testing.T, pid int) {
	t.Helper()
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	var status syscall.WaitStatus
	_, err := syscall.Wait4(pid, &status, syscall.WUNTRACED, nil)
	require.NoError(t, err)
	require.True(t, status.Stopped(), "the writer stopped, not exited: %v", status)
}
