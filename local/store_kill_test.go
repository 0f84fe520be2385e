//go:build unix

package local

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

	"github.com/lumier-dev/lumier/local/storage"
)

// TestStoreSurvivesKill: a kill -9 in the middle of writing an upload leaves the old script or
// the new one, never a broken one, and loses no upload the store acknowledged. A child process
// writes uploads in a loop (crashWriter), logging each save's start and end in an events file;
// once a few are acknowledged, the test stops the child at random moments until it finds it in
// the middle of a write, and kills it there: saving the state (its events file ends with
// "saving n") on even runs, writing a module (its temp file is on disk) on odd ones.
func TestStoreSurvivesKill(t *testing.T) {
	for i := range 6 {
		dir := t.TempDir()
		events := filepath.Join(dir, crashEvents)
		where := "the state"
		if i%2 == 1 {
			where = "a module"
		}
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDirEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		require.NoError(t, cmd.Start())

		// testTimeout only turns a broken child into a failure instead of a hang.
		deadline := time.After(testTimeout)
		atLeast := 3 + i
		for {
			if saved, _ := lastEvents(events); saved >= atLeast {
				break
			}
			require.False(t, exited(cmd.Process.Pid), "the writer exited: %s", stderr.String())
			select {
			case <-deadline:
				t.Fatalf("the writer acknowledged fewer than %d uploads", atLeast)
			case <-time.After(time.Millisecond):
			}
		}
		var acked, saving int
		var temp string
		for {
			stopChild(t, cmd.Process.Pid)
			acked, saving = lastEvents(events)
			if i%2 == 0 && saving > acked {
				break
			}
			if i%2 == 1 {
				if temp = tempFileWithPrefix(filepath.Join(dir, modulesDir, storage.TempPrefix)); temp != "" {
					break
				}
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

		st, err := openStore(dir)
		require.NoError(t, err, "the lock died with the process")
		if temp != "" {
			_, err = os.Stat(temp)
			assert.True(t, os.IsNotExist(err), "the half-written %s is cleaned up on open", temp)
		}
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

// lastEvents reads the crash writer's events file: the last upload saved, and the last one
// whose save began.
func lastEvents(path string) (saved, saving int) {
	b, _ := os.ReadFile(path)
	for _, line := range strings.Split(string(b), "\n") {
		what, n, ok := strings.Cut(line, " ")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			continue
		}
		switch what {
		case "saved":
			saved = v
		case "saving":
			saving = v
		}
	}
	return saved, saving
}

// exited reports whether the child process pid has exited (and reaps it).
func exited(pid int) bool {
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

// tempFileWithPrefix returns a file whose path starts with prefix, "" when there is none.
func tempFileWithPrefix(prefix string) string {
	matches, _ := filepath.Glob(prefix + "*")
	if len(matches) == 0 {
		return ""
	}
	return matches[0]
}
