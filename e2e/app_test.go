//go:build e2e

package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/examples/app/stack"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// TestAppExample deploys examples/app through an inline program and calls each of its areas
// (Durable Object, KV, R2, D1, Queue with its dead-letter queue, Cron Trigger, service bindings to
// a second Worker by fetch and RPC, a json binding, static assets); a second up makes
// no API call; destroy (removal "remove" on a dev stage) leaves nothing of the stage on the local
// Cloudflare: no script, namespace, bucket, database or queue.
func TestAppExample(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "app")
	t.Chdir(dir) // the program's entries are relative to it
	s := inlineStack(t, ctx, c, "app", "dev", stack.Config.RunFunc())

	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	requireScripts(t, c, "shop-dev-api", "shop-dev-auth")

	requireShop(t, c, url)

	t.Run("NoopUp", func(t *testing.T) { requireNoop(t, ctx, c, s) })

	cache, files, db := output(t, res.Outputs, "cache"), output(t, res.Outputs, "files"), output(t, res.Outputs, "db")
	destroy(t, ctx, s)
	requireShopGone(t, ctx, c, cache, files, db)
}

// TestAppYAML deploys examples/app-yaml, the same app as one lumier:index:App in Pulumi YAML,
// with the CLI: every area answers as in TestAppExample, a second up changes nothing and makes no
// mutating call, and destroy leaves nothing of the stage.
func TestAppYAML(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	pulumi := yamlExample(t, ctx, c, "app-yaml", "app")
	pulumi(t, "stack", "init", "dev")
	pulumi(t, "up", "--yes")
	url := strings.TrimSpace(pulumi(t, "stack", "output", "url"))
	requireScripts(t, c, "shop-dev-api", "shop-dev-auth")
	requireShop(t, c, url)

	c.ResetCalls()
	pulumi(t, "up", "--yes", "--expect-no-changes")
	if mutating, uploads := c.mutations(); mutating != 0 || uploads != 0 {
		t.Fatalf("no-op up made %d mutating API calls (%d uploads): %v", mutating, uploads, c.Calls())
	}

	cache := strings.TrimSpace(pulumi(t, "stack", "output", "cache"))
	files := strings.TrimSpace(pulumi(t, "stack", "output", "files"))
	db := strings.TrimSpace(pulumi(t, "stack", "output", "db"))
	pulumi(t, "destroy", "--yes")
	requireShopGone(t, ctx, c, cache, files, db)
}

