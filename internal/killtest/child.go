//go:build unix

package killtest

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// timeout only turns a broken child into a failure instead of a hang; it bounds nothing a test
// measures.
const timeout = 2 * time.Minute

// Child is a writer running in a child process.
type Child struct {
	dir      string
	cmd      *exec.Cmd
	stderr   bytes.Buffer
	deadline <-chan time.Time
}

// Start runs the test binary with env set to dir and no tests: its TestMain sees env and runs
// the writer on dir instead.
func Start(t testing.TB, env, dir string) *Child {
	t.Helper()
	c := &Child{dir: dir, deadline: time.After(timeout)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), env+"="+dir)
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("starting the writer: %v", err)
	}
	t.Cleanup(func() { _ = c.cmd.Process.Kill() })
	return c
}

// WaitDone waits until the child has acknowledged n writes.
func (c *Child) WaitDone(t testing.TB, n int) {
	t.Helper()
	for {
		if done, _ := Read(c.dir); done >= n {
			return
		}
		if c.exited() {
			t.Fatalf("the writer exited: %s", c.stderr.String())
		}
		select {
		case <-c.deadline:
			t.Fatalf("the writer acknowledged fewer than %d writes", n)
		case <-time.After(time.Millisecond):
		}
	}
}

// StopMidWrite stops the child at random moments until mid, given the events so far, says it
// is in the middle of a write, and returns those events with the child stopped. A nil mid
// means a write begun and not acknowledged.
func (c *Child) StopMidWrite(t testing.TB, mid func(done, begun int) bool) (done, begun int) {
	t.Helper()
	if mid == nil {
		mid = func(done, begun int) bool { return begun > done }
	}
	for {
		c.stop(t)
		if done, begun = Read(c.dir); mid(done, begun) {
			return done, begun
		}
		if err := c.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatalf("resuming the writer: %v", err)
		}
		select {
		case <-c.deadline:
			t.Fatal("the writer was never stopped in the middle of a write")
		case <-time.After(time.Duration(rand.IntN(300)) * time.Microsecond):
		}
	}
}

// Kill kills the child (SIGKILL) and reaps it.
func (c *Child) Kill(t testing.TB) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatalf("killing the writer: %v", err)
	}
	_ = c.cmd.Wait()
}

// stop stops the child (SIGSTOP) and returns once it is stopped.
func (c *Child) stop(t testing.TB) {
	t.Helper()
	pid := c.cmd.Process.Pid
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("stopping the writer: %v", err)
	}
	var status syscall.WaitStatus
	if _, err := syscall.Wait4(pid, &status, syscall.WUNTRACED, nil); err != nil {
		t.Fatalf("waiting for the writer to stop: %v", err)
	}
	if !status.Stopped() {
		t.Fatalf("the writer exited instead of stopping (%v): %s", status, c.stderr.String())
	}
}

// exited reports whether the child has exited (and reaps it).
func (c *Child) exited() bool {
	var status syscall.WaitStatus
	got, err := syscall.Wait4(c.cmd.Process.Pid, &status, syscall.WNOHANG, nil)
	return err != nil || got == c.cmd.Process.Pid
}
