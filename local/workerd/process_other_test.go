//go:build !unix

package workerd

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireExited fails tb unless no process has the given pid any more: outside Unix, finding a
// process by pid fails once it has exited.
func requireExited(tb testing.TB, pid int, what string) {
	tb.Helper()
	_, err := os.FindProcess(pid)
	require.Error(tb, err, "%s pid %d still running after Close", what, pid)
}

// kill ends the process at once, as a crash would.
func kill(tb testing.TB, pid int) {
	tb.Helper()
	p, err := os.FindProcess(pid)
	require.NoError(tb, err)
	require.NoError(tb, p.Kill())
}
