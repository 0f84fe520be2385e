package local

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCalls(t *testing.T) {
	var c calls
	assert.Equal(t, map[string]int{}, c.snapshot())
	c.add(CallUpload)
	c.add(CallListScripts)
	c.add(CallSetWorkersDev)
	snap := c.snapshot()
	assert.Equal(t, map[string]int{CallUpload: 1, CallListScripts: 1, CallSetWorkersDev: 1}, snap)
	snap[CallUpload] = 99
	assert.Equal(t, 1, c.snapshot()[CallUpload], "snapshots are copies")
	assert.Equal(t, 2, c.mutating())
	c.reset()
	assert.Equal(t, 0, c.mutating())
}
