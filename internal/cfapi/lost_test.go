package cfapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/cfapi"
	"github.com/lumier-dev/lumier/local"
	"github.com/lumier-dev/lumier/local/d1"
)

// TestAssetsUploadSurvivesALostAnswer: a bucket upload whose connection drops after it landed is
// sent again (the files are stored by the hash of their content, so the repeat stores the same
// bytes), and the completion token it returns serves the assets.
func TestAssetsUploadSurvivesALostAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := startFaultyCloud(t)
	hash := strings.Repeat("a", 32)
	manifest := map[string]cfapi.AssetEntry{"/index.html": {Hash: hash, Size: int64(len("<h1>home</h1>"))}}

	f.drop(t, "POST", "/accounts/*/workers/assets/upload")
	jwt, sent, err := f.c.Assets.Sync(ctx, "site", manifest, func(string) (cfapi.AssetContent, error) {
		return cfapi.AssetContent{Content: []byte("<h1>home</h1>"), ContentType: "text/html"}, nil
	})
	require.NoError(t, err, "a bucket whose answer was lost is sent again")
	assert.Equal(t, 1, sent)
	calls := f.srv.Calls()
	assert.Equal(t, 1, calls[local.CallDropped], "calls: %v", calls)
	assert.Equal(t, 2, calls[local.CallAssetsUpload], "the lost upload and its repeat: %v", calls)

	md := cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17", Assets: &cfapi.Assets{JWT: jwt}}
	require.NoError(t, f.c.Scripts.Upload(ctx, "site", md, []cfapi.Module{{Name: "index.js", Content: []byte(assetsWorker)}}))
	url, err := f.c.Scripts.SetWorkersDev(ctx, "site", true)
	require.NoError(t, err)
	status, body, _ := get(t, url+"/")
	assert.Equal(t, 200, status)
	assert.Equal(t, "<h1>home</h1>", body)
}

// TestVersionUploadSurvivesALostAnswer: a version upload whose connection drops after it landed
// is sent again, and the version the repeat made is the one deployed; the notice says that the
// lost upload may have left one more version, never deployed.
func TestVersionUploadSurvivesALostAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := startFaultyCloud(t)
	md := cfapi.Metadata{MainModule: "index.js", CompatibilityDate: "2025-11-17"}
	code := func(text string) []cfapi.Module {
		return []cfapi.Module{{Name: "index.js", Content: []byte(`export default { async fetch() { return new Response("` + text + `"); } };`)}}
	}
	require.NoError(t, f.c.Scripts.Upload(ctx, "api", md, code("one")))
	url, err := f.c.Scripts.SetWorkersDev(ctx, "api", true)
	require.NoError(t, err)

	f.drop(t, "POST", "/accounts/*/workers/scripts/api/versions")
	id, err := f.c.Scripts.UploadVersion(ctx, "api", md, code("two"))
	require.NoError(t, err, "a version upload whose answer was lost is sent again")
	calls := f.srv.Calls()
	assert.Equal(t, 1, calls[local.CallDropped], "calls: %v", calls)
	assert.Equal(t, 2, calls[local.CallVersionUpload], "the lost upload and its repeat: %v", calls)
	require.Len(t, f.said(), 1)
	assert.Equal(t, `script "api": the connection dropped after a version upload went out, and lumier sent it again: `+
		`version `+id+` is the one deployed; if the lost upload arrived, the script has one more version that is never deployed`,
		f.said()[0])

	require.NoError(t, f.c.Scripts.Deploy(ctx, "api", []cfapi.VersionShare{{VersionID: id, Percentage: 100}}))
	_, body, _ := get(t, url+"/")
	assert.Equal(t, "two", body)
}

// TestD1QueryIsNotSentAgainAfterALostAnswer: a D1 query may not be idempotent, so one whose
// connection drops is not sent again, and the error says what happened: the query went out, and
// Cloudflare may or may not have run it (here it did, once).
func TestD1QueryIsNotSentAgainAfterALostAnswer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	f := startFaultyCloud(t)
	db, err := f.c.D1.CreateDatabase(ctx, "app-dev-db")
	require.NoError(t, err)
	_, err = f.c.D1.Query(ctx, db.ID, "CREATE TABLE hits (n INTEGER)")
	require.NoError(t, err)

	f.drop(t, "POST", "/accounts/*/d1/database/*/query")
	f.srv.ResetCalls()
	_, err = f.c.D1.Query(ctx, db.ID, "INSERT INTO hits VALUES (1)")
	require.Error(t, err)
	var lost *cfapi.LostAnswerError
	require.True(t, errors.As(err, &lost), "%v", err)
	assert.Contains(t, err.Error(), `querying D1 database "`+db.ID+`": the connection to the Cloudflare API at `+f.srv.URL()+
		` dropped after the request went out, before any answer (`)
	assert.Contains(t, err.Error(), `): Cloudflare may or may not have carried it out, and lumier does not send it again, `+
		`since doing it twice is not the same as doing it once`)
	assert.NotContains(t, err.Error(), f.srv.Token())
	assert.Equal(t, 1, f.srv.Calls()[d1.CallQuery], "sent once: %v", f.srv.Calls())

	res, err := f.c.D1.Query(ctx, db.ID, "SELECT count(*) AS n FROM hits")
	require.NoError(t, err)
	assert.Equal(t, cfapi.D1Rows{{"n": float64(1)}}, res[0], "the lost query ran once")
}
