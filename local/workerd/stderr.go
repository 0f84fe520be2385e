package workerd

import (
	"crypto/rand"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// syncTimeout bounds stderrPipe.sync. The marker passes through a pipe and one goroutine; it
// arrives in microseconds unless the machine is badly overloaded.
const syncTimeout = 2 * time.Second

// stderrPipe carries workerd's stderr into an output. We keep a copy of the write end until
// release, so that sync can put a marker line behind everything workerd has written so far:
// once the marker comes out of the pipe, every earlier line is in the output. That is how a
// start tells, without a sleep, whether workerd warned before it listened.
type stderrPipe struct {
	r, w     *os.File
	released sync.Once
	copied   chan struct{} // closed when the copy into the output has stopped
}

func newStderrPipe() (*stderrPipe, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("creating workerd stderr pipe: %w", err)
	}
	return &stderrPipe{r: r, w: w, copied: make(chan struct{})}, nil
}

// abort closes both ends when the process never started.
func (sp *stderrPipe) abort() {
	sp.r.Close()
	sp.release()
}

// copyTo copies the pipe into o until EOF (every writer closed) or finish closes the read end.
func (sp *stderrPipe) copyTo(o *output) {
	defer close(sp.copied)
	_, _ = io.Copy(o, sp.r)
}

// release closes our write end; from then on EOF means workerd and its children are gone.
func (sp *stderrPipe) release() {
	sp.released.Do(func() { sp.w.Close() })
}

// finish waits, up to bound, for the copy to reach EOF once the process has exited. A child
// that outlives workerd and holds the pipe would block it forever, hence the bound.
func (sp *stderrPipe) finish(bound time.Duration) {
	sp.release()
	timer := time.NewTimer(bound)
	defer timer.Stop()
	select {
	case <-sp.copied:
	case <-timer.C:
		sp.r.Close()
		<-sp.copied
	}
}

// sync waits until everything workerd wrote to stderr before the call is in o, and reports
// whether it got there within timeout. It must run before release.
func (sp *stderrPipe) sync(o *output, timeout time.Duration) bool {
	marker := "lumier-stderr-sync-" + rand.Text()
	seen := o.awaitLine(marker)
	// The leading newline ends a line workerd may have left unfinished, so that the marker is a
	// line of its own.
	if _, err := io.WriteString(sp.w, "\n"+marker+"\n"); err != nil {
		return false
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-seen:
		return true
	case <-sp.copied:
		return false
	case <-timer.C:
		return false
	}
}
