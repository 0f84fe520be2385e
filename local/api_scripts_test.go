package local

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/lumier-dev/lumier/local/account"
	"github.com/lumier-dev/lumier/local/runtime"

	"github.com/cloudflare/cloudflare-go/v4"
	"github.com/cloudflare/cloudflare-go/v4/durable_objects"
	"github.com/cloudflare/cloudflare-go/v4/option"
	"github.com/cloudflare/cloudflare-go/v4/workers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lumier-dev/lumier/local/envelope"
	"github.com/lumier-dev/lumier/local/rules"
)

// doSrc is a module exporting Durable Object classes that store one value, and a default fetch
// handler that forwards to the object bound as ?b=<binding>. The object answers /put?v=,
// /get and /sql (which needs SQLite-backed storage); errors come back as 500 with the runtime's
// message.
func doSrc(classes ...string) module {
	var b strings.Builder
	b.WriteString(`import { DurableObject } from "cloudflare:workers";` + "\n")
	for _, c := range classes {
		fmt.Fprintf(&b, `export class %s extends DurableObject {
  async fetch(req) {
    const u = new URL(req.url);
    try {
      if (u.pathname === "/put") { await this.ctx.storage.put("v", u.searchParams.get("v")); return new Response("ok"); }
      if (u.pathname === "/get") { return new Response(String((await this.ctx.storage.get("v")) ?? "")); }
      if (u.pathname === "/sql") { return Response.json(this.ctx.storage.sql.exec("SELECT 1 AS one").toArray()); }
    } catch (e) { return new Response(String(e && e.message || e), { status: 500 }); }
    return new Response("no such path", { status: 404 });
  }
}
`, c)
	}
	b.WriteString(`export default {
  async fetch(req, env) {
    const ns = env[new URL(req.url).searchParams.get("b")];
    if (!ns) return new Response("no binding", { status: 400 });
    return ns.get(ns.idFromName("one")).fetch(req);
  },
};
`)
	return module{Name: "index.js", Src: b.String()}
}

func withBindings(m map[string]any, bindings ...any) map[string]any {
	m["bindings"] = bindings
	return m
}

func namespaceOf(t *testing.T, s *Server, script, class string) (rules.Namespace, bool) {
	t.Helper()
	for _, n := range s.ledger.Load().Namespaces {
		if n.Script == script && n.Class == class {
			return n, true
		}
	}
	return rules.Namespace{}, false
}

func step(kind string, v any) map[string]any { return map[string]any{kind: v} }

