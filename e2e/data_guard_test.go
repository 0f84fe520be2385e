//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/lumier-dev/lumier/internal/cfapi"
	lumier "github.com/lumier-dev/lumier/sdk/go/lumier"
)

// guardSource is a Worker that keeps data in each binding it has: PUT /kv/<key> and PUT
// /r2/<key> store the body, POST /d1 adds it as a row; GET reads it back.
const guardSource = `export default {
  async fetch(request: Request, env: any): Promise<Response> {
    const [, area, key] = new URL(request.url).pathname.split("/");
    const put = request.method !== "GET";
    if (area === "kv") {
      if (put) { await env.CACHE.put(key, await request.text()); return Response.json({ stored: key }); }
      return Response.json({ value: await env.CACHE.get(key) });
    }
    if (area === "r2") {
      if (put) { await env.FILES.put(key, await request.text()); return Response.json({ stored: key }); }
      const obj = await env.FILES.get(key);
      return Response.json({ value: obj ? await obj.text() : null });
    }
    if (area === "d1") {
      await env.DB.prepare("CREATE TABLE IF NOT EXISTS notes (text TEXT)").run();
      if (put) { await env.DB.prepare("INSERT INTO notes VALUES (?)").bind(await request.text()).run(); }
      const { results } = await env.DB.prepare("SELECT text FROM notes").all();
      return Response.json({ notes: results.map((r: any) => r.text) });
    }
    return new Response("no route", { status: 404 });
  },
};
`

// guardedKinds says which data resources the app declares; spare is a KV namespace nothing
// writes to.
type guardedKinds struct{ kv, r2, d1, spare bool }

// guardProgram is app "guard": Worker "api" binding KV namespace "cache" as CACHE, R2 bucket
// "files" as FILES and D1 database "db" as DB, each only when declared.
func guardProgram(entry, removal string, k guardedKinds) pulumi.RunFunc {
	return lumier.Config{
		App: func(lumier.AppContext) lumier.AppConfig { return lumier.AppConfig{Name: "guard", Removal: removal} },
		Run: func(ctx *lumier.Context) error {
			bindings := lumier.Bindings{}
			if k.kv {
				cache := ctx.KvNamespace("cache")
				bindings["CACHE"] = cache
				ctx.Export("cache", cache.ID())
			}
			if k.r2 {
				bindings["FILES"] = ctx.R2Bucket("files")
			}
			if k.spare {
				ctx.Export("spare", ctx.KvNamespace("spare").ID())
			}
			if k.d1 {
				db := ctx.D1Database("db", lumier.D1Options{})
				bindings["DB"] = db
				ctx.Export("db", db.ID())
			}
			api := ctx.Worker("api", lumier.WorkerOptions{Entry: entry, Bindings: bindings})
			ctx.Export("url", api.URL())
			return nil
		},
	}.RunFunc()
}

