package workerd

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStderrSyncWaitsForEarlierLines: once sync returns, every line written before it is in
// the output, an unfinished one included, and the marker itself is neither kept nor logged.
func TestStderrSyncWaitsForEarlierLines(t *testing.T) {
	logs := &logSink{tb: t}
	out := newOutput(slog.New(slog.NewTextHandler(logs, nil)), slog.LevelWarn, "stderr", true)
	sp, err := newStderrPipe()
	require.NoError(t, err)
	go sp.copyTo(out)

	_, err = io.WriteString(sp.w, "first\nsecond\nunfinished")
	require.NoError(t, err)
	require.True(t, sp.sync(out, 5*time.Second))
	assert.Equal(t, []string{"first", "second", "unfinished"}, out.lines())
	assert.False(t, logs.contains("lumier-stderr-sync"), "the marker is not logged")

	_, err = io.WriteString(sp.w, "after\n")
	require.NoError(t, err)
	sp.finish(5 * time.Second)
	assert.Equal(t, []string{"first", "second", "unfinished", "after"}, out.lines())
}

// TestStderrSyncAfterReleaseFails: once our write end is closed there is nothing to sync with.
func TestStderrSyncAfterReleaseFails(t *testing.T) {
	out := newOutput(slog.New(slog.DiscardHandler), slog.LevelWarn, "stderr", true)
	sp, err := newStderrPipe()
	require.NoError(t, err)
	go sp.copyTo(out)
	sp.release()
	assert.False(t, sp.sync(out, time.Second))
	sp.finish(time.Second)
}
