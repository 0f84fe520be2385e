package local

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/scripts"
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
	_, err := putScript(t, s, "too-large", meta(nil), module{Name: "index.js", Src: big})
	requireCode(t, err, scripts.CodeScriptTooLarge, "Your Worker exceeded the size limit of 10 MiB. Refer to the Workers documentation")
	_, status, _ := apiCode(t, err)
	assert.Equal(t, http.StatusBadRequest, status)
	assert.NotContains(t, s.Scripts(), "too-large", "nothing stored")
}

// TestFreePlanRefusesOver3MiB: a new account (Workers Free) takes a Worker of at most 3 MiB after
// gzip, in Cloudflare's words; the paid plans take it.
func TestFreePlanRefusesOver3MiB(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{Plan: PlanFree})
	big := randomJS(t, 5<<20) // ~3.75 MiB after gzip
	_, err := putScript(t, s, "free-large", meta(nil), module{Name: "index.js", Src: big})
	requireCode(t, err, scripts.CodeScriptTooLarge, "Your Worker exceeded the size limit of 3 MiB. Refer to the Workers documentation")
}
