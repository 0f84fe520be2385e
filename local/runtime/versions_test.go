package runtime

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestRolloutService(t *testing.T) {
	assert.NotEqual(t, rolloutService("a", "b"), "a", "never a script name")
	assert.Regexp(t, `^a--V`, rolloutService("a", "0000-1111"))
}
