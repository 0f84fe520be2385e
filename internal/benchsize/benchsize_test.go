package benchsize

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFromEnv(t *testing.T) {
	t.Setenv("LUMIER_TEST_SIZES", "")
	got, err := FromEnv("LUMIER_TEST_SIZES", []int{10, 100})
	require.NoError(t, err)
	assert.Equal(t, []int{10, 100}, got)

	t.Setenv("LUMIER_TEST_SIZES", "3, 30")
	got, err = FromEnv("LUMIER_TEST_SIZES", []int{10})
	require.NoError(t, err)
	assert.Equal(t, []int{3, 30}, got)

	t.Setenv("LUMIER_TEST_SIZES", "10,x")
	_, err = FromEnv("LUMIER_TEST_SIZES", nil)
	assert.EqualError(t, err, `LUMIER_TEST_SIZES="10,x": want sizes separated by commas, such as 10,100`)
}
