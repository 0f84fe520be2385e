//go:build unix

package storage

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLockIsExclusiveUntilReleased(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(path)
	require.NoError(t, err)
	_, err = Lock(path)
	assert.EqualError(t, err, "already in use by another lumier local (stop it, or pass another --state)")
	require.NoError(t, unlock())
	unlock, err = Lock(path)
	require.NoError(t, err, "released by the function Lock returned")
	require.NoError(t, unlock())
}
