//go:build unix

package workerd

import (
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireExited fails tb unless no process has the given pid any more.
func requireExited(tb testing.TB, pid int, what string) {
	tb.Helper()
	require.ErrorIs(tb, syscall.Kill(pid, 0), syscall.ESRCH, "%s pid %d still running after Close", what, pid)
}

// kill ends the process at once, as a crash or the OOM killer would.
func kill(tb testing.TB, pid int) {
	tb.Helper()
	require.NoError(tb, syscall.Kill(pid, syscall.SIGKILL))
}
