package workerd

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
)

// tailLines is how many lines of workerd's stderr a process keeps for error messages. Startup
// errors are a few lines; the rest is context for crash reports.
const tailLines = 40

// output is an io.Writer for one of workerd's output streams: it logs every line and, for
// stderr, keeps the last tailLines lines. exec.Cmd copies the stream into it and Wait returns
// only once the stream is drained, so after Wait the tail is complete.
type output struct {
	logger *slog.Logger
	level  slog.Level
	stream string
	keep   bool

	mu      sync.Mutex
	partial []byte
	tail    []string
	// marker is a line that is not workerd's (see stderrPipe.sync): it closes markerSeen
	// instead of being logged.
	marker     string
	markerSeen chan struct{}
}

func newOutput(logger *slog.Logger, level slog.Level, stream string, keep bool) *output {
	return &output{logger: logger, level: level, stream: stream, keep: keep}
}

// Write logs each complete line of p and buffers the rest.
func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			break
		}
		o.line(string(bytes.TrimRight(o.partial[:i], "\r")))
		o.partial = o.partial[i+1:]
	}
	return len(p), nil
}

// flush emits a last line that had no newline; call it once the process has exited.
func (o *output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.partial) > 0 {
		o.line(string(o.partial))
		o.partial = nil
	}
}

// awaitLine registers marker; the channel is closed once a line equal to it is written.
func (o *output) awaitLine(marker string) <-chan struct{} {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.marker, o.markerSeen = marker, make(chan struct{})
	return o.markerSeen
}

func (o *output) line(s string) {
	if o.marker != "" && s == o.marker {
		close(o.markerSeen)
		o.marker = ""
		return
	}
	if s == "" {
		return // nothing to log, nothing to show in an error
	}
	o.logger.Log(context.Background(), o.level, s, "stream", o.stream)
	if !o.keep {
		return
	}
	if len(o.tail) == tailLines {
		o.tail = append(o.tail[:0], o.tail[1:]...)
	}
	o.tail = append(o.tail, s)
}

// lines returns a copy of the kept lines.
func (o *output) lines() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.tail...)
}