// requireShop calls each area of examples/app's api Worker at url and checks the answers.
func requireShop(t *testing.T, c *cloud, url string) {
	t.Helper()
	t.Run("Counter", func(t *testing.T) {
		requireCall(t, http.MethodPost, url+"/counter/a", "", 200, `{"count":1}`)
		requireCall(t, http.MethodPost, url+"/counter/a", "", 200, `{"count":2}`)
		requireCall(t, http.MethodGet, url+"/counter/a", "", 200, `{"count":2}`)
		requireCall(t, http.MethodGet, url+"/counter/b", "", 200, `{"count":0}`)
	})
	t.Run("KV", func(t *testing.T) {
		requireCall(t, http.MethodPut, url+"/kv/greeting", "hello", 200, `{"stored":"greeting"}`)
		requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"key":"greeting","value":"hello"}`)
		requireCall(t, http.MethodDelete, url+"/kv/greeting", "", 200, `{"deleted":"greeting"}`)
		requireCall(t, http.MethodGet, url+"/kv/greeting", "", 200, `{"key":"greeting","value":null}`)
	})
	t.Run("R2", func(t *testing.T) {
		requireCall(t, http.MethodPut, url+"/r2/docs/hello.txt", "hello world", 200, `{"stored":"docs/hello.txt","size":11,"etag":"5eb63bbbe01eeed093cb22bb8f5acdc3"}`)
		if status, body, _ := call(t, http.MethodGet, url+"/r2/docs/hello.txt", ""); status != 200 || body != "hello world" {
			t.Fatalf("GET /r2/docs/hello.txt: %d %q, want the stored bytes", status, body)
		}
		requireCall(t, http.MethodDelete, url+"/r2/docs/hello.txt", "", 200, `{"deleted":"docs/hello.txt"}`)
		if status, _, _ := call(t, http.MethodGet, url+"/r2/docs/hello.txt", ""); status != 404 {
			t.Fatalf("GET after DELETE: %d, want 404", status)
		}
	})
	t.Run("D1", func(t *testing.T) {
		requireCall(t, http.MethodPost, url+"/d1/notes?tag=work", "hello", 200, `{"id":1,"changes":1}`)
		requireCall(t, http.MethodGet, url+"/d1/notes/1", "", 200, `{"id":1,"body":"hello","tag":"work"}`)
		requireCall(t, http.MethodGet, url+"/d1/notes/9", "", 404, `{"error":"no such note"}`)
		requireCall(t, http.MethodPost, url+"/d1/batch", `["a","b"]`, 200, `{"stored":2,"total":3}`)
		requireCall(t, http.MethodGet, url+"/d1/tags", "", 200, `[["tag","n"],["general",2],["work",1]]`)
	})
	t.Run("Queue", func(t *testing.T) {
		requireCall(t, http.MethodPost, url+"/queue/send", `[{"id":"a"},{"id":"b"},{"id":"bad","fail":true}]`, 200, `{"sent":3}`)
		deliverQueue(t, c, "shop-dev-jobs")
		deliverQueue(t, c, "shop-dev-jobs-dlq")
		requireCall(t, http.MethodGet, url+"/queue/jobs/a", "", 200, `{"id":"a","processed":1,"dead":false}`)
		requireCall(t, http.MethodGet, url+"/queue/jobs/b", "", 200, `{"id":"b","processed":1,"dead":false}`)
		requireCall(t, http.MethodGet, url+"/queue/jobs/bad", "", 200, `{"id":"bad","processed":0,"dead":true}`)
	})
	t.Run("Cron", func(t *testing.T) {
		const schedule = "*/5 * * * *"
		requireCall(t, http.MethodGet, url+"/cron/runs?cron=*/5+*+*+*+*", "", 200, `{"cron":"*/5 * * * *","runs":0}`)
		fireCron(t, c, "shop-dev-api", schedule)
		fireCron(t, c, "shop-dev-api", schedule)
		requireCall(t, http.MethodGet, url+"/cron/runs?cron=*/5+*+*+*+*", "", 200, `{"cron":"*/5 * * * *","runs":2}`)
	})
	t.Run("Service", func(t *testing.T) {
		// api calls auth through a service binding (fetch) and its AuthRPC entrypoint (RPC), and
		// reads a json binding.
		requireCall(t, http.MethodGet, url+"/service/ada", "", 200,
			`{"viaFetch":"auth says hi to /ada","viaRPC":{"user":"ada","ok":true},"config":{"greeting":"hello","limits":[1,2]}}`)
		requireCall(t, http.MethodGet, url+"/service/bob", "", 200,
			`{"viaFetch":"auth says hi to /bob","viaRPC":{"user":"bob","ok":false},"config":{"greeting":"hello","limits":[1,2]}}`)
	})
	t.Run("Assets", func(t *testing.T) {
		status, body, header := call(t, http.MethodGet, url+"/", "")
		if status != 200 || !strings.HasPrefix(header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<h1>lumier app</h1>") {
			t.Fatalf("GET /: %d %q %q, want public/index.html", status, header.Get("Content-Type"), body)
		}
		if status, _, header := call(t, http.MethodGet, url+"/style.css", ""); status != 200 || !strings.HasPrefix(header.Get("Content-Type"), "text/css") {
			t.Fatalf("GET /style.css: %d %q, want public/style.css as text/css", status, header.Get("Content-Type"))
		}
		requireCall(t, http.MethodGet, url+"/assets/hello", "", 200, `{"hello":"from the Worker"}`)
		if _, body, _ := call(t, http.MethodGet, url+"/assets/file/style.css", ""); !strings.Contains(body, `"status":200`) || !strings.Contains(body, "font-family") {
			t.Fatalf("env.ASSETS.fetch(/style.css): %s, want status 200 and the stylesheet", body)
		}
		if _, body, _ := call(t, http.MethodGet, url+"/assets/file/nothing-here", ""); !strings.Contains(body, `"status":404`) {
			t.Fatalf("env.ASSETS.fetch(/nothing-here): %s, want status 404", body)
		}
	})
	requireCall(t, http.MethodGet, url+"/nowhere", "", 404, `{"error":"no route for /nowhere"}`)
}

// requireShopGone checks that nothing of examples/app's dev stage is left on c after a destroy
// with removal "remove": no script, and not the KV namespace, R2 bucket or D1 database given, nor
// any queue.
func requireShopGone(t *testing.T, ctx context.Context, c *cloud, cache, files, db string) {
	t.Helper()
	api := cfapi.New(c.URL(), token, accountID)
	requireScripts(t, c)
	if _, err := api.KV.NamespaceByID(ctx, cache); !cfapi.IsNotFound(err) {
		t.Fatalf("after destroy with removal \"remove\" the KV namespace %s should be gone: %v", cache, err)
	}
	if _, err := api.R2.BucketByName(ctx, files); !cfapi.IsNotFound(err) {
		t.Fatalf("after destroy with removal \"remove\" the R2 bucket %s should be gone: %v", files, err)
	}
	if _, err := api.D1.DatabaseByID(ctx, db); !cfapi.IsNotFound(err) {
		t.Fatalf("after destroy with removal \"remove\" the D1 database %s should be gone: %v", db, err)
	}
	if queues, err := api.Queues.List(ctx); err != nil || len(queues) != 0 {
		t.Fatalf("after destroy with removal \"remove\" no queue should be left: %v, %v", queues, err)
	}
}
