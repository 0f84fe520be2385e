package local

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/option"
	cfr2 "github.com/cloudflare/cloudflare-go/v4/r2"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/r2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestR2APIBuckets(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	c := newClient(s, option.WithMaxRetries(0)) // cloudflare-go retries a 409, which would double-count the refusals
	acct := cloudflare.F(s.AccountID())

	b, err := c.R2.Buckets.New(ctxT(t), cfr2.BucketNewParams{AccountID: acct, Name: cloudflare.F("app-dev-files"),
		LocationHint: cloudflare.F(cfr2.BucketNewParamsLocationHintWeur), StorageClass: cloudflare.F(cfr2.BucketNewParamsStorageClassInfrequentAccess)})
	require.NoError(t, err)
	assert.Equal(t, "app-dev-files", b.Name)
	assert.Equal(t, cfr2.BucketLocationWeur, b.Location)
	assert.Equal(t, cfr2.BucketStorageClassInfrequentAccess, b.StorageClass)
	assert.NotEmpty(t, b.CreationDate)
	_, err = c.R2.Buckets.New(ctxT(t), cfr2.BucketNewParams{AccountID: acct, Name: cloudflare.F("app-dev-files")})
	requireCode(t, err, r2.CodeBucketTaken, "already exists")
	_, err = c.R2.Buckets.New(ctxT(t), cfr2.BucketNewParams{AccountID: acct, Name: cloudflare.F("Bad_Name")})
	requireCode(t, err, r2.CodeInvalidName, "not valid")

	edited, err := c.R2.Buckets.Edit(ctxT(t), "app-dev-files", cfr2.BucketEditParams{AccountID: acct,
		StorageClass: cloudflare.F(cfr2.BucketEditParamsCfR2StorageClassStandard)})
	require.NoError(t, err)
	assert.Equal(t, cfr2.BucketStorageClassStandard, edited.StorageClass)
	list, err := c.R2.Buckets.List(ctxT(t), cfr2.BucketListParams{AccountID: acct})
	require.NoError(t, err)
	require.Len(t, list.Buckets, 1)

	// Objects: put, list (one page of one), refusal to delete the bucket, then delete.
	for _, k := range []string{"one", "dir/two"} {
		res := raw(t, s, http.MethodPut, "/accounts/"+s.AccountID()+"/r2/buckets/app-dev-files/objects/"+k, s.Token(), "text/plain", []byte(k))
		require.True(t, res.Success, "%+v", res)
	}
	res := raw(t, s, http.MethodGet, "/accounts/"+s.AccountID()+"/r2/buckets/app-dev-files/objects?per_page=1", s.Token(), "", nil)
	require.True(t, res.Success, "%+v", res)
	var objs []struct {
		Key          string `json:"key"`
		HTTPMetadata struct {
			ContentType string `json:"contentType"`
		} `json:"http_metadata"`
	}
	require.NoError(t, json.Unmarshal(res.Result, &objs))
	require.Len(t, objs, 1)
	assert.Equal(t, "dir/two", objs[0].Key)
	assert.Equal(t, "text/plain", objs[0].HTTPMetadata.ContentType)

	_, err = c.R2.Buckets.Delete(ctxT(t), "app-dev-files", cfr2.BucketDeleteParams{AccountID: acct})
	requireCode(t, err, r2.CodeBucketNotEmpty, "not empty")
	for _, k := range []string{"one", "dir%2Ftwo"} {
		res := raw(t, s, http.MethodDelete, "/accounts/"+s.AccountID()+"/r2/buckets/app-dev-files/objects/"+k, s.Token(), "", nil)
		require.True(t, res.Success, "%+v", res)
	}
	_, err = c.R2.Buckets.Delete(ctxT(t), "app-dev-files", cfr2.BucketDeleteParams{AccountID: acct})
	require.NoError(t, err)
	_, err = c.R2.Buckets.Get(ctxT(t), "app-dev-files", cfr2.BucketGetParams{AccountID: acct})
	requireCode(t, err, r2.CodeNoSuchBucket, "does not exist")
	assert.Equal(t, 6, s.Calls()[r2.CallEditBuckets], "three creates, the edit and two deletes counted as edits")
}

