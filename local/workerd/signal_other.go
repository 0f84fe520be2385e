//go:build !unix

package workerd

import (
	"os"
	"syscall"
)

// terminateSignal: without Unix signals the only way to stop workerd is to kill it.
var terminateSignal os.Signal = os.Kill

// sysProcAttr has nothing to set outside Unix.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup signals p itself; there are no process groups to reach.
func signalGroup(p *os.Process, sig os.Signal) error { return p.Signal(sig) }
