package local

import (
	"net/http"
	"testing"

	"github.com/cloudflare/cloudflare-go/v4"
	cfd1 "github.com/cloudflare/cloudflare-go/v4/d1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/internal/shapetest"
	"github.com/lumier-dev/lumier/local/d1"
	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/runtime"
)

// TestD1APIDatabasesAndQueries drives the D1 API through cloudflare-go: create, get, list,
// query (objects), raw (rows and columns), an SQL error, delete and the not-found answer.
func TestD1APIDatabasesAndQueries(t *testing.T) {
	s := startServer(t, t.TempDir(), Options{})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())

	db, err := c.D1.Database.New(ctxT(t), cfd1.DatabaseNewParams{AccountID: acct, Name: cloudflare.F("app-dev-db")})
	require.NoError(t, err)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, db.UUID)
	assert.Equal(t, "app-dev-db", db.Name)
	_, err = c.D1.Database.New(ctxT(t), cfd1.DatabaseNewParams{AccountID: acct, Name: cloudflare.F("app-dev-db")})
	requireCode(t, err, d1.CodeNameTaken, "already exists")
	_, err = c.D1.Database.New(ctxT(t), cfd1.DatabaseNewParams{AccountID: acct, Name: cloudflare.F("Bad Name")})
	requireCode(t, err, envelope.CodeValidation, "is invalid")

	q, err := c.D1.Database.Query(ctxT(t), db.UUID, cfd1.DatabaseQueryParams{AccountID: acct,
		Sql: cloudflare.F("CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT); INSERT INTO kv VALUES ('a', '1'), ('b', '2')")})
	require.NoError(t, err)
	require.Len(t, q.Result, 2)
	assert.Equal(t, float64(2), q.Result[1].Meta.Changes)
	q, err = c.D1.Database.Query(ctxT(t), db.UUID, cfd1.DatabaseQueryParams{AccountID: acct,
		Sql: cloudflare.F("SELECT k, v FROM kv WHERE k = ?"), Params: cloudflare.F([]string{"b"})})
	require.NoError(t, err)
	require.Len(t, q.Result, 1)
	assert.Equal(t, []any{map[string]any{"k": "b", "v": "2"}}, q.Result[0].Results)

	r, err := c.D1.Database.Raw(ctxT(t), db.UUID, cfd1.DatabaseRawParams{AccountID: acct, Sql: cloudflare.F("SELECT k, v FROM kv ORDER BY k")})
	require.NoError(t, err)
	require.Len(t, r.Result, 1)
	assert.Equal(t, []string{"k", "v"}, r.Result[0].Results.Columns)
	assert.Len(t, r.Result[0].Results.Rows, 2)

	_, err = c.D1.Database.Query(ctxT(t), db.UUID, cfd1.DatabaseQueryParams{AccountID: acct, Sql: cloudflare.F("SELECT * FROM nope")})
	requireCode(t, err, d1.CodeSQL, "no such table: nope: SQLITE_ERROR")

	got, err := c.D1.Database.Get(ctxT(t), db.UUID, cfd1.DatabaseGetParams{AccountID: acct})
	require.NoError(t, err)
	assert.Equal(t, float64(1), got.NumTables)
	assert.Positive(t, got.FileSize)
	list, err := c.D1.Database.List(ctxT(t), cfd1.DatabaseListParams{AccountID: acct, Name: cloudflare.F("dev-db")})
	require.NoError(t, err)
	require.Len(t, list.Result, 1)
	assert.Equal(t, db.UUID, list.Result[0].UUID)

	_, err = c.D1.Database.Delete(ctxT(t), db.UUID, cfd1.DatabaseDeleteParams{AccountID: acct})
	require.NoError(t, err)
	_, err = c.D1.Database.Get(ctxT(t), db.UUID, cfd1.DatabaseGetParams{AccountID: acct})
	requireCode(t, err, d1.CodeNotFound, "could not be found")
	assert.Equal(t, 4, s.Calls()[d1.CallQuery])
	assert.Equal(t, 4, s.Calls()[d1.CallEditDatabases], "creates (one refused twice) and the delete")
}

