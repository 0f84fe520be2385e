//go:build unix

package local

import (
	"bufio"
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

// TestStoreSurvivesKill: a kill -9 in the middle of writing an upload leaves the old script or
// the new one, never a broken one, and loses no upload the store acknowledged. A child process
// writes uploads in a loop (crashWriter) and acknowledges each on a pipe; once a few are
// acknowledged, the test stops the child at random moments until it finds it in the middle of
// writing a file (its temp file is on disk, not yet renamed into place), and kills it there:
// the state file on even runs, a module on odd ones.
func TestStoreSurvivesKill(t *testing.T) {
	for i := range 6 {
		dir := t.TempDir()
		writing, where := filepath.Join(dir, tempPrefix+stateFile+"-"), "the state file"
		if i%2 == 1 {
			writing, where = filepath.Join(dir, modulesDir, tempPrefix), "a module"
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.StdoutPipe()
		require.NoError(t, err)
		require.NoError(t, cmd.Start())
		acks := make(chan int, 1<<16)
		go func() {
			defer close(acks)
			lines := bufio.NewScanner(stdout)
			for lines.Scan() {
				if n, err := strconv.Atoi(strings.TrimPrefix(lines.Text(), "saved ")); err == nil {
					acks <- n
				}
			}
		}()

		// testTimeout only turns a broken child into a failure instead of a hang.
		deadline := time.After(testTimeout)
		acked, atLeast := 0, 3+i
		for acked < atLeast {
			select {
			case n, ok := <-acks:
				require.True(t, ok, "the writer exited after %d uploads: %s", acked, stderr.String())
				acked = n
			case <-deadline:
				t.Fatalf("the writer acknowledged %d uploads of %d", acked, atLeast)
			}
		}
		var temp string
		for temp == "" {
			stopChild(t, cmd.Process.Pid)
			if temp = tempFileWithPrefix(writing); temp != "" {
				break
			}
			require.NoError(t, cmd.Process.Signal(syscall.SIGCONT))
			select {
			case <-deadline:
				t.Fatalf("the writer was never stopped while writing %s", where)
			case <-time.After(time.Duration(rand.IntN(500)) * time.Microsecond):
			}
		}
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		for n := range acks { // what the child acknowledged before it was stopped
			acked = n
		}

		st, err := openStore(dir)
		require.NoError(t, err, "the lock died with the process")
		_, err = os.Stat(temp)
		assert.True(t, os.IsNotExist(err), "the half-written %s is cleaned up on open", temp)
		s, err := st.load()
		require.NoError(t, err, "the state loads after a kill while writing %s", where)
		rec, ok := s.Scripts["s"]
		require.True(t, ok, "the acknowledged uploads survive")
		version, err := strconv.Atoi(rec.MigrationTag)
		require.NoError(t, err)
		assert.GreaterOrEqual(t, version, acked, "every acknowledged upload survives")
		assert.LessOrEqual(t, version, acked+1, "at most the upload being written when killed is there unacknowledged")
		content, err := st.module(rec.Modules[0].SHA256)
		require.NoError(t, err)
		assert.True(t, strings.HasPrefix(string(content), "// version "+rec.MigrationTag+"\n"),
			"the module is the one the state names (version %s)", rec.MigrationTag)
		t.Logf("killed while writing %s after %d acknowledged uploads; the store holds version %d", where, acked, version)
		require.NoError(t, st.close())
	}
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

// tempFileWithPrefix returns a file whose path starts with prefix, "" when there is none.
func tempFileWithPrefix(prefix string) string {
	matches, _ := filepath.Glob(prefix + "*")
	if len(matches) == 0 {
		return ""
	}
	return matches[0]
}
