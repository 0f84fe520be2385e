//go:build unix

package local

import (
	"syscall"
	"time"
)

// processCPU is the CPU time this process has used so far (user and system), which holds the
// local Cloudflare's API server in the benchmarks; workerd's processes are not counted.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
