package analytics

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// post hands the sink one event as workerd posts it (Data fields as arrays of bytes), from
// script to dataset, and returns the answer's status.
func post(t *testing.T, a *Sink, dataset, event string) int {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(event))
	r.Header.Set(scriptHeader, "writer")
	r.Header.Set(datasetHeader, dataset)
	w := httptest.NewRecorder()
	a.serve(w, r)
	return w.Code
}

// byteArray is b as Cap'n Proto's JSON codec writes Data: an array of numbers.
func byteArray(b []byte) string {
	parts := make([]string, len(b))
	for i, v := range b {
		parts[i] = fmt.Sprint(v)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func newSink(t *testing.T) *Sink {
	t.Helper()
	return NewSink(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// TestBinaryBlobsAreKeptInBase64: a blob or index that is not UTF-8 (a Worker's ArrayBuffer) is
// read back in base64, its column named, byte for byte; text stays text.
func TestBinaryBlobsAreKeptInBase64(t *testing.T) {
	a := newSink(t)
	binary := []byte{0xff, 0x00, 0x01, 0xc3}
	event := `{"timestamp": "1700000000000000000", "index1": ` + byteArray([]byte{0xc8}) +
		`, "blob1": ` + byteArray([]byte("/home")) + `, "blob2": ` + byteArray(binary) + `, "double1": 1}`
	require.Equal(t, http.StatusOK, post(t, a, "page_views", event))

	points, err := a.points("page_views")
	require.NoError(t, err)
	require.Len(t, points, 1)
	p := points[0]
	assert.Equal(t, []string{"index1", "blob2"}, p.Base64)
	assert.Equal(t, "/home", p.Blobs[0], "a UTF-8 blob is its text")
	got, err := base64.StdEncoding.DecodeString(p.Blobs[1])
	require.NoError(t, err, "blob2 is base64")
	assert.Equal(t, binary, got)
	index, err := base64.StdEncoding.DecodeString(p.Index1)
	require.NoError(t, err, "index1 is base64")
	assert.Equal(t, []byte{0xc8}, index)
}

// TestFileStaysUnderItsLimit: points written well past the file's limit leave the file under
// it, the newest kept in order and the oldest dropped. The limit is MaxFileBytes; the test sets
// a smaller one, so as not to write tens of megabytes.
func TestFileStaysUnderItsLimit(t *testing.T) {
	a := newSink(t)
	require.Equal(t, int64(MaxFileBytes), a.limit)
	a.limit = 256 << 10
	blob := byteArray(bytes.Repeat([]byte("x"), 16_000))
	n := 0
	for written := int64(0); written < a.limit*5/2; written += 16_000 {
		n++
		event := fmt.Sprintf(`{"timestamp": "1700000000000000000", "blob1": %s, "double1": %d}`, blob, n)
		require.Equal(t, http.StatusOK, post(t, a, "big", event))
	}
	info, err := os.Stat(filepath.Join(filepath.Dir(a.file), "analytics.jsonl"))
	require.NoError(t, err)
	assert.LessOrEqual(t, info.Size(), a.limit, "the file's size after %d points of 16 KB", n)

	points, err := a.points("big")
	require.NoError(t, err)
	require.NotEmpty(t, points)
	assert.Less(t, len(points), n, "the oldest points are dropped")
	for i, p := range points {
		assert.Equal(t, float64(n-len(points)+1+i), p.Doubles[0], "point %d of the %d kept: the newest, in order", i, len(points))
	}
}
