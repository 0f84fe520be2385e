// Package killtest proves that a store survives a kill -9 in the middle of a write. A test
// runs its own binary as a child writer (Start) that logs each write's start and end in an
// events file (Events), stops the child at random moments until it is in the middle of a write
// (StopMidWrite), kills it there, and then checks the store against the writes acknowledged.
package killtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// eventsFile is the events file's name in the child's directory.
const eventsFile = "killtest-events"

// Events is the child's side: the log of its writes.
type Events struct {
	f *os.File
}

// OpenEvents opens the events file in dir for appending.
func OpenEvents(dir string) (*Events, error) {
	f, err := os.OpenFile(filepath.Join(dir, eventsFile), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening the events file: %w", err)
	}
	return &Events{f: f}, nil
}

// Begin logs that write n starts. Each event is one write(2), so the file of a stopped child
// ends with what it was doing.
func (e *Events) Begin(n int) error { return e.log("begin", n) }

// Done logs that write n is acknowledged: the store returned.
func (e *Events) Done(n int) error { return e.log("done", n) }

func (e *Events) log(what string, n int) error {
	if _, err := fmt.Fprintf(e.f, "%s %d\n", what, n); err != nil {
		return fmt.Errorf("logging %s %d: %w", what, n, err)
	}
	return nil
}

// Read reads the events file in dir: the last write acknowledged and the last one begun (0
// for none).
func Read(dir string) (done, begun int) {
	b, _ := os.ReadFile(filepath.Join(dir, eventsFile))
	for _, line := range strings.Split(string(b), "\n") {
		what, n, ok := strings.Cut(line, " ")
		v, err := strconv.Atoi(n)
		if !ok || err != nil {
			continue
		}
		switch what {
		case "done":
			done = v
		case "begin":
			begun = v
		}
	}
	return done, begun
}