// TestR2BindingKeepsContentsAcrossRestart: a Worker's r2_bucket binding on workerd puts, gets
// (whole and ranged), heads, lists and deletes objects with custom and HTTP metadata, and what
// it wrote survives a restart of the local Cloudflare.
func TestR2BindingKeepsContentsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	_, err := c.R2.Buckets.New(ctxT(t), cfr2.BucketNewParams{AccountID: acct, Name: cloudflare.F("restart-files")})
	require.NoError(t, err)

	_, err = putScript(t, s, "r2w", meta(map[string]any{"bindings": []any{r2Binding("FILES", "no-such-bucket")}}),
		module{Name: "index.js", Src: r2Worker})
	requireCode(t, err, envelope.CodeValidation, "R2 bucket 'no-such-bucket' is not valid")

	mustUpload(t, s, "r2w", meta(map[string]any{"bindings": []any{r2Binding("FILES", "restart-files")}}), module{Name: "index.js", Src: r2Worker})
	url := enableWorkersDev(t, s, "r2w")

	code, body := call(t, http.MethodPut, url+"/docs/greeting.txt", "hello world")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, `"etag":"5eb63bbbe01eeed093cb22bb8f5acdc3"`)
	code, body = call(t, http.MethodGet, url+"/docs/greeting.txt", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"text":"hello world","custom":{"by":"worker"},"type":"text/plain","size":11}`, body)
	code, body = call(t, http.MethodGet, url+"/docs/greeting.txt?range=6", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"text":"world","range":{"offset":6,"length":5}}`, body, "a ranged get slices and echoes the range")
	code, body = call(t, http.MethodGet, url+"/docs/greeting.txt?head=1", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"size":11,"custom":{"by":"worker"}}`, body)
	code, body = call(t, http.MethodGet, url+"/docs/greeting.txt?ifNoneMatch=5eb63bbbe01eeed093cb22bb8f5acdc3", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"bodyless":true}`, body, "a failed precondition answers the object without its body")
	code, body = call(t, http.MethodGet, url+"/missing", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"missing":true}`, body)
	code, body = call(t, http.MethodPut, url+"/top.txt", "x")
	require.Equal(t, http.StatusOK, code, body)
	code, body = call(t, http.MethodGet, url+"/?list=1", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"keys":["top.txt"],"prefixes":["docs/"],"custom":[{"by":"worker"}],"truncated":false}`, body)

	require.NoError(t, s.Close())
	s2 := startServer(t, dir, Options{})
	url2, ok := s2.ScriptURL("r2w")
	require.True(t, ok)
	code, body = call(t, http.MethodGet, url2+"/docs/greeting.txt", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"text":"hello world","custom":{"by":"worker"},"type":"text/plain","size":11}`, body, "R2 contents kept across a restart")
	code, body = call(t, http.MethodDelete, url2+"/docs/greeting.txt", "")
	require.Equal(t, http.StatusOK, code, body)
	code, body = call(t, http.MethodGet, url2+"/docs/greeting.txt", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"missing":true}`, body)
}

func r2Binding(name, bucket string) map[string]any {
	return map[string]any{"type": "r2_bucket", "name": name, "bucket_name": bucket}
}

// r2Worker exercises put/get/head/list/delete with metadata, ranges and preconditions through
// env.FILES.
const r2Worker = `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const key = url.pathname.slice(1);
    if (req.method === "PUT") {
      const o = await env.FILES.put(key, await req.text(), { customMetadata: { by: "worker" }, httpMetadata: { contentType: "text/plain" } });
      return Response.json({ key: o.key, etag: o.etag, size: o.size });
    }
    if (req.method === "DELETE") { await env.FILES.delete(key); return new Response("ok"); }
    if (url.searchParams.has("list")) {
      const l = await env.FILES.list({ delimiter: "/", include: ["customMetadata"] });
      return Response.json({ keys: l.objects.map(o => o.key), prefixes: l.delimitedPrefixes,
        custom: l.objects.map(o => o.customMetadata), truncated: l.truncated });
    }
    if (url.searchParams.has("head")) {
      const o = await env.FILES.head(key);
      return Response.json({ size: o.size, custom: o.customMetadata });
    }
    if (url.searchParams.has("range")) {
      const o = await env.FILES.get(key, { range: { offset: Number(url.searchParams.get("range")) } });
      return Response.json({ text: await o.text(), range: o.range });
    }
    if (url.searchParams.has("ifNoneMatch")) {
      const o = await env.FILES.get(key, { onlyIf: { etagDoesNotMatch: url.searchParams.get("ifNoneMatch") } });
      return Response.json({ bodyless: !("body" in o) });
    }
    const o = await env.FILES.get(key);
    if (o === null) return Response.json({ missing: true });
    return Response.json({ text: await o.text(), custom: o.customMetadata, type: o.httpMetadata.contentType, size: o.size });
  },
};
`