// One subtest per Cloudflare rule, each asserting Cloudflare's code.
func TestUploadRules(t *testing.T) {
	s := sharedServer(t)
	acct := cloudflare.F(s.AccountID())

	t.Run("JSON body is 415 code 10001", func(t *testing.T) {
		_, err := newClient(s).Workers.Scripts.Update(ctxT(t), "json-body", workers.ScriptUpdateParams{
			AccountID: acct,
			Metadata:  cloudflare.F(workers.ScriptUpdateParamsMetadata{MainModule: cloudflare.F("index.js")}),
		})
		requireCode(t, err, envelope.CodeContentType, "multipart/form-data")
		_, status, _ := apiCode(t, err)
		assert.Equal(t, http.StatusUnsupportedMediaType, status)
	})

	t.Run("invalid script names are code 10016", func(t *testing.T) {
		for _, name := range []string{"Upper", "dots.no", strings.Repeat("a", 64)} {
			_, err := putScript(t, s, name, meta(nil), doSrc())
			requireCode(t, err, account.CodeInvalidName, "")
		}
		_, err := putScript(t, s, strings.Repeat("a", 63), meta(nil), doSrc())
		require.NoError(t, err, "63 characters is the limit")
		_, err = newClient(s).Workers.Scripts.Delete(ctxT(t), strings.Repeat("a", 63), workers.ScriptDeleteParams{AccountID: acct})
		require.NoError(t, err)
	})

	t.Run("malformed metadata is code 10021", func(t *testing.T) {
		_, err := putScript(t, s, "bad-meta", []byte(`{"main_module": "index.js",`), doSrc())
		requireCode(t, err, envelope.CodeValidation, "could not read content for part metadata")
		_, err = putScript(t, s, "bad-meta", meta(map[string]any{"main_module": "missing.js"}), doSrc())
		requireCode(t, err, envelope.CodeValidation, `No such module "missing.js"`)
	})

	t.Run("unknown binding types are code 10021", func(t *testing.T) {
		_, err := putScript(t, s, "bad-binding", withBindings(meta(nil), map[string]any{"type": "frobnicator", "name": "X"}), doSrc())
		requireCode(t, err, envelope.CodeValidation, "unknown binding type 'frobnicator'")
		_, err = putScript(t, s, "bad-binding", withBindings(meta(nil), map[string]any{"type": "vectorize", "name": "VEC", "index_name": "x"}), doSrc())
		requireCode(t, err, envelope.CodeValidation, "does not run")
		_, err = putScript(t, s, "bad-binding", withBindings(meta(nil), map[string]any{"type": "kv_namespace", "name": "KV", "namespace_id": "x"}), doSrc())
		requireCode(t, err, runtime.CodeKVBindingInvalid, "KV namespace 'x' is not valid")
	})

	t.Run("migration tag precondition is code 10079", func(t *testing.T) {
		_, err := putScript(t, s, "tag-fresh", meta(map[string]any{
			"migrations": migrations("v1", "v2", step("new_classes", []string{"A"})),
		}), doSrc("A"))
		requireCode(t, err, rules.CodeTagPrecondition, "got tag 'v1' when expected tag is ''")

		mustUpload(t, s, "tags", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doSrc("A"))
		_, err = putScript(t, s, "tags", meta(map[string]any{"migrations": migrations("v0", "v2")}), doSrc("A"))
		requireCode(t, err, rules.CodeTagPrecondition, "got tag 'v0' when expected tag is 'v1'")
		_, status, _ := apiCode(t, err)
		assert.Equal(t, http.StatusPreconditionFailed, status)
		_, err = putScript(t, s, "tags", meta(map[string]any{"migrations": migrations("", "v2")}), doSrc("A"))
		requireCode(t, err, rules.CodeTagPrecondition, "got tag '' when expected tag is 'v1'")

		// The right old tag moves the tag; no migrations keeps it.
		mustUpload(t, s, "tags", meta(map[string]any{"migrations": migrations("v1", "v2", step("new_classes", []string{"B"}))}), doSrc("A", "B"))
		mustUpload(t, s, "tags", meta(nil), doSrc("A", "B"))
		assert.Equal(t, "v2", s.ledger.Load().Scripts["tags"].MigrationTag)
	})

	t.Run("binding to a class never migrated is code 10061", func(t *testing.T) {
		_, err := putScript(t, s, "unmigrated", withBindings(meta(nil), doBinding("X", "A")), doSrc("A"))
		requireCode(t, err, rules.CodeBinding, "not currently configured to implement Durable Objects")
	})

	t.Run("cross-script binding to a missing script is code 10061", func(t *testing.T) {
		b := doBinding("X", "A")
		b["script_name"] = "does-not-exist"
		_, err := putScript(t, s, "cross-missing", withBindings(meta(nil), b), doSrc())
		requireCode(t, err, rules.CodeBinding, "in script 'does-not-exist' that does not exist")
	})

	t.Run("a new class the module does not export is code 10074", func(t *testing.T) {
		_, err := putScript(t, s, "ghost", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"Ghost"}))}), doSrc("A"))
		requireCode(t, err, rules.CodeMigration, "class 'Ghost' that is not exported")
	})

	t.Run("workerd's verdict decides when the exports cannot be read", func(t *testing.T) {
		// A destructuring export defeats the export scan, so only workerd can tell that Ghost is
		// missing; its refusal still gets the new-class code.
		src := doSrc("A")
		src.Src += "export const { unknowable } = { unknowable() { return 1; } };\n"
		_, err := putScript(t, s, "ghost-runtime", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"Ghost"}))}), src)
		requireCode(t, err, rules.CodeMigration, "class 'Ghost' that is not exported")
		assert.NotContains(t, s.Scripts(), "ghost-runtime")
	})

	t.Run("a new class that already exists is code 10074", func(t *testing.T) {
		mustUpload(t, s, "twice", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doSrc("A"))
		_, err := putScript(t, s, "twice", meta(map[string]any{"migrations": migrations("v1", "v2", step("new_classes", []string{"A"}))}), doSrc("A"))
		requireCode(t, err, rules.CodeMigration, "Cannot apply new-class migration to class 'A' that is already depended on by existing Durable Objects")
	})

	t.Run("changing a class's storage is code 10074", func(t *testing.T) {
		mustUpload(t, s, "storage", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doSrc("A"))
		_, err := putScript(t, s, "storage", meta(map[string]any{"migrations": migrations("v1", "v2", step("new_sqlite_classes", []string{"A"}))}), doSrc("A"))
		requireCode(t, err, rules.CodeMigration, "storage backend (key-value) cannot be changed")
		n, ok := namespaceOf(t, s, "storage", "A")
		require.True(t, ok)
		assert.False(t, n.SQLite)
	})

	t.Run("rename, delete and transfer of unknown classes are code 10074", func(t *testing.T) {
		mustUpload(t, s, "unknowns", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doSrc("A"))
		for _, st := range []map[string]any{
			step("renamed_classes", []any{map[string]string{"from": "Nope", "to": "B"}}),
			step("deleted_classes", []string{"Nope"}),
			step("transferred_classes", []any{map[string]string{"from": "Nope", "from_script": "unknowns-src", "to": "B"}}),
		} {
			_, err := putScript(t, s, "unknowns", meta(map[string]any{"migrations": migrations("v1", "v2", st)}), doSrc("A", "B"))
			requireCode(t, err, rules.CodeMigration, "class 'Nope' which was not exported in the previous version")
		}
	})

	t.Run("a bound class the module does not export is code 10061", func(t *testing.T) {
		mustUpload(t, s, "bound", withBindings(meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doBinding("A", "A")), doSrc("A"))
		_, err := putScript(t, s, "bound", withBindings(meta(nil), doBinding("A", "A")), doSrc())
		requireCode(t, err, rules.CodeBinding, "Cannot create binding for class 'A' that is not exported by the script")
	})

	t.Run("an existing class no longer exported is code 10064", func(t *testing.T) {
		mustUpload(t, s, "unexported", meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doSrc("A"))
		_, err := putScript(t, s, "unexported", meta(nil), doSrc())
		requireCode(t, err, rules.CodeNotExported, "does not export class 'A' which is depended on by existing Durable Objects")
	})

	t.Run("deleting a class still bound is code 10061", func(t *testing.T) {
		mustUpload(t, s, "del-bound", withBindings(meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"A"}))}), doBinding("A", "A")), doSrc("A"))
		_, err := putScript(t, s, "del-bound", withBindings(meta(map[string]any{"migrations": migrations("v1", "v2", step("deleted_classes", []string{"A"}))}), doBinding("A", "A")), doSrc("A"))
		requireCode(t, err, rules.CodeBinding, "without also removing the binding")
	})
}

