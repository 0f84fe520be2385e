//go:build e2e

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lumier-dev/lumier/examples/app/stack"
	"github.com/lumier-dev/lumier/internal/cfapi"
)

// TestAppExample deploys examples/app through an inline program and calls each of its paths; a
// second up makes no API call; destroy (removal "remove" on a dev stage) leaves nothing of the
// stage on the local Cloudflare.
func TestAppExample(t *testing.T) {
	ctx := testContext(t, 10*time.Minute)
	c := startCloud(t)
	dir := copyExample(t, "app")
	t.Chdir(dir) // the program's entries are relative to it
	s := inlineStack(t, ctx, c, "app", "dev", stack.Config.RunFunc())
	api := cfapi.New(c.URL(), token, accountID)

	res := up(t, ctx, s)
	url := output(t, res.Outputs, "url")
	requireScripts(t, c, "shop-dev-api")

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

	t.Run("NoopUp", func(t *testing.T) { requireNoop(t, ctx, c, s) })

	cache := output(t, res.Outputs, "cache")
	destroy(t, ctx, s)
	requireScripts(t, c)
	if _, err := api.KVNamespaceByID(ctx, cache); !cfapi.IsNotFound(err) {
		t.Fatalf("after destroy with removal \"remove\" the KV namespace %s should be gone: %v", cache, err)
	}
}
