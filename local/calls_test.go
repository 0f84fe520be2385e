package local

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// Uploads and workers.dev changes change the account; a list does not.
func TestMutatingCalls(t *testing.T) {
	assert.True(t, mutatingCalls[CallUpload])
	assert.True(t, mutatingCalls[CallSetWorkersDev])
	assert.False(t, mutatingCalls[CallListScripts])
}