// A script that fails to load is rejected with the runtime's message; the scripts already
// running keep serving and the stored state does not change.
func TestUploadThatFailsToLoad(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "loads", meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("v1") } }`})
	url := enableWorkersDev(t, s, "loads")
	before := *s.ledger.Load().Scripts["loads"]

	cases := map[string]struct{ src, want string }{
		"syntax error":    {`export default { fetch() { return new Response("v2") }`, "SyntaxError"},
		"top-level throw": {`throw new Error("boom at load"); export default {}`, "boom at load"},
		"missing import":  {`import x from "./nope.js"; export default { fetch() { return new Response(x) } }`, "nope.js"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := putScript(t, s, "loads", meta(nil), module{Name: "index.js", Src: c.src})
			requireCode(t, err, envelope.CodeValidation, c.want)
			_, status, _ := apiCode(t, err)
			assert.Equal(t, http.StatusBadRequest, status)

			_, body := call(t, "GET", url, "")
			assert.Equal(t, "v1", body, "the old version keeps serving")
			after := *s.ledger.Load().Scripts["loads"]
			assert.Equal(t, before.Etag, after.Etag, "the stored script is unchanged")
			assert.Equal(t, before.Modules, after.Modules)
		})
	}
}

// Deleting scripts: Durable Objects and other scripts' bindings need force.
func TestDeleteRules(t *testing.T) {
	s := sharedServer(t)
	c := newClient(s)
	acct := cloudflare.F(s.AccountID())

	_, err := c.Workers.Scripts.Delete(ctxT(t), "never-uploaded", workers.ScriptDeleteParams{AccountID: acct})
	requireCode(t, err, envelope.CodeScriptNotFound, "This Worker does not exist on your account.")

	mustUpload(t, s, "host", withBindings(meta(map[string]any{"migrations": migrations("", "v1", step("new_sqlite_classes", []string{"Room"}))}), doBinding("ROOM", "Room")), doSrc("Room"))
	b := doBinding("ROOM", "Room")
	b["script_name"] = "host"
	mustUpload(t, s, "guest", withBindings(meta(nil), b), doSrc())
	guestURL := enableWorkersDev(t, s, "guest")
	_, body := call(t, "GET", guestURL+"/put?b=ROOM&v=shared", "")
	require.Equal(t, "ok", body, "a cross-script binding reaches the host's class")

	_, err = c.Workers.Scripts.Delete(ctxT(t), "host", workers.ScriptDeleteParams{AccountID: acct})
	requireCode(t, err, rules.CodeServiceBindingConflict, "guest (ROOM)")

	// Without the guest's binding, the host still hosts Durable Objects.
	mustUpload(t, s, "guest", meta(nil), doSrc())
	_, err = c.Workers.Scripts.Delete(ctxT(t), "host", workers.ScriptDeleteParams{AccountID: acct})
	requireCode(t, err, rules.CodeNotExported, "force=true")
	require.Contains(t, s.Scripts(), "host")

	// Bound again, then force: the host, its namespace and the guest's binding go.
	mustUpload(t, s, "guest", withBindings(meta(nil), b), doSrc())
	_, err = c.Workers.Scripts.Delete(ctxT(t), "host", workers.ScriptDeleteParams{AccountID: acct, Force: cloudflare.F(true)})
	require.NoError(t, err)
	assert.NotContains(t, s.Scripts(), "host")
	_, ok := namespaceOf(t, s, "host", "Room")
	assert.False(t, ok)
	assert.Empty(t, s.ledger.Load().Scripts["guest"].Bindings, "force removes bindings to the deleted script")
	_, body = call(t, "GET", guestURL+"/get?b=ROOM", "")
	assert.Equal(t, "no binding", body)
}

// Migrations move data like Cloudflare: a rename keeps it, a delete drops it, a transfer moves
// it to another script.
func TestMigrationsAndData(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "mig", withBindings(meta(map[string]any{"migrations": migrations("", "v1", step("new_classes", []string{"Counter"}))}), doBinding("C", "Counter")), doSrc("Counter"))
	url := enableWorkersDev(t, s, "mig")
	_, body := call(t, "GET", url+"/put?b=C&v=kept", "")
	require.Equal(t, "ok", body)
	orig, _ := namespaceOf(t, s, "mig", "Counter")

	// Rename: same namespace id, same data.
	mustUpload(t, s, "mig", withBindings(meta(map[string]any{"migrations": migrations("v1", "v2",
		step("renamed_classes", []any{map[string]string{"from": "Counter", "to": "Tally"}}))}), doBinding("C", "Tally")), doSrc("Tally"))
	renamed, ok := namespaceOf(t, s, "mig", "Tally")
	require.True(t, ok)
	assert.Equal(t, orig.ID, renamed.ID)
	_, body = call(t, "GET", url+"/get?b=C", "")
	assert.Equal(t, "kept", body, "a renamed class keeps its data")

	// Delete, then a new class of the same name: a new namespace, empty.
	mustUpload(t, s, "mig", meta(map[string]any{"migrations": migrations("v2", "v3", step("deleted_classes", []string{"Tally"}))}), doSrc())
	_, ok = namespaceOf(t, s, "mig", "Tally")
	require.False(t, ok)
	mustUpload(t, s, "mig", withBindings(meta(map[string]any{"migrations": migrations("v3", "v4", step("new_classes", []string{"Tally"}))}), doBinding("C", "Tally")), doSrc("Tally"))
	fresh, _ := namespaceOf(t, s, "mig", "Tally")
	assert.NotEqual(t, orig.ID, fresh.ID)
	_, body = call(t, "GET", url+"/get?b=C", "")
	assert.Equal(t, "", body, "a deleted class's data is gone")

	// Transfer: the source stops binding the class, then the destination takes it over.
	mustUpload(t, s, "mig-src", withBindings(meta(map[string]any{"migrations": migrations("", "v1", step("new_sqlite_classes", []string{"Room"}))}), doBinding("R", "Room")), doSrc("Room"))
	srcURL := enableWorkersDev(t, s, "mig-src")
	_, body = call(t, "GET", srcURL+"/put?b=R&v=moved", "")
	require.Equal(t, "ok", body)
	room, _ := namespaceOf(t, s, "mig-src", "Room")

	transfer := meta(map[string]any{"migrations": migrations("", "v1",
		step("transferred_classes", []any{map[string]string{"from": "Room", "from_script": "mig-src", "to": "Chat"}}))})
	_, err := putScript(t, s, "mig-dst", withBindings(transfer, doBinding("R", "Chat")), doSrc("Chat"))
	requireCode(t, err, rules.CodeBinding, "transfer-class migration to class 'Room' of script 'mig-src'")
	mustUpload(t, s, "mig-src", meta(nil), doSrc("Room"))
	mustUpload(t, s, "mig-dst", withBindings(transfer, doBinding("R", "Chat")), doSrc("Chat"))
	moved, ok := namespaceOf(t, s, "mig-dst", "Chat")
	require.True(t, ok)
	assert.Equal(t, room.ID, moved.ID)
	assert.True(t, moved.SQLite)
	dstURL := enableWorkersDev(t, s, "mig-dst")
	_, body = call(t, "GET", dstURL+"/get?b=R", "")
	assert.Equal(t, "moved", body, "a transferred class brings its data")
}

// A KV-backed class (new_classes) stores values, and its sql API fails with the runtime's error.
func TestKVBackedClass(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "kv", withBindings(meta(map[string]any{"migrations": migrations("", "v1",
		step("new_classes", []string{"Kv"}), step("new_sqlite_classes", []string{"Sql"}))}),
		doBinding("KV", "Kv"), doBinding("SQL", "Sql")), doSrc("Kv", "Sql"))
	url := enableWorkersDev(t, s, "kv")

	_, body := call(t, "GET", url+"/put?b=KV&v=stored", "")
	require.Equal(t, "ok", body)
	_, body = call(t, "GET", url+"/get?b=KV", "")
	assert.Equal(t, "stored", body)

	status, body := call(t, "GET", url+"/sql?b=KV", "")
	assert.Equal(t, http.StatusInternalServerError, status)
	assert.Contains(t, body, "SQL is not enabled for this Durable Object class")

	status, body = call(t, "GET", url+"/sql?b=SQL", "")
	assert.Equal(t, http.StatusOK, status)
	assert.JSONEq(t, `[{"one":1}]`, body)
}

// keep_bindings keeps the previous version's secrets when the upload does not resend them.
func TestKeepBindings(t *testing.T) {
	s := sharedServer(t)
	src := module{Name: "index.js", Src: `export default { fetch(req, env) { return new Response(env.TOKEN + "/" + env.MODE) } }`}
	mustUpload(t, s, "keep", withBindings(meta(nil),
		map[string]any{"type": "secret_text", "name": "TOKEN", "text": "t0p"},
		map[string]any{"type": "plain_text", "name": "MODE", "text": "a"}), src)
	mustUpload(t, s, "keep", withBindings(meta(map[string]any{"keep_bindings": []string{"secret_text"}}),
		map[string]any{"type": "plain_text", "name": "MODE", "text": "b"}), src)
	url := enableWorkersDev(t, s, "keep")
	_, body := call(t, "GET", url, "")
	assert.Equal(t, "t0p/b", body)
}

// An upload's result has the fields cloudflare-go reads.
func TestUploadResult(t *testing.T) {
	s := sharedServer(t)
	res := mustUpload(t, s, "result", meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("x") } }`})
	assert.Equal(t, "result", res.ID)
	assert.Len(t, res.Etag, 64)
	assert.True(t, res.HasModules)
	assert.False(t, res.CreatedOn.IsZero())
	assert.GreaterOrEqual(t, res.StartupTimeMs, int64(0))

	// The same bytes again: same etag.
	again := mustUpload(t, s, "result", meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("x") } }`})
	assert.Equal(t, res.Etag, again.Etag)
	assert.Equal(t, res.CreatedOn, again.CreatedOn)

	// cloudflare-go's raw Put works too (the provider may use it).
	ct, body := multipartBody(t, meta(nil), module{Name: "index.js", Src: `export default { fetch() { return new Response("y") } }`})
	var out map[string]any
	err := newClient(s).Put(ctxT(t), "accounts/"+s.AccountID()+"/workers/scripts/result", nil, &out, option.WithRequestBody(ct, body))
	require.NoError(t, err)
}

// Reads report what the upload said: settings without secret values, namespaces with
// Cloudflare's naming.
func TestSettingsAndNamespaces(t *testing.T) {
	s := sharedServer(t)
	mustUpload(t, s, "reads", meta(map[string]any{
		"bindings": []any{
			doBinding("COUNTER", "Counter"),
			map[string]any{"type": "plain_text", "name": "GREETING", "text": "hi"},
			map[string]any{"type": "secret_text", "name": "API_KEY", "text": "s3cret"},
		},
		"migrations": migrations("", "v1", map[string]any{"new_classes": []string{"Counter"}}),
	}), workerModule(t, "counter.js"))

	c := newClient(s)
	settings, err := c.Workers.Scripts.ScriptAndVersionSettings.Get(ctxT(t), "reads",
		workers.ScriptScriptAndVersionSettingGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	raw := settings.JSON.RawJSON()
	assert.NotContains(t, raw, "s3cret", "secret values are never returned")
	assert.Contains(t, raw, `"text":"hi"`)
	assert.Equal(t, defaultDate, settings.CompatibilityDate)
	assert.Equal(t, []string{defaultFlag}, settings.CompatibilityFlags)
	require.Len(t, settings.Bindings, 3)

	var found *durable_objects.Namespace
	for _, ns := range allNamespaces(t, s) {
		if ns.Script == "reads" {
			found = &ns
		}
	}
	require.NotNil(t, found)
	assert.Equal(t, "reads_Counter", found.Name)
	assert.Equal(t, "Counter", found.Class)
	assert.False(t, found.UseSqlite)
	assert.Len(t, found.ID, 32)
	assert.Contains(t, raw, found.ID, "the DO binding carries its namespace id")

	sub, err := c.Workers.Subdomains.Get(ctxT(t), workers.SubdomainGetParams{AccountID: cloudflare.F(s.AccountID())})
	require.NoError(t, err)
	assert.Equal(t, account.DefaultSubdomain, sub.Subdomain)

	_, err = c.Workers.Scripts.ScriptAndVersionSettings.Get(ctxT(t), "nope",
		workers.ScriptScriptAndVersionSettingGetParams{AccountID: cloudflare.F(s.AccountID())})
	requireCode(t, err, envelope.CodeScriptNotFound, "does not exist")
}

// An upload that changes only a binding's value (same code, same settings) runs the new value.
func TestUploadOfANewValueAloneRunsIt(t *testing.T) {
	s := sharedServer(t)
	const name = "new-value-alone"
	src := module{Name: "index.js", Src: "export default { fetch(r, env) { return new Response(env.GREETING) } }"}
	greeting := func(v string) map[string]any {
		return meta(map[string]any{"bindings": []any{map[string]any{"type": "plain_text", "name": "GREETING", "text": v}}})
	}
	mustUpload(t, s, name, greeting("hi"), src)
	url := enableWorkersDev(t, s, name)
	_, body := call(t, "GET", url, "")
	assert.Equal(t, "hi", body)
	mustUpload(t, s, name, greeting("hello"), src)
	_, body = call(t, "GET", url, "")
	assert.Equal(t, "hello", body)
}
