package workerd

import "syscall"

// sysProcAttr puts workerd in its own process group, so that stopping it reaches anything it
// spawns, and has the kernel kill it if our process dies without Close (Pdeathsig), so that no
// workerd outlives the local Cloudflare. Pdeathsig fires when the OS thread that started the
// child exits; the Go runtime retires a thread only when a goroutine locked to it exits, which
// this package never does.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
