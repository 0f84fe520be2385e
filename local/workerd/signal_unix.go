//go:build unix

package workerd

import (
	"os"
	"syscall"
)

// terminateSignal asks workerd to stop accepting, finish in-flight requests and exit.
var terminateSignal os.Signal = syscall.SIGTERM

// signalGroup signals the process group led by p (see sysProcAttr).
func signalGroup(p *os.Process, sig os.Signal) error {
	if err := syscall.Kill(-p.Pid, sig.(syscall.Signal)); err != nil {
		if err == syscall.ESRCH {
			return os.ErrProcessDone
		}
		return err
	}
	return nil
}
