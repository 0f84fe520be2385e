package local

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomJS is a module of n random base64 characters, about 3n/4 bytes after gzip.
func randomJS(t *testing.T, n int) string {
	t.Helper()
	raw := make([]byte, n*3/4)
	_, err := rand.Read(raw)
	require.NoError(t, err)
	return "export default { fetch() { return new Response(\"" + base64.StdEncoding.EncodeToString(raw) + "\"); } };"
}

func TestUploadOverSizeLimitRefusedWithCloudflaresCode(t *testing.T) {
	s := sharedServer(t)
	big := randomJS(t, 14<<20) // ~10.5 MiB after gzip
	_, err := putScript(t, s, "too-large", meta(nil), module{"index.js", big})
	requireCode(t, err, codeScriptTooLarge, "Your Worker exceeded the size limit of 10 MiB. Refer to the Workers documentation")
	_, status, _ := apiCode(t, err)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.NotContains(t, s.Scripts(), "too-large", "nothing stored")
}

func TestCheckWorkerSizeCountsCompressedBytes(t *testing.T) {
	// 20 MiB that compress to almost nothing pass: the limit is on the gzip size.
	zeros := make([]byte, 20<<20)
	assert.Nil(t, checkWorkerSize([]uploadedModule{{name: "index.js", content: zeros}}))
	// Two modules that are each under the limit but together over it are refused.
	half := []byte(randomJS(t, 7<<20))
	assert.NotNil(t, checkWorkerSize([]uploadedModule{{name: "a.js", content: half}, {name: "b.js", content: half}}))
}
