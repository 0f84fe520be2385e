package scripts

import (
	"crypto/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/account"
)

func TestCheckWorkerSizeCountsCompressedBytes(t *testing.T) {
	// 20 MiB that compress to almost nothing pass: the limit is on the gzip size.
	zeros := make([]byte, 20<<20)
	assert.Nil(t, checkWorkerSize(account.PlanPaid, []uploadedModule{{name: "index.js", content: zeros}}))
	// Two modules that are each under the limit but together over it are refused.
	half := randomBytes(t, 6<<20)
	assert.NotNil(t, checkWorkerSize(account.PlanPaid, []uploadedModule{{name: "a.js", content: half}, {name: "b.js", content: half}}))
	// What Workers Free refuses (3 MiB after gzip), Workers Paid takes (10 MiB).
	big := randomBytes(t, 4<<20)
	assert.NotNil(t, checkWorkerSize(account.PlanFree, []uploadedModule{{name: "index.js", content: big}}))
	assert.Nil(t, checkWorkerSize(account.PlanPaid, []uploadedModule{{name: "index.js", content: big}}))
}

// randomBytes are n random bytes, which gzip cannot shrink.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	out := make([]byte, n)
	_, err := rand.Read(out)
	require.NoError(t, err)
	return out
}