// TestD1BindingKeepsRowsAcrossRestart: a Worker's d1 binding on workerd runs prepare/bind with
// first, all, run, raw, batch and exec; a failing batch changes nothing; the API sees the rows,
// and they survive a restart of the local Cloudflare.
func TestD1BindingKeepsRowsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	s := startServer(t, dir, Options{})
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	db, err := c.D1.Database.New(ctxT(t), cfd1.DatabaseNewParams{AccountID: acct, Name: cloudflare.F("bound")})
	require.NoError(t, err)

	_, err = putScript(t, s, "d1w", meta(map[string]any{"bindings": []any{d1Binding("DB", "00000000-0000-4000-8000-000000000000")}}),
		module{Name: "index.js", Src: d1Worker})
	requireCode(t, err, runtime.CodeD1BindingInvalid, "which was not found")
	mustUpload(t, s, "d1w", meta(map[string]any{"bindings": []any{d1Binding("DB", db.UUID)}}), module{Name: "index.js", Src: d1Worker})
	url := enableWorkersDev(t, s, "d1w")

	code, body := call(t, http.MethodPost, url+"/setup", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"count":2}`, body, "exec ran both lines")
	code, body = call(t, http.MethodPost, url+"/add?body=hello", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"changes":1,"id":1}`, body)
	code, body = call(t, http.MethodPost, url+"/batch", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"inserted":2,"total":3}`, body)
	code, body = call(t, http.MethodPost, url+"/badbatch", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, "no such table: nope")
	assert.Contains(t, body, `"total":3`, "the failed batch inserted nothing")
	code, body = call(t, http.MethodGet, url+"/first?id=1", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"id":1,"body":"hello","data":[1,2,3]}`, body, "first() with a blob")
	code, body = call(t, http.MethodGet, url+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `[["id","body"],[1,"hello"],[2,"b1"],[3,"b2"]]`, body)

	r, err := c.D1.Database.Raw(ctxT(t), db.UUID, cfd1.DatabaseRawParams{AccountID: acct, Sql: cloudflare.F("SELECT count(*) FROM notes")})
	require.NoError(t, err)
	assert.Equal(t, [][]any{{float64(3)}}, toAnyRows(r.Result[0].Results.Rows), "the API sees the Worker's rows")

	require.NoError(t, s.Close())
	s2 := startServer(t, dir, Options{})
	url2, ok := s2.ScriptURL("d1w")
	require.True(t, ok)
	code, body = call(t, http.MethodGet, url2+"/all", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"rows":[{"body":"hello"},{"body":"b1"},{"body":"b2"}]}`, body, "rows kept across a restart")
}

func toAnyRows(rows [][]interface{}) [][]any {
	out := make([][]any, len(rows))
	copy(out, rows)
	return out
}

func d1Binding(name, id string) map[string]any {
	return map[string]any{"type": "d1", "name": name, "id": id}
}

// d1Worker exercises the D1 binding's API through env.DB.
const d1Worker = `export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    const total = async () => (await env.DB.prepare("SELECT count(*) AS n FROM notes").first("n"));
    try {
      switch (url.pathname) {
        case "/setup":
          return Response.json({ count: (await env.DB.exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL, data BLOB)\nCREATE INDEX notes_body ON notes (body)")).count });
        case "/add": {
          const r = await env.DB.prepare("INSERT INTO notes (body, data) VALUES (?1, ?2)").bind(url.searchParams.get("body"), new Uint8Array([1, 2, 3])).run();
          return Response.json({ changes: r.meta.changes, id: r.meta.last_row_id });
        }
        case "/batch": {
          const ins = env.DB.prepare("INSERT INTO notes (body) VALUES (?)");
          const rs = await env.DB.batch([ins.bind("b1"), ins.bind("b2")]);
          return Response.json({ inserted: rs.length, total: await total() });
        }
        case "/badbatch":
          try {
            await env.DB.batch([env.DB.prepare("INSERT INTO notes (body) VALUES ('x')"), env.DB.prepare("INSERT INTO nope VALUES (1)")]);
            return Response.json({ error: "none" });
          } catch (e) {
            return Response.json({ error: String(e.message), total: await total() });
          }
        case "/first": {
          const row = await env.DB.prepare("SELECT id, body, data FROM notes WHERE id = ?").bind(Number(url.searchParams.get("id"))).first();
          return Response.json(row);
        }
        case "/raw":
          return Response.json(await env.DB.prepare("SELECT id, body FROM notes ORDER BY id").raw({ columnNames: true }));
        case "/all":
          return Response.json({ rows: (await env.DB.prepare("SELECT body FROM notes ORDER BY id").all()).results });
      }
      return new Response("no route", { status: 404 });
    } catch (e) {
      return new Response(String(e.stack || e), { status: 500 });
    }
  },
};
`

// D1 answers stored text unchanged, whatever the column's declared type: a DATETIME or
// TIMESTAMP value comes back as inserted through the API (query and raw) and through env.DB in a
// Worker, and other types keep SQLite's own types.
func TestD1ReturnsStoredText(t *testing.T) {
	s := sharedServer(t)
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())
	db, err := c.D1.Database.New(ctxT(t), cfd1.DatabaseNewParams{AccountID: acct, Name: cloudflare.F("stored-text")})
	require.NoError(t, err)
	_, err = c.D1.Database.Query(ctxT(t), db.UUID, cfd1.DatabaseQueryParams{AccountID: acct, Sql: cloudflare.F(
		"CREATE TABLE events (id INTEGER PRIMARY KEY, at DATETIME, ts TIMESTAMP, d DATE, n INTEGER, x REAL);" +
			"INSERT INTO events VALUES (1, '2020-01-01 10:00:00', '2020-01-01T10:00:00.000Z', '2020-01-01', 7, 1.5)")})
	require.NoError(t, err)
	const sel = "SELECT at, ts, d, n, x FROM events"
	want := map[string]any{"at": "2020-01-01 10:00:00", "ts": "2020-01-01T10:00:00.000Z", "d": "2020-01-01", "n": float64(7), "x": 1.5}

	q, err := c.D1.Database.Query(ctxT(t), db.UUID, cfd1.DatabaseQueryParams{AccountID: acct, Sql: cloudflare.F(sel)})
	require.NoError(t, err)
	assert.Equal(t, []any{want}, q.Result[0].Results, "/query")
	rq := raw(t, s, "POST", "/accounts/"+s.AccountID()+"/d1/database/"+db.UUID+"/query", s.Token(), "application/json",
		[]byte(`{"sql":"SELECT id, at FROM events"}`))
	shapetest.Check(t, "d1", "database-query", rq.Body)
	r, err := c.D1.Database.Raw(ctxT(t), db.UUID, cfd1.DatabaseRawParams{AccountID: acct, Sql: cloudflare.F(sel)})
	require.NoError(t, err)
	assert.Equal(t, [][]any{{"2020-01-01 10:00:00", "2020-01-01T10:00:00.000Z", "2020-01-01", float64(7), 1.5}},
		toAnyRows(r.Result[0].Results.Rows), "/raw")

	mustUpload(t, s, "d1-stored-text", meta(map[string]any{"bindings": []any{d1Binding("DB", db.UUID)}}), module{Name: "index.js",
		Src: "export default { async fetch(r, env) { return Response.json(await env.DB.prepare(" + `"` + sel + `"` + ").first()) } }"})
	code, body := call(t, http.MethodGet, enableWorkersDev(t, s, "d1-stored-text"), "")
	require.Equal(t, http.StatusOK, code, body)
	assert.JSONEq(t, `{"at":"2020-01-01 10:00:00","ts":"2020-01-01T10:00:00.000Z","d":"2020-01-01","n":7,"x":1.5}`, body, "env.DB")
}
