package assets

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
)

// TestAssetFileLimitFollowsThePlan: a Worker version may have 20,000 asset files on Workers Free
// and 100,000 on Workers Paid.
func TestAssetFileLimitFollowsThePlan(t *testing.T) {
	m := assetManifest{}
	for i := range 20_001 {
		m[fmt.Sprintf("/f%d.txt", i)] = assetEntry{Hash: fmt.Sprintf("%032x", i), Size: 1}
	}
	err := checkManifest(account.PlanFree, m)
	require.NotNil(t, err)
	assert.Contains(t, err.Error(), "the manifest has 20001 files; a Worker version may have at most 20000")
	assert.Nil(t, checkManifest(account.PlanPaid, m))
}