// TestAppDataRemovalGuardedAtPreview: an empty KV namespace leaves the program without a fuss
// (kept on Cloudflare under the default removal). A Worker writes a KV key, an R2 object and a
// D1 row; a restart of the local Cloudflare keeps all three. Under the default removal, a
// program that no longer declares the namespace, bucket and database fails at preview naming
// each and what it holds; `up` fails too, and nothing is deleted or changed. Under removal
// "remove" set in that same deploy it is still refused, saying why. Under removal "remove"
// deployed while they are still declared, the preview warns what it will delete, and `up`
// deletes them.
func TestAppDataRemovalGuardedAtPreview(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	p := newProject(t)
	entry := p.write("api", guardSource)
	api := cfapi.New(c.URL(), token, accountID)
	all := guardedKinds{kv: true, r2: true, d1: true}

	s := inlineStack(t, ctx, c, "guard", "dev", guardProgram(entry, "", guardedKinds{kv: true, r2: true, d1: true, spare: true}))
	spareID := output(t, up(t, ctx, s).Outputs, "spare")
	setProgram(s, guardProgram(entry, "", all))
	out, err := preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview dropping an empty namespace failed:\n%s", out)
	}
	requireContains(t, out, `app "guard": KV namespace "spare" ("guard-dev-spare" on Cloudflare) is no longer declared `+
		`and holds nothing: under removal "retain" it leaves the stack and stays on Cloudflare, empty`,
		`- kv_namespace/spare`)
	res := up(t, ctx, s)
	if _, err := api.KV.NamespaceByID(ctx, spareID); err != nil {
		t.Fatalf("under the default removal the dropped empty namespace stays on Cloudflare: %v", err)
	}
	url, cacheID, dbID := output(t, res.Outputs, "url"), output(t, res.Outputs, "cache"), output(t, res.Outputs, "db")
	requireCall(t, http.MethodPut, url+"/kv/greeting", "hello", 200, `{"stored":"greeting"}`)
	requireCall(t, http.MethodPut, url+"/r2/report.txt", "quarterly", 200, `{"stored":"report.txt"}`)
	requireCall(t, http.MethodPost, url+"/d1", "first note", 200, `{"notes":["first note"]}`)

	// A restart keeps the contents of all three, and the Worker reads them through its bindings.
	restartCloud(t, c)
	requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"value":"hello"}`)
	requireCall(t, http.MethodGet, url+"/r2/report.txt", "", 200, `{"value":"quarterly"}`)
	requireCall(t, http.MethodGet, url+"/d1", "", 200, `{"notes":["first note"]}`)

	// Default removal: dropping them is refused at preview, naming each and what it holds.
	setProgram(s, guardProgram(entry, "", guardedKinds{}))
	out, err = preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview dropping data resources that hold data succeeded:\n%s", out)
	}
	requireContains(t, out,
		`app "guard": KV namespace "cache" ("guard-dev-cache" on Cloudflare) is no longer declared, and it holds keys "greeting"`,
		`app "guard": R2 bucket "files" ("guard-dev-files" on Cloudflare) is no longer declared, and it holds objects "report.txt"`,
		`app "guard": D1 database "db" ("guard-dev-db" on Cloudflare) is no longer declared, and it holds rows in tables "notes"`,
		"retainOnDelete, so Pulumi would not delete them", `deploy removal "remove" while it is still declared`)
	if _, err := s.Up(ctx); err == nil {
		t.Fatal("up dropping data resources that hold data succeeded")
	}
	requireDataKept(t, ctx, api, cacheID, dbID)
	// The Workers deploy after the guard, so the refused up changed nothing: the Worker still binds all three.
	requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"value":"hello"}`)
	requireCall(t, http.MethodGet, url+"/r2/report.txt", "", 200, `{"value":"quarterly"}`)
	requireCall(t, http.MethodGet, url+"/d1", "", 200, `{"notes":["first note"]}`)

	// Removal "remove" in the same deploy as the drop does not reach resources deployed under
	// "retain": still refused, saying so.
	setProgram(s, guardProgram(entry, lumier.RemovalRemove, guardedKinds{}))
	out, err = preview(t, ctx, s)
	if err == nil {
		t.Fatalf("preview dropping retained data resources with removal set in the same deploy succeeded:\n%s", out)
	}
	requireContains(t, out, `Setting removal "remove" in this same deploy does not reach them`)

	// Deployed under "remove" while declared, then dropped: the preview warns, up deletes.
	setProgram(s, guardProgram(entry, lumier.RemovalRemove, all))
	up(t, ctx, s)
	setProgram(s, guardProgram(entry, lumier.RemovalRemove, guardedKinds{}))
	out, err = preview(t, ctx, s)
	if err != nil {
		t.Fatalf("preview dropping data resources under removal \"remove\" failed:\n%s", out)
	}
	requireContains(t, out,
		`app "guard": KV namespace "cache" ("guard-dev-cache" on Cloudflare) is no longer declared and removal is "remove": this deploy DELETES it and all it holds: keys "greeting"`,
		`app "guard": R2 bucket "files" ("guard-dev-files" on Cloudflare) is no longer declared and removal is "remove": this deploy DELETES it and all it holds: objects "report.txt"`,
		`app "guard": D1 database "db" ("guard-dev-db" on Cloudflare) is no longer declared and removal is "remove": this deploy DELETES it and all it holds: rows in tables "notes"`)
	up(t, ctx, s)
	bg := context.Background()
	if _, err := api.KV.NamespaceByID(bg, cacheID); !cfapi.IsNotFound(err) {
		t.Errorf("KV namespace %s should be deleted: %v", cacheID, err)
	}
	if _, err := api.R2.BucketByName(bg, "guard-dev-files"); !cfapi.IsNotFound(err) {
		t.Errorf("R2 bucket guard-dev-files should be deleted: %v", err)
	}
	if _, err := api.D1.DatabaseByID(bg, dbID); !cfapi.IsNotFound(err) {
		t.Errorf("D1 database %s should be deleted: %v", dbID, err)
	}
}

// requireDataKept asserts through the API that the key, object and row written are all there.
func requireDataKept(t *testing.T, ctx context.Context, api *cfapi.Client, cacheID, dbID string) {
	t.Helper()
	if v, err := api.KV.Value(ctx, cacheID, "greeting"); err != nil || v != "hello" {
		t.Fatalf("KV key greeting after the refused up: %q, %v", v, err)
	}
	if keys, _, err := api.R2.Objects(ctx, "guard-dev-files", "", 10); err != nil || len(keys) != 1 || keys[0] != "report.txt" {
		t.Fatalf("R2 objects after the refused up: %v, %v", keys, err)
	}
	rows, err := api.D1.Query(ctx, dbID, "SELECT text FROM notes")
	if err != nil || len(rows) != 1 || len(rows[0]) != 1 || rows[0][0]["text"] != "first note" {
		t.Fatalf("D1 rows after the refused up: %v, %v", rows, err)
	}
}
