package killtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEventsRead(t *testing.T) {
	dir := t.TempDir()
	done, begun := Read(dir)
	assert.Equal(t, [2]int{0, 0}, [2]int{done, begun}, "no file yet: nothing happened")
	e, err := OpenEvents(dir)
	require.NoError(t, err)
	require.NoError(t, e.Begin(1))
	require.NoError(t, e.Done(1))
	require.NoError(t, e.Begin(2))
	done, begun = Read(dir)
	assert.Equal(t, [2]int{1, 2}, [2]int{done, begun}, "write 2 begun, not acknowledged")
}
