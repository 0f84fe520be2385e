package ids

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestUUID(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 100; i++ {
		id := UUID()
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
		assert.False(t, seen[id])
		seen[id] = true
	}
}

func TestNew(t *testing.T) {
	assert.Regexp(t, `^[0-9a-f]{32}$`, New())
	assert.NotEqual(t, New(), New())
}
