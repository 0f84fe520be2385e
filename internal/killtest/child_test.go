//go:build unix

package killtest

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

const childEnv = "LUMIER_TEST_KILLTEST_DIR"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		e, err := OpenEvents(dir)
		for n := 1; err == nil; n++ {
			if err = e.Begin(n); err == nil {
				time.Sleep(time.Millisecond) // the write
				err = e.Done(n)
			}
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// TestChildStoppedMidWrite: the child is stopped, and then killed, between a write's begin and
// its acknowledgement, and the events say so.
func TestChildStoppedMidWrite(t *testing.T) {
	dir := t.TempDir()
	c := Start(t, childEnv, dir)
	c.WaitDone(t, 3)
	done, begun := c.StopMidWrite(t, nil)
	c.Kill(t)
	assert.GreaterOrEqual(t, done, 3)
	assert.Equal(t, done+1, begun, "stopped in the middle of the write after the last acknowledged one")
	again, _ := Read(dir)
	assert.Equal(t, done, again, "nothing was acknowledged after the kill")
}
