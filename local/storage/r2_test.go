package storage

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestR2BucketsAndObjects(t *testing.T) {
	db, _ := openTest(t)
	r2 := db.R2()
	require.NoError(t, r2.CreateBucket(R2Bucket{Name: "b", Doc: []byte(`{"v":1}`)}))
	assert.ErrorIs(t, r2.CreateBucket(R2Bucket{Name: "b", Doc: []byte(`{}`)}), ErrR2BucketTaken)
	require.NoError(t, r2.UpdateBucket(R2Bucket{Name: "b", Doc: []byte(`{"v":2}`)}))
	assert.ErrorIs(t, r2.UpdateBucket(R2Bucket{Name: "nope", Doc: []byte(`{}`)}), ErrR2BucketMissing)
	buckets, err := r2.Buckets()
	require.NoError(t, err)
	assert.Equal(t, []R2Bucket{{"b", []byte(`{"v":2}`)}}, buckets)

	assert.ErrorIs(t, r2.PutObject("nope", "k", []byte(`{}`)), ErrR2BucketMissing)
	for _, k := range []string{"b/2", "a", "b/1", "c"} {
		require.NoError(t, r2.PutObject("b", k, []byte(`"`+k+`"`)))
	}
	require.NoError(t, r2.PutObject("b", "a", []byte(`"a2"`)))
	doc, ok, err := r2.Object("b", "a")
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, `"a2"`, string(doc))
	_, ok, err = r2.Object("b", "zz")
	require.NoError(t, err)
	assert.False(t, ok)

	var seen []string
	require.NoError(t, r2.Objects("b", "b/", func(k string, _ []byte) bool {
		seen = append(seen, k)
		return len(seen) < 2
	}))
	assert.Equal(t, []string{"b/1", "b/2"}, seen, "from b/, in key order, until fn stops")

	assert.ErrorIs(t, r2.DeleteBucket("b"), ErrR2BucketNotEmpty)
	removed, err := r2.DeleteObjects("b", []string{"a", "b/1", "b/2", "c", "never"})
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"a": []byte(`"a2"`), "b/1": []byte(`"b/1"`), "b/2": []byte(`"b/2"`), "c": []byte(`"c"`)}, removed)
	require.NoError(t, r2.DeleteBucket("b"))
	assert.ErrorIs(t, r2.DeleteBucket("b"), ErrR2BucketMissing)
}
