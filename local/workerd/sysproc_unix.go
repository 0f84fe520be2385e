//go:build unix && !linux

package workerd

import "syscall"

// sysProcAttr puts workerd in its own process group so that stopping it reaches anything it
// spawns. There is no parent-death signal outside Linux: if lumier is killed without Close,
// workerd outlives it.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
