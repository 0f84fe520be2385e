package calls

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestCounter(t *testing.T) {
	var c Counter
	assert.Equal(t, map[string]int{}, c.Snapshot())
	c.Add("upload")
	c.Add("list")
	c.Add("upload")
	snap := c.Snapshot()
	assert.Equal(t, map[string]int{"upload": 2, "list": 1}, snap)
	snap["upload"] = 99
	assert.Equal(t, 2, c.Snapshot()["upload"], "snapshots are copies")
	assert.Equal(t, 2, c.Sum(func(kind string) bool { return kind == "upload" }))
	c.Reset()
	assert.Equal(t, 0, c.Sum(func(string) bool { return true }))
}
