package assets

import (
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	hashA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	hashB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func TestAssetStoreSessions(t *testing.T) {
	dir := t.TempDir()
	a, err := Open(dir, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	m := assetManifest{"/a.txt": {Hash: hashA, Size: 1}, "/b.txt": {Hash: hashB, Size: 1}, "/copy.txt": {Hash: hashA, Size: 1}}

	token, buckets := a.startSession("site", m)
	assert.Equal(t, [][]string{{hashA, hashB}}, buckets, "each missing hash once, sorted")
	_, err = a.redeem(token, "site")
	assert.ErrorIs(t, err, errAssetToken, "a session token with files missing completes nothing")

	done, err := a.put(token, hashA, "text/plain", []byte("a"))
	require.NoError(t, err)
	assert.Empty(t, done, "not complete while b is missing")
	_, err = a.put(token, "cccccccccccccccccccccccccccccccc", "text/plain", []byte("c"))
	assert.ErrorContains(t, err, "not in the session's manifest")
	done, err = a.put(token, hashB, "text/plain", []byte("b"))
	require.NoError(t, err)
	require.NotEmpty(t, done)

	_, err = a.redeem(done, "other")
	assert.ErrorContains(t, err, `issued for script "site", not "other"`)
	id, err := a.redeem(done, "site")
	require.NoError(t, err)

	// A second session for the same files needs nothing, and its token is the completion.
	token2, buckets := a.startSession("site", m)
	assert.Empty(t, buckets)
	id2, err := a.redeem(token2, "site")
	require.NoError(t, err)
	assert.Equal(t, id, id2, "one manifest, one id")

	// Persisted: a new store on the same directory reads the manifest and the files.
	b, err := Open(dir, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	got, err := b.manifest(id)
	require.NoError(t, err)
	assert.Equal(t, m, got)
	assert.True(t, b.has(hashA))
	_, ct := b.open(hashB)
	assert.Equal(t, "text/plain", ct)
}

func TestAssetSessionsExpire(t *testing.T) {
	a, err := Open(t.TempDir(), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	now := time.Now()
	a.now = func() time.Time { return now }
	token, _ := a.startSession("site", assetManifest{"/a": {Hash: hashA, Size: 1}})
	now = now.Add(assetSessionTTL + time.Minute)
	_, err = a.put(token, hashA, "", []byte("a"))
	assert.ErrorIs(t, err, errAssetToken)
	_, err = a.session(token)
	assert.ErrorIs(t, err, errAssetToken)
}
