package r2

import (
	"io"
	"strings"
	"testing"

	"github.com/lumier-dev/lumier/local/storage/storagetest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestR2StoreSurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	db := storagetest.Open(t, dir)
	st, err := Open(dir, db)
	require.NoError(t, err)
	_, err = st.create(r2BucketRecord{Name: "app-dev-files", Location: "weur"})
	require.NoError(t, err)
	_, err = st.create(r2BucketRecord{Name: "app-dev-files"})
	require.ErrorIs(t, err, errR2BucketTaken)
	put, err := st.put("app-dev-files", r2Put{Key: "a/b.txt", Custom: map[string]string{"by": "test"},
		HTTPMetadata: r2HTTPMetadata{ContentType: "text/plain"}}, strings.NewReader("hello"))
	require.NoError(t, err)
	assert.Equal(t, "5d41402abc4b2a76b9719d911017c592", put.ETag, "etag is the MD5 of the bytes")
	assert.Equal(t, "Standard", put.StorageClass, "the bucket's default storage class")

	require.NoError(t, db.Close())
	db = storagetest.Open(t, dir)
	again, err := Open(dir, db)
	require.NoError(t, err)
	o, f, err := again.open("app-dev-files", "a/b.txt")
	require.NoError(t, err)
	b, _ := io.ReadAll(f)
	f.Close()
	assert.Equal(t, "hello", string(b))
	assert.Equal(t, map[string]string{"by": "test"}, o.Custom)
	assert.Equal(t, "text/plain", o.HTTPMetadata.ContentType)

	require.ErrorIs(t, again.remove("app-dev-files"), errR2BucketNotEmpty, "a bucket holding objects is not deleted")
	require.NoError(t, again.del("app-dev-files", "a/b.txt", "never-there"))
	require.NoError(t, again.remove("app-dev-files"))
	require.NoError(t, db.Close())
	third, err := Open(dir, storagetest.Open(t, dir))
	require.NoError(t, err)
	assert.Empty(t, third.list(), "a deleted bucket stays deleted")

	// A bucket created again under the same name starts empty.
	_, err = third.create(r2BucketRecord{Name: "app-dev-files"})
	require.NoError(t, err)
	page, err := third.listObjects("app-dev-files", r2ListOptions{Limit: 10})
	require.NoError(t, err)
	assert.Empty(t, page.Objects)
}

func TestR2StoreListsWithDelimiterAndPages(t *testing.T) {
	dir := t.TempDir()
	st, err := Open(dir, storagetest.Open(t, dir))
	require.NoError(t, err)
	_, err = st.create(r2BucketRecord{Name: "pages"})
	require.NoError(t, err)
	for _, k := range []string{"a.txt", "dir/1", "dir/2", "dir/sub/3", "other/x", "z.txt"} {
		_, err := st.put("pages", r2Put{Key: k}, strings.NewReader(k))
		require.NoError(t, err)
	}
	page, err := st.listObjects("pages", r2ListOptions{Delimiter: "/", Limit: 2})
	require.NoError(t, err)
	assert.Equal(t, []string{"a.txt"}, keysOf(page.Objects))
	assert.Equal(t, []string{"dir/"}, page.DelimitedPrefixes, "a rolled-up prefix counts once")
	require.True(t, page.Truncated)
	page, err = st.listObjects("pages", r2ListOptions{Delimiter: "/", Limit: 2, After: page.Cursor})
	require.NoError(t, err)
	assert.Equal(t, []string{"other/"}, page.DelimitedPrefixes, "the next page starts after dir/'s last key")
	assert.Equal(t, []string{"z.txt"}, keysOf(page.Objects))
	assert.False(t, page.Truncated)

	page, err = st.listObjects("pages", r2ListOptions{Prefix: "dir/", Delimiter: "/", Limit: 10})
	require.NoError(t, err)
	assert.Equal(t, []string{"dir/1", "dir/2"}, keysOf(page.Objects))
	assert.Equal(t, []string{"dir/sub/"}, page.DelimitedPrefixes)

	// Preconditions: a put only if the etag matches is refused when it does not.
	cur, err := st.head("pages", "a.txt")
	require.NoError(t, err)
	_, err = st.put("pages", r2Put{Key: "a.txt", OnlyIf: r2Conditions{ETagMatches: []string{"nope"}}}, strings.NewReader("x"))
	require.ErrorIs(t, err, errR2Precondition)
	_, err = st.put("pages", r2Put{Key: "a.txt", OnlyIf: r2Conditions{ETagMatches: []string{cur.ETag}}}, strings.NewReader("x"))
	require.NoError(t, err)
	_, err = st.put("pages", r2Put{Key: "a.txt", MD5: []byte("0123456789abcdef")}, strings.NewReader("y"))
	require.ErrorIs(t, err, errR2BadDigest)
}

func keysOf(objs []r2Object) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.Key)
	}
	return out
}
