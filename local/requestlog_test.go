package local

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/requestlog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readRequestLog parses the request log's lines.
func readRequestLog(t testing.TB, path string) []requestlog.Record {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var out []requestlog.Record
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var rec requestlog.Record
		require.NoError(t, json.Unmarshal(sc.Bytes(), &rec), sc.Text())
		out = append(out, rec)
	}
	return out
}

// Every request is in the log, including authentication failures and unknown paths, with its
// status and error code; the token and secret values never are.
func TestRequestLog(t *testing.T) {
	var echo syncBuffer
	s := startServer(t, t.TempDir(), Options{Token: "very-secret-token-123", LogRequests: &echo})
	mustUpload(t, s, "logged", meta(map[string]any{"bindings": []any{
		map[string]any{"type": "secret_text", "name": "KEY", "text": "secret-value-456"},
	}}), module{Name: "index.js", Src: "export default { fetch() { return new Response('x') } }"})
	raw(t, s, "GET", "/no/route", s.Token(), "", nil)
	raw(t, s, "GET", "/user", "wrong", "", nil)
	raw(t, s, "GET", "/accounts/"+s.AccountID()+"/workers/services/missing", s.Token(), "", nil)

	recs := readRequestLog(t, s.RequestLogPath())
	require.Len(t, recs, 4)
	assert.Equal(t, requestlog.Record{Method: "PUT", Path: "/client/v4/accounts/" + s.AccountID() + "/workers/scripts/logged", Status: 200},
		requestlog.Record{Method: recs[0].Method, Path: recs[0].Path, Status: recs[0].Status, Code: recs[0].Code})
	assert.Equal(t, []int{404, 403, 404}, []int{recs[1].Status, recs[2].Status, recs[3].Status})
	assert.Equal(t, []int{envelope.CodeNoRoute, envelope.CodeAuthentication, envelope.CodeScriptNotFound}, []int{recs[1].Code, recs[2].Code, recs[3].Code})
	assert.Greater(t, recs[0].DurationMs, 0.0)
	assert.WithinDuration(t, time.Now(), recs[0].Time, time.Minute)

	file, err := os.ReadFile(s.RequestLogPath())
	require.NoError(t, err)
	for _, out := range []string{string(file), echo.String()} {
		assert.NotContains(t, out, "very-secret-token-123")
		assert.NotContains(t, out, "secret-value-456")
	}
	assert.Contains(t, echo.String(), "GET /client/v4/user -> 403 code=10000")
}

// syncBuffer is a bytes.Buffer safe to read while the server writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
